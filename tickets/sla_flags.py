"""Which tickets count as "SLA warning" and "SLA breached": the queue views and the reports share these,
so that a number in a report is exactly the list its link opens."""

from __future__ import annotations

from django.db.models import Q

# A warning is shown while the clock it warns about is still running and not yet breached.
WARNED = (
    Q(ack_warned=True, ack_at__isnull=True, ack_breached=False)
    | Q(first_response_warned=True, first_response_at__isnull=True, first_response_breached=False)
    | Q(resolution_warned=True, resolved_at__isnull=True, resolution_breached=False)
)
BREACHED = Q(ack_breached=True) | Q(first_response_breached=True) | Q(resolution_breached=True)
