"""Demo data of the customer portal: per-tenant form settings and a current announcement.

Registered in ``tickets.demo.EXTRA_SEEDERS`` by ``HelpdeskConfig.ready``; idempotent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from helpdesk.models import Announcement, Tenant

# SaveIT's portal form asks organisation, full name, position and phone (регламент 001).
REQUIRED_CONTACT_FIELDS = {"saveit": "organization,full_name,position,phone"}
ANNOUNCEMENTS = {
    "microimpuls": (
        "Плановые работы на CDN в ночь на субботу, 02:00–04:00 МСК",
        "Возможны кратковременные перерывы в доставке HLS-потоков. Заявки NOC принимаются как обычно.",
    ),
}


def seed_portal(tenant: Tenant, spec: Any) -> None:
    required = REQUIRED_CONTACT_FIELDS.get(tenant.slug)
    if required and not tenant.portal_required_contact_fields:
        tenant.portal_required_contact_fields = required
        tenant.save(update_fields=["portal_required_contact_fields"])
    notice = ANNOUNCEMENTS.get(tenant.slug)
    if notice and not Announcement.objects.for_tenant(tenant).filter(title=notice[0]).exists():
        now = timezone.now()
        Announcement.objects.create(
            tenant=tenant, title=notice[0], body=notice[1], starts_at=now, ends_at=now + timedelta(days=30)
        )
