"""API test helpers: a token per (tenant, role, scope) and a client that sends it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from api.tokens import IssuedToken, api_token_create


class ApiClient(Client):
    def __init__(self, secret: str | None = None, **defaults: object) -> None:
        if secret:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        super().__init__(**defaults)

    def post_json(self, path: str, data: object) -> object:
        return self.post(path, data, content_type="application/json")


@pytest.fixture
def issue() -> Callable[..., IssuedToken]:
    def make(world, role: str = "lead", scope: str = "write", name: str | None = None) -> IssuedToken:
        return api_token_create(
            tenant=world.tenant,
            name=name or f"{role}-{scope}",
            role=role,
            scope=scope,
            created_by=world.admin,
        )

    return make


@pytest.fixture
def api() -> Callable[[IssuedToken | str | None], ApiClient]:
    def make(token: IssuedToken | str | None = None) -> ApiClient:
        secret = token.secret if isinstance(token, IssuedToken) else token
        return ApiClient(secret)

    return make
