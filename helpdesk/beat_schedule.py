"""The Celery beat schedule: every periodic job of the product, in one place.

Plain data (no Django imports) so ``helpdesk.celery`` can load it before Django is set up.
Each entry names a task by its registered name.
"""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "sla-tick": {"task": "sla.tick", "schedule": 60.0, "options": {"expires": 55}},
    "mailgate-poll": {"task": "mailgate.poll_mailboxes", "schedule": 60.0, "options": {"expires": 55}},
    "mailgate-sweep": {"task": "mailgate.sweep", "schedule": 300.0, "options": {"expires": 290}},
}
