"""The Celery beat schedule: every periodic job of the product, in one place.

Plain data (no Django imports) so ``helpdesk.celery`` can load it before Django is set up.
Each entry names a task by its registered name.
"""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "sla-tick": {"task": "sla.tick", "schedule": 60.0, "options": {"expires": 55}},
}
