"""SLA alerts: who gets them, storing them exactly once, and mailing them exactly once.

In-app alerts are ``SLAAlert`` rows unique per (ticket, kind, recipient); a beat pass inserts them with
"on conflict do nothing", so a second pass or a retried task adds nothing. E-mail is sent by a Celery
task that claims unsent rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks them in the same
transaction, so two workers never mail the same alert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import timezone

from helpdesk.models import Membership, Role
from helpdesk.tenancy import tenant_absolute_url
from sla.claims import chunks, claim
from sla.clocks import DONE_FIELD
from sla.models import AlertKind, AlertOutbox, SLAAlert
from tickets.models import Queue, Ticket
from tickets.statuses import OPEN_STATUSES

logger = logging.getLogger(__name__)

OUTBOX_CHUNK = 1000
# An outbox row still undelivered this long after its pass is queued again (lost task, broker outage).
REQUEUE_AFTER = timedelta(minutes=5)

BREACH_KINDS = {AlertKind.ACK_BREACH, AlertKind.FIRST_RESPONSE_BREACH, AlertKind.RESOLUTION_BREACH}


@dataclass(frozen=True)
class DueTicket:
    """What a beat pass read about a ticket it claimed."""

    ticket_id: int
    tenant_id: int
    assignee_id: int | None
    queue_id: int | None
    due_at: datetime | None


class RecipientDirectory:
    """Leads/admins per tenant and agents per queue, each loaded once per pass."""

    def __init__(self) -> None:
        self._leads: dict[int, list[int]] = {}
        self._queue_agents: dict[int, list[int]] = {}

    def preload(self, tenant_ids: Iterable[int], queue_ids: Iterable[int]) -> None:
        tenants = set(tenant_ids) - self._leads.keys()
        if tenants:
            for tenant_id in tenants:
                self._leads[tenant_id] = []
            rows = Membership.objects.filter(
                tenant_id__in=tenants, role__in=(Role.LEAD, Role.ADMIN), user__is_active=True
            ).values_list("tenant_id", "user_id")
            for tenant_id, user_id in rows:
                self._leads[tenant_id].append(user_id)
        queues = {q for q in queue_ids if q is not None} - self._queue_agents.keys()
        if queues:
            for queue_id in queues:
                self._queue_agents[queue_id] = []
            through = Queue.agents.through
            for queue_id, user_id in through.objects.filter(queue_id__in=queues).values_list(
                "queue_id", "user_id"
            ):
                self._queue_agents[queue_id].append(user_id)

    def recipients(self, item: DueTicket, *, include_leads: bool) -> set[int]:
        """The assignee, or the queue's agents when nobody is assigned; plus the leads for breaches."""
        people = (
            {item.assignee_id} if item.assignee_id else set(self._queue_agents.get(item.queue_id or 0, ()))
        )
        if include_leads or not people:
            people.update(self._leads.get(item.tenant_id, ()))
        return people


