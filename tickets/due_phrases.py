"""Due times in the client's terms: "ответим до 14:00 завтра"."""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tickets.models import Ticket


def when_phrase(moment: datetime, *, now: datetime, tz: tzinfo | None = None) -> str:
    """``"14:00 сегодня"``, ``"14:00 завтра"``, ``"14:00, пятница 27 ноября"`` in the local time zone."""
    tz = tz or timezone.get_current_timezone()
    local, today = timezone.localtime(moment, tz), timezone.localtime(now, tz).date()
    time = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days == 0:
        return _("%(time)s сегодня") % {"time": time}
    if days == 1:
        return _("%(time)s завтра") % {"time": time}
    if days == -1:
        return _("%(time)s вчера") % {"time": time}
    if 1 < days < 7:
        day = date_format(local, "l j E")
        # Russian writes weekdays and months in lower case mid-sentence; English capitalises them.
        if (get_language() or "ru").startswith("ru"):
            day = day.lower()
        return _("%(time)s, %(day)s") % {"time": time, "day": day}
    return _("%(time)s %(date)s") % {"time": time, "date": date_format(local, "j E Y")}


def ticket_due_phrase(ticket: Ticket, *, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """What the client is promised next, or "" when nothing is due (no SLA, or already resolved)."""
    if not ticket.is_open:
        return ""
    now = now or timezone.now()
    if ticket.first_response_at is None and ticket.first_response_due is not None:
        due, promise = ticket.first_response_due, _("ответим до %(when)s")
    elif ticket.resolution_due is not None and ticket.sla_paused_at is None:
        due, promise = ticket.resolution_due, _("решим до %(when)s")
    else:
        return ""
    if due <= now:
        return _("срок истёк в %(when)s — мы уже работаем над заявкой") % {
            "when": when_phrase(due, now=now, tz=tz)
        }
    return promise % {"when": when_phrase(due, now=now, tz=tz)}
