"""The Celery beat schedule: every periodic job of the product, in one place.

Plain data (no Django imports) so ``helpdesk.celery`` can load it before Django is set up.
Each entry names a task by its registered name.
"""

from __future__ import annotations

import os
from typing import Any

# How often the SLA pass runs (warnings, breaches, auto-close); SLA_TICK_SECONDS in the environment.
SLA_TICK_SECONDS = float(os.environ.get("SLA_TICK_SECONDS", "60"))

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "sla-tick": {
        "task": "sla.tick",
        "schedule": SLA_TICK_SECONDS,
        "options": {"expires": SLA_TICK_SECONDS * 0.9},
    },
    "mailgate-poll": {"task": "mailgate.poll_mailboxes", "schedule": 60.0, "options": {"expires": 55}},
    "mailgate-sweep": {"task": "mailgate.sweep", "schedule": 300.0, "options": {"expires": 290}},
    "webhooks-deliver-due": {"task": "webhooks.deliver_due", "schedule": 30.0, "options": {"expires": 25}},
}
