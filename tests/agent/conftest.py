"""Helpers for the agent workspace tests: tenant-prefixed URLs and signed-in clients per role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from helpdesk.models import User


def agent_url(slug: str, name: str, *args: object) -> str:
    """``/t/<slug>/agent/...``: tenant URLs are reversed against the tenant URLconf, then prefixed."""
    return f"/t/{slug}" + reverse(f"agent:{name}", urlconf="helpdesk.urls_tenant", args=args or None)


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
