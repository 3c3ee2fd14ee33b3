"""One-time sign-in links: single use, short-lived, bound to one tenant.

The token is signed and timestamped (``django.core.signing``) and carries a fingerprint of the
user's password hash and last sign-in; signing in changes ``last_login``, so a used link, and any
other link sent before it, stops working. A contact without a login gets a token naming the contact
instead; using it creates their login, after which that token no longer applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from helpdesk.models import Tenant, User
from tickets.models import Contact

_SALT = "reglament.magic-link"
MAGIC_LINK_MAX_AGE = timedelta(minutes=15)


def _fingerprint(user: User) -> str:
    last_login = (
        "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None).isoformat()
    )
    return salted_hmac(_SALT, f"{user.pk}|{user.password}|{last_login}|{user.email}").hexdigest()[:24]


def _contact_fingerprint(contact: Contact) -> str:
    return salted_hmac(_SALT, f"contact|{contact.pk}|{contact.email}|{contact.user_id}").hexdigest()[:24]


def magic_link_token(*, tenant: Tenant, user: User | None = None, contact: Contact | None = None) -> str:
    if user is not None:
        return signing.dumps({"tn": tenant.pk, "u": user.pk, "h": _fingerprint(user)}, salt=_SALT)
    if contact is None or contact.user_id is not None:
        raise ValueError("A token names a user, or a contact that has no login yet.")
    return signing.dumps({"tn": tenant.pk, "c": contact.pk, "h": _contact_fingerprint(contact)}, salt=_SALT)


@dataclass(frozen=True)
class MagicLinkClaim:
    user: User | None
    contact: Contact | None


def read_magic_link(token: str, *, tenant: Tenant) -> MagicLinkClaim | None:
    """Who this token signs in, or None when it is forged, expired, used, or of another tenant."""
    try:
        data: Any = signing.loads(token, salt=_SALT, max_age=MAGIC_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("tn") != tenant.pk:
        return None
    if "u" in data:
        user = User.objects.filter(pk=data["u"], is_active=True).first()
        if user is None or not constant_time_compare(_fingerprint(user), str(data.get("h"))):
            return None
        return MagicLinkClaim(user=user, contact=None)
    contact = Contact.objects.for_tenant(tenant).filter(pk=data.get("c"), user__isnull=True).first()
    if contact is None or not constant_time_compare(_contact_fingerprint(contact), str(data.get("h"))):
        return None
    return MagicLinkClaim(user=None, contact=contact)
