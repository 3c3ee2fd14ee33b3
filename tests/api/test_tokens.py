"""Tokens: created by a tenant admin in the admin, shown once, stored hashed, revocable; the service
account behind a token can never sign in and is never offered as staff."""

from __future__ import annotations

import re

from django.contrib.auth import authenticate
from django.urls import reverse

from api.models import ApiToken
from tickets.forms.agent import staff_of


def test_a_tenant_admin_creates_a_token_and_sees_it_once(client, world_a, world_b, api):
    client.force_login(world_a.admin)
    form = client.get(reverse("admin:api_apitoken_add")).context["adminform"].form
    assert "tenant" not in form.fields
    response = client.post(
        reverse("admin:api_apitoken_add"), {"name": "CRM", "role": "lead", "scope": "read"}
    )
    assert response.status_code == 200, response.content[:500]
    secret = re.search(r'id="api-token-secret"[^>]*>(rg_[A-Za-z0-9_-]+)<', response.content.decode())[1]
    token = ApiToken.objects.get(name="CRM")
    assert token.tenant == world_a.tenant and token.created_by == world_a.admin
    assert secret not in token.secret_hash and len(token.secret_hash) == 64 and token.prefix in secret
    change = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert secret not in change, "never shown again"
    assert api(secret).get("/api/v1/tickets/").status_code == 200
    assert api(secret).post_json("/api/v1/tickets/", {}).status_code == 403  # read scope

    client.post(
        reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api(secret).get("/api/v1/tickets/").status_code == 401


def test_changing_the_role_changes_what_the_token_may_see(world_a, issue, api):
    from api.tokens import api_token_update
    from tests.factories import QueueFactory, make_ticket

    queued = make_ticket(
        tenant=world_a.tenant, queue=QueueFactory(tenant=world_a.tenant), subject="В очереди"
    )
    issued = issue(world_a, role="agent")
    client = api(issued)
    assert client.get(f"/api/v1/tickets/{queued.display_number}/").status_code == 404
    api_token_update(token=issued.token, name=issued.token.name, role="lead", scope="read")
    assert client.get(f"/api/v1/tickets/{queued.display_number}/").status_code == 200
    assert (
        client.post_json(f"/api/v1/tickets/{queued.display_number}/notes/", {"body": "x"}).status_code == 403
    )


def test_the_service_account_cannot_sign_in_and_is_not_staff(world_a, issue):
    issued = issue(world_a)
    account = issued.token.account
    assert not account.is_active and not account.has_usable_password() and not account.is_staff
    assert authenticate(username=account.email, password="") is None
    assert account not in staff_of(world_a.tenant)
