"""The journal's columns and its rows: one row per ticket, typed values, the same for every format.

SaveIT's appendix 1 asks for priority, organisation, text, status, contacts and the dated progress; the
SLA columns (registration, first response, resolution: due, done, breached) and the booked and actual
time complete it. Each format (``json_format``, ``csv_format``, ``xlsx_format``) renders these typed
values its own way: JSON keeps codes and ISO 8601 times, CSV and XLSX show Russian labels and local times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket, TimeEntry


class Kind(Enum):
    TEXT = "text"
    DATETIME = "datetime"
    FLAG = "flag"
    STATUS = "status"
    PRIORITY = "priority"
    CHANNEL = "channel"
    MINUTES = "minutes"


@dataclass(frozen=True)
class Column:
    key: str
    title: Promise
    kind: Kind = Kind.TEXT
    width: int = 14  # characters, for the XLSX sheet


JOURNAL_COLUMNS: tuple[Column, ...] = (
    Column("number", _("Номер"), width=11),
    Column("subject", _("Тема"), width=48),
    Column("organisation", _("Организация"), width=28),
    Column("contract", _("Договор"), width=14),
    Column("requester_name", _("Заявитель"), width=26),
    Column("requester", _("E-mail заявителя"), width=28),
    Column("requester_phone", _("Телефон заявителя"), width=16),
    Column("queue", _("Очередь"), width=16),
    Column("category", _("Категория"), width=22),
    Column("priority", _("Приоритет"), Kind.PRIORITY, width=16),
    Column("status", _("Статус"), Kind.STATUS, width=16),
    Column("sla_tier", _("Уровень SLA"), width=14),
    Column("assignee_name", _("Исполнитель"), width=24),
    Column("assignee", _("E-mail исполнителя"), width=26),
    Column("channel", _("Канал"), Kind.CHANNEL, width=10),
    Column("created", _("Создана"), Kind.DATETIME, width=17),
    Column("ack_due", _("Срок регистрации"), Kind.DATETIME, width=17),
    Column("ack_at", _("Зарегистрирована"), Kind.DATETIME, width=17),
    Column("ack_breached", _("Регистрация просрочена"), Kind.FLAG, width=13),
    Column("first_response_due", _("Срок первого ответа"), Kind.DATETIME, width=17),
    Column("first_response_at", _("Первый ответ"), Kind.DATETIME, width=17),
    Column("first_response_breached", _("Первый ответ просрочен"), Kind.FLAG, width=13),
    Column("resolution_due", _("Срок решения"), Kind.DATETIME, width=17),
    Column("resolved_at", _("Решена"), Kind.DATETIME, width=17),
    Column("resolution_breached", _("Решение просрочено"), Kind.FLAG, width=13),
    Column("closed_at", _("Закрыта"), Kind.DATETIME, width=17),
    Column("minutes_booked", _("Учтено времени, мин"), Kind.MINUTES, width=12),
    Column("minutes_spent", _("Затрачено времени, мин"), Kind.MINUTES, width=12),
)


def _minutes_total(field: str) -> Coalesce:
    per_ticket = (
        TimeEntry.objects.filter(ticket_id=OuterRef("pk"))
        .order_by()
        .values("ticket_id")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(per_ticket, output_field=IntegerField()), Value(0))


def journal_tickets(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``tickets`` (already scoped to a tenant, and to an agent for the UI) with what a row needs, in one
    query: the related names by joins, the booked and actual minutes by correlated sums."""
    return (
        tickets.select_related(
            "tenant", "organization", "requester", "queue", "category", "sla_tier", "assignee"
        )
        .annotate(
            journal_minutes_booked=_minutes_total("minutes"),
            journal_minutes_spent=_minutes_total("minutes_spent"),
        )
        .order_by("number")
    )


def _name(obj: Any, attr: str = "name") -> str | None:
    return getattr(obj, attr) if obj is not None else None


def journal_records(tickets: Iterable[Ticket]) -> Iterator[dict[str, Any]]:
    """Typed rows (times aware, flags bool, status and priority as codes) of tickets from ``journal_tickets``."""
    for t in tickets:
        requester = t.requester
        assignee = t.assignee
        yield {
            "number": t.display_number,
            "subject": t.subject,
            "organisation": _name(t.organization),
            "contract": (t.organization.contract_number or None) if t.organization else None,
            "requester_name": (requester.full_name or None) if requester else None,
            "requester": _name(requester, "email"),
            "requester_phone": (requester.phone or None) if requester else None,
            "queue": _name(t.queue),
            "category": _name(t.category),
            "priority": t.priority,
            "status": t.status,
            "sla_tier": _name(t.sla_tier),
            "assignee_name": assignee.get_full_name() if assignee else None,
            "assignee": _name(assignee, "email"),
            "channel": t.channel,
            "created": t.created_at,
            "ack_due": t.ack_due,
            "ack_at": t.ack_at,
            "ack_breached": t.ack_breached,
            "first_response_due": t.first_response_due,
            "first_response_at": t.first_response_at,
            "first_response_breached": t.first_response_breached,
            "resolution_due": t.resolution_due,
            "resolved_at": t.resolved_at,
            "resolution_breached": t.resolution_breached,
            "closed_at": t.closed_at,
            "minutes_booked": t.journal_minutes_booked,  # type: ignore[attr-defined]
            "minutes_spent": t.journal_minutes_spent,  # type: ignore[attr-defined]
        }
