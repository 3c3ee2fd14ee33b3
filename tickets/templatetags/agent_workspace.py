"""Template helpers of the agent workspace."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from helpdesk.tenancy import is_lead
from sla.selectors import unread_alert_count

register = template.Library()


@register.simple_tag(takes_context=True)
def user_is_lead(context: Any) -> bool:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    return bool(request is not None and is_lead(request.user, tenant))


@register.simple_tag(takes_context=True)
def unread_alerts(context: Any) -> int:
    """The signed-in staff member's unread SLA alerts in this tenant (one COUNT on every agent page)."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if request is None or tenant is None or not request.user.is_authenticated:
        return 0
    return unread_alert_count(tenant=tenant, user=request.user)


@register.filter
def minutes(value: int | None) -> str:
    """300 → "5 ч 00 мин"."""
    hours, mins = divmod(int(value or 0), 60)
    return f"{hours} ч {mins:02d} мин" if hours else f"{mins} мин"


@register.simple_tag
def plain_select(field: BoundField) -> str:
    """A form field's ``<select>`` built directly: Django's widget templates render every option through
    the template engine, which cost more than the rest of the filter bar together."""
    value = field.value()
    values = value if isinstance(value, list | tuple) else [value]
    selected = {str(v) for v in values if v not in (None, "")}
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, mark_safe(" selected") if str(key) in selected else "", label)  # noqa: S308 (a constant)
            for key, label in field.field.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}" aria-label="{}"{}>{}</select>',
        field.html_name,
        field.auto_id,
        field.label,
        mark_safe(" required") if field.field.required else "",  # noqa: S308 (a constant)
        options,
    )
