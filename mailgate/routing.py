"""Recipient address → tenant, mailbox and queue; then the sender inside that tenant.

The address table is tiny and read on every message, so each process keeps it in memory: it is
rebuilt when a mailbox, queue or tenant is saved (signals in ``apps.py``), after ``TTL`` seconds,
and once on a miss (rate-limited so a spam run to unknown addresses cannot hammer the database).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Lower

from helpdesk.models import Tenant
from mailgate.models import Mailbox
from mailgate.parsing import ParsedEmail
from tickets.models import Contact, Queue

TTL_SECONDS = 60.0
MISS_RELOAD_SECONDS = 5.0


class RoutingError(Exception):
    """No active mailbox for any recipient: the message is quarantined without a tenant."""


@dataclass(frozen=True)
class Route:
    tenant: Tenant
    mailbox: Mailbox
    queue: Queue | None
    address: str


class _Table:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._loaded_at = 0.0
        self._miss_reload_at = 0.0

    def clear(self) -> None:
        with self._lock:
            self._routes = {}
            self._loaded_at = 0.0
            self._miss_reload_at = 0.0

    def _load(self) -> None:
        routes: dict[str, Route] = {}
        mailboxes = Mailbox.objects.filter(is_active=True, tenant__is_active=True).select_related(
            "tenant", "queue"
        )
        for mailbox in mailboxes:
            for address in mailbox.all_addresses():
                routes[address] = Route(mailbox.tenant, mailbox, mailbox.queue, address)
        self._routes = routes
        self._loaded_at = self._miss_reload_at = time.monotonic()

    def lookup(self, addresses: list[str], tenant_id: int | None = None) -> Route | None:
        with self._lock:
            now = time.monotonic()
            if not self._loaded_at or now - self._loaded_at > TTL_SECONDS:
                self._load()
            route = self._first(addresses, tenant_id)
            if route is None and addresses and now - self._miss_reload_at > MISS_RELOAD_SECONDS:
                self._load()
                route = self._first(addresses, tenant_id)
            return route

    def _first(self, addresses: list[str], tenant_id: int | None) -> Route | None:
        for address in addresses:
            route = self._routes.get(address.strip().lower())
            if route is not None and (tenant_id is None or route.tenant.pk == tenant_id):
                return route
        return None

    def own_addresses(self) -> frozenset[str]:
        return frozenset(self._routes)


_table = _Table()


def clear_cache() -> None:
    _table.clear()


def candidate_recipients(parsed: ParsedEmail | None) -> list[str]:
    if parsed is None:
        return []
    found = [*parsed.delivered_to, *parsed.to, *parsed.cc]
    return [a.strip().lower() for a in found if a and a.strip()]


def route(
    parsed: ParsedEmail | None, *, envelope_recipient: str = "", mailbox: Mailbox | None = None
) -> Route:
    """The envelope recipient (pipe, webhook) is authoritative and alone: an unknown one is quarantined,
    never re-routed by headers a sender can forge. Without it (IMAP) the headers decide, but only among
    the polled mailbox's own tenant, and the polled mailbox itself is the fallback (Bcc, lists)."""
    if envelope_recipient:
        recipients = [envelope_recipient.strip().lower()]
        found = _table.lookup(recipients)
    else:
        recipients = candidate_recipients(parsed)
        found = _table.lookup(recipients, tenant_id=mailbox.tenant_id if mailbox else None)
        if found is None and mailbox is not None:
            found = _table.lookup([mailbox.address])
    if found is None:
        shown = ", ".join(recipients[:3]) or "none"
        raise RoutingError(f"unknown recipient ({shown})"[:300])
    return found


def is_own_address(address: str) -> bool:
    return address.strip().lower() in _table.own_addresses()


def _contacts() -> QuerySet[Contact]:
    return Contact.objects.select_related("organization__sla_tier")


class ContactCache:
    """The senders of one batch, looked up in one query. Lives only as long as the batch."""

    def __init__(self, pairs: Iterable[tuple[int, str]] = ()) -> None:
        self._found: dict[tuple[int, str], Contact | None] = {}
        wanted = {(tenant_id, email.lower()) for tenant_id, email in pairs if tenant_id and email}
        if not wanted:
            return
        rows = (
            _contacts()
            .annotate(email_lower=Lower("email"))
            .filter(tenant_id__in={t for t, _ in wanted}, email_lower__in={e for _, e in wanted})
        )
        self._found = dict.fromkeys(wanted)
        for contact in rows:
            key = (contact.tenant_id, contact.email_lower)
            if key in self._found:
                self._found[key] = contact

    def get(self, tenant: Tenant, email: str) -> Contact | None:
        key = (tenant.pk, email.lower())
        if key not in self._found:
            self._found[key] = _contacts().filter(tenant=tenant, email__iexact=email).first()
        return self._found[key]

    def remember(self, contact: Contact) -> None:
        self._found[(contact.tenant_id, contact.email.lower())] = contact


def find_contact(*, tenant: Tenant, email: str, cache: ContactCache | None = None) -> Contact | None:
    """The registered contact for this sender in this tenant (never another tenant's)."""
    if not email:
        return None
    if cache is not None:
        return cache.get(tenant, email)
    return _contacts().filter(tenant=tenant, email__iexact=email).first()
