"""Creating, checking and revoking API tokens (the only code that writes ``ApiToken``).

A token is ``rg_<prefix>_<secret>``: the prefix (public, unique) finds the row, the secret is compared
with its stored SHA-256 in constant time. The secret has 256 bits of randomness, so a plain hash is as
good as a slow password hash here and costs microseconds per request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, Scope
from helpdesk.models import Membership, Tenant, User

TOKEN_PREFIX = "rg_"
# Throttling and last-use stamps write at most this often per token.
LAST_USED_RESOLUTION_SECONDS = 60


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole "rg_…" string; shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, tenant: Tenant, name: str, role: str, scope: str = Scope.READ, created_by: User | None = None
) -> IssuedToken:
    prefix = secrets.token_hex(5)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    account = User.objects.create_user(
        f"api-{prefix}@{tenant.slug}.api.invalid", None, full_name=f"API: {name}"[:200], is_active=False
    )
    Membership.objects.create(tenant=tenant, user=account, role=role)
    token = ApiToken.objects.create(
        tenant=tenant,
        name=name,
        role=role,
        scope=scope,
        prefix=prefix,
        secret_hash=_hash(secret),
        account=account,
        created_by=created_by,
    )
    return IssuedToken(token, secret)


@transaction.atomic
def api_token_update(*, token: ApiToken, name: str, role: str, scope: str) -> ApiToken:
    """Rename, or change role and scope: the service account's membership follows the role."""
    token.name, token.role, token.scope = name, role, scope
    token.save(update_fields=["name", "role", "scope"])
    Membership.objects.filter(tenant_id=token.tenant_id, user_id=token.account_id).update(role=role)
    User.objects.filter(pk=token.account_id).update(full_name=f"API: {name}"[:200])
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    """Refused from the next request on; the row and its account stay so that history keeps its author."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])


def api_token_for_secret(secret: str) -> ApiToken | None:
    """The active token this secret belongs to, or None (unknown, malformed, wrong secret or revoked)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    prefix, _sep, rest = secret[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not rest:
        return None
    token = (
        ApiToken.objects.select_related("tenant", "account")
        .filter(prefix=prefix, revoked_at__isnull=True, tenant__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
