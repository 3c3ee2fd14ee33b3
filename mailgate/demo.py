"""Demo mailboxes: ``support@<slug>.example`` for every demo tenant, ``noc@microimpuls.example`` → NOC."""

from __future__ import annotations

from typing import Any

from helpdesk.models import Tenant
from mailgate.models import Mailbox
from tickets.models import Queue


def seed_mailboxes(tenant: Tenant, spec: Any) -> None:
    queues = {q.slug: q for q in Queue.objects.for_tenant(tenant)}
    wanted = [(f"support@{tenant.slug}.example", queues.get("support"))]
    if tenant.slug == "microimpuls":
        wanted.append(("noc@microimpuls.example", queues.get("noc")))
    for address, queue in wanted:
        Mailbox.objects.get_or_create(address=address, defaults={"tenant": tenant, "queue": queue})
