"""``{% current_announcements %}``: the tenant's current notices, on every page of its portal."""

from __future__ import annotations

from typing import Any

from django import template

from helpdesk.models import Announcement

register = template.Library()


@register.inclusion_tag("components/announcements.html", takes_context=True)
def current_announcements(context: Any) -> dict[str, Any]:
    tenant = context.get("tenant")
    if tenant is None:
        return {"announcements": []}
    return {
        "announcements": list(
            Announcement.objects.for_tenant(tenant).current().order_by("starts_at", "pk")[:5]
        )
    }