def store_alerts(items: Sequence[DueTicket], kind: str, *, now: datetime) -> int:
    """Insert one alert per recipient; rows that exist already are skipped. Returns rows attempted."""
    if not items:
        return 0
    directory = RecipientDirectory()
    directory.preload((i.tenant_id for i in items), (i.queue_id for i in items))
    include_leads = kind in BREACH_KINDS
    rows = [
        (item.tenant_id, item.ticket_id, user_id, item.due_at)
        for item in items
        for user_id in directory.recipients(item, include_leads=include_leads)
    ]
    if connection.vendor == "postgresql":
        _insert_alerts_postgresql(rows, kind, now)
    else:
        SLAAlert.objects.bulk_create(
            [
                SLAAlert(tenant_id=t, ticket_id=tk, recipient_id=u, due_at=due, kind=kind, created_at=now)
                for t, tk, u, due in rows
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
    return len(rows)


def _insert_alerts_postgresql(rows: list[tuple], kind: str, now: datetime) -> None:
    # One set-based statement instead of building thousands of model instances: a pass that finds
    # 10 000 overdue tickets stays well under a second.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO sla_slaalert (tenant_id, ticket_id, recipient_id, due_at, kind, created_at)
            SELECT t, tk, u, d, %s, %s
            FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::timestamptz[]) AS x(t, tk, u, d)
            ON CONFLICT (ticket_id, kind, recipient_id) DO NOTHING
            """,
            [
                kind,
                now,
                [r[0] for r in rows],
                [r[1] for r in rows],
                [r[2] for r in rows],
                [r[3] for r in rows],
            ],
        )


def record_due(ticket_ids: Sequence[int], kind: str, *, now: datetime) -> list[int]:
    """Write outbox rows for tickets a pass just claimed (inside the pass's transaction)."""
    batches = [
        AlertOutbox(kind=kind, ticket_ids=list(ticket_ids[i : i + OUTBOX_CHUNK]), due_at=now, created_at=now)
        for i in range(0, len(ticket_ids), OUTBOX_CHUNK)
    ]
    return [batch.pk for batch in AlertOutbox.objects.bulk_create(batches)] if batches else []


def queue_delivery(batch_ids: Iterable[int], *, now: datetime) -> int:
    """Hand the pass's outbox rows, and any left behind by an earlier failure, to the delivery task."""
    from sla.tasks import deliver_sla_alerts

    stale = AlertOutbox.objects.filter(delivered_at__isnull=True, created_at__lt=now - REQUEUE_AFTER)
    ids = sorted({*batch_ids, *stale.values_list("pk", flat=True)})
    for batch_id in ids:
        deliver_sla_alerts.delay(batch_id)
    return len(ids)


def deliver_batch(batch_id: int) -> int:
    """Turn one outbox row into per-recipient alerts and queue their mail; a second run adds nothing."""
    with transaction.atomic():
        batch = (
            AlertOutbox.objects.select_for_update(skip_locked=True)
            .filter(pk=batch_id, delivered_at__isnull=True)
            .first()
        )
        if batch is None:  # delivered already, or another worker holds it
            return 0
        base = batch.kind.rsplit("_", 1)[0]
        due_field = f"{base}_due"
        if batch.kind in BREACH_KINDS:
            # Still past due as of the pass: a deadline recomputed into the future since then is no breach.
            still = Q(**{f"{base}_breached": False, f"{due_field}__lte": batch.due_at})
            flag = f"{base}_breached"
        else:
            still = Q(
                **{
                    f"{base}_warned": False,
                    f"{due_field}__gt": batch.due_at,
                    f"{DONE_FIELD[base]}__isnull": True,
                },
                status__in=OPEN_STATUSES,
                sla_paused_at__isnull=True,
            )
            flag = f"{base}_warned"
        flagged: list[int] = []
        for chunk in chunks(batch.ticket_ids):
            # Wait for a ticket an agent is changing right now: this batch is its only delivery.
            flagged += claim(Ticket.objects.filter(still, pk__in=chunk), {flag: True}, skip_locked=False)
        items = [
            DueTicket(*row)
            for chunk in chunks(flagged)
            for row in Ticket.objects.filter(pk__in=chunk).values_list(
                "pk", "tenant_id", "assignee_id", "queue_id", due_field
            )
        ]
        stored = store_alerts(items, batch.kind, now=batch.due_at)
        batch.delivered_at = timezone.now()
        batch.save(update_fields=["delivered_at"])
        transaction.on_commit(queue_alert_emails)
    return stored


def queue_alert_emails() -> None:
    """Ask a worker to mail the alerts not mailed yet."""
    from sla.tasks import send_sla_alert_emails

    send_sla_alert_emails.delay()


def send_pending_alert_emails(*, batch_size: int = 200, limit: int = 5000) -> int:
    """Mail unsent alerts, each exactly once even with several workers; returns how many were sent."""
    sent = 0
    mail_connection = get_connection()
    while sent < limit:
        with transaction.atomic():
            batch = list(
                SLAAlert.objects.filter(emailed_at__isnull=True)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("ticket__tenant", "recipient")
                .order_by("created_at", "pk")[:batch_size]
            )
            if not batch:
                break
            now = timezone.now()
            messages = [_message(alert) for alert in batch]
            mail_connection.send_messages([m for m in messages if m is not None])
            SLAAlert.objects.filter(pk__in=[a.pk for a in batch]).update(emailed_at=now)
            sent += sum(1 for m in messages if m is not None)
    return sent


def _ticket_url(ticket: Ticket) -> str:
    try:
        return tenant_absolute_url(ticket.tenant, "agent:ticket_detail", number=ticket.display_number)
    except NoReverseMatch:  # the agent UI is not mounted (e.g. a trimmed deployment): mail without link
        return ""


def _message(alert: SLAAlert) -> EmailMultiAlternatives | None:
    recipient = alert.recipient
    if not recipient.email or not recipient.is_active:
        return None
    ticket = alert.ticket
    context = {
        "alert": alert,
        "ticket": ticket,
        "tenant": ticket.tenant,
        "kind_label": alert.get_kind_display(),
        "is_breach": alert.kind in BREACH_KINDS,
        "due_at": timezone.localtime(alert.due_at) if alert.due_at else None,
        "url": _ticket_url(ticket),
    }
    subject = " ".join(render_to_string("emails/sla_alert.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/sla_alert.txt", context),
        to=[recipient.email],
        headers={"Auto-Submitted": "auto-generated", "X-Reglament-Alert": alert.kind},
    )
    message.attach_alternative(render_to_string("emails/sla_alert.html", context), "text/html")
    return message
