"""Template helpers of the agent workspace."""

from __future__ import annotations

from typing import Any

from django import template

from helpdesk.tenancy import is_lead

register = template.Library()


@register.simple_tag(takes_context=True)
def user_is_lead(context: Any) -> bool:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    return bool(request is not None and is_lead(request.user, tenant))


@register.filter
def minutes(value: int | None) -> str:
    """300 → "5 ч 00 мин"."""
    hours, mins = divmod(int(value or 0), 60)
    return f"{hours} ч {mins:02d} мин" if hours else f"{mins} мин"
