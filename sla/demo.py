"""Demo SLA policies of the five tenants, following the regulations digest (shared/regulations/README.md).

Registered in ``tickets.demo.EXTRA_SEEDERS`` by ``SlaConfig.ready``. Idempotent: schedules are created
when missing, and a tier is configured only while it has no targets yet, so an admin's later edits stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from helpdesk.models import Tenant
from sla.models import SLACategoryTarget, SLATarget, SLATier, WorkSchedule
from tickets.models import Category

H = Decimal

WEEKDAYS_9_18 = {
    "monday": "09:00-18:00",
    "tuesday": "09:00-18:00",
    "wednesday": "09:00-18:00",
    "thursday": "09:00-18:00",
    "friday": "09:00-18:00",
}
OFFICE_RU = ("Офис 09–18 (Москва)", {**WEEKDAYS_9_18, "russian_holidays": True, "shortened_days": True})
AROUND_THE_CLOCK = (
    "Круглосуточно 24/7",
    {
        **dict.fromkeys(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), "00:00-24:00"
        ),
        "russian_holidays": False,
    },
)

# (ack, first response, resolution) in working hours per priority 1..4; None = not regulated.
Targets = dict[int, tuple[Decimal | None, Decimal | None, Decimal | None]]


@dataclass(frozen=True)
class TierSpec:
    name: str
    is_default: bool
    targets: Targets
    schedule: str | None = None  # None: the tenant's default schedule
    category_targets: dict[str, tuple[Decimal | None, Decimal | None, Decimal | None]] = field(
        default_factory=dict
    )
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TenantSLASpec:
    schedules: list[tuple[str, dict[str, Any]]]  # first one is the tenant's default
    tiers: list[TierSpec]


DEMO_SLA: dict[str, TenantSLASpec] = {
    # Reaction times by support level in the contract; streaming (NOC) problems are urgent in every level.
    "microimpuls": TenantSLASpec(
        schedules=[OFFICE_RU, AROUND_THE_CLOCK],
        tiers=[
            TierSpec(
                "Базовый",
                True,
                {
                    1: (H(1), H(4), H(16)),
                    2: (H(2), H(8), H(40)),
                    3: (H(4), H(16), H(80)),
                    4: (H(8), H(40), None),
                },
                category_targets={"Стриминг и доставка контента": (H("0.5"), H(2), H(8))},
            ),
            TierSpec(
                "Расширенный",
                False,
                {
                    1: (H(1), H(2), H(8)),
                    2: (H(1), H(4), H(24)),
                    3: (H(2), H(8), H(40)),
                    4: (H(4), H(16), None),
                },
                category_targets={"Стриминг и доставка контента": (H("0.5"), H(1), H(4))},
            ),
            TierSpec(
                "Премиум",
                False,
                {
                    1: (H("0.25"), H("0.5"), H(4)),
                    2: (H("0.5"), H(1), H(8)),
                    3: (H(1), H(4), H(24)),
                    4: (H(2), H(8), None),
                },
                schedule=AROUND_THE_CLOCK[0],
            ),
        ],
    ),
    # P1 4 h, P2 8 h, P3 5 working days, P4 10 working days (9-hour days); registration within 3 hours.
    # The InSales passage (24/7, premium 3 h for any request) becomes the priority tier.
    "saveit": TenantSLASpec(
        schedules=[OFFICE_RU, AROUND_THE_CLOCK],
        tiers=[
            TierSpec(
                "Стандарт",
                True,
                {
                    1: (H(3), None, H(4)),
                    2: (H(3), None, H(8)),
                    3: (H(3), None, H(45)),
                    4: (H(3), None, H(90)),
                },
            ),
            TierSpec(
                "Приоритетный",
                False,
                {
                    1: (H(3), H(3), H(4)),
                    2: (H(3), H(3), H(8)),
                    3: (H(3), H(3), H(24)),
                    4: (H(3), H(3), H(36)),
                },
                schedule=AROUND_THE_CLOCK[0],
            ),
        ],
    ),
    # Weekdays 09–18, weekends 10–18, holidays included; consultation: reaction within 20 working hours;
    # development: handed to the developers, no reaction time.
    "umi": TenantSLASpec(
        schedules=[
            (
                "UMI: будни 09–18, выходные 10–18",
                {
                    **WEEKDAYS_9_18,
                    "saturday": "10:00-18:00",
                    "sunday": "10:00-18:00",
                    "russian_holidays": True,
                    "open_on_holidays": True,
                },
            )
        ],
        tiers=[
            TierSpec("Консультация", True, {p: (None, H(20), None) for p in (1, 2, 3, 4)}),
            TierSpec("Разработка", False, {}),
        ],
    ),
    # Reaction by criticality and service package; the resolution clock stops while waiting for the
    # client; three working days without an answer close the ticket.
    "kasburg": TenantSLASpec(
        schedules=[OFFICE_RU],
        tiers=[
            TierSpec(
                "Стандартный пакет",
                True,
                {
                    1: (H(1), H(4), H(24)),
                    2: (H(1), H(8), H(40)),
                    3: (H(2), H(16), H(80)),
                    4: (H(2), H(24), None),
                },
                options={"stale_close_working_days": 3},
            ),
            TierSpec(
                "Расширенный пакет",
                False,
                {
                    1: (H("0.5"), H(1), H(8)),
                    2: (H("0.5"), H(2), H(16)),
                    3: (H(1), H(4), H(40)),
                    4: (H(1), H(8), None),
                },
                options={"stale_close_working_days": 3},
            ),
        ],
    ),
    # Review within 2–12 working hours by priority (set by category); merging duplicates: 30 working days.
    "zooportal": TenantSLASpec(
        schedules=[
            (
                "Портал 10–18 (Москва)",
                {
                    **dict.fromkeys(WEEKDAYS_9_18, "10:00-18:00"),
                    "russian_holidays": True,
                },
            )
        ],
        tiers=[
            TierSpec(
                "Стандарт",
                True,
                {1: (None, H(2), None), 2: (None, H(4), None), 3: (None, H(8), None), 4: (None, H(12), None)},
                category_targets={
                    "Вопросы организаторов по работе системы": (None, H(2), None),
                    "Ошибки в работе портала": (None, H(4), None),
                    "Редактирование профиля клуба или питомника": (None, H(8), None),
                    "Объединение дубликатов записей животных": (None, H(12), H(240)),
                },
            ),
        ],
    ),
}


def seed_sla(tenant: Tenant, spec: Any) -> None:
    """The ``EXTRA_SEEDERS`` entry point: (tenant, demo spec) → schedules and tier targets."""
    seed_sla_for(tenant, spec.slug)


def seed_sla_for(tenant: Tenant, slug: str) -> None:
    plan = DEMO_SLA.get(slug)
    if plan is None:
        return
    schedules = {}
    for position, (name, fields) in enumerate(plan.schedules):
        schedules[name], _ = WorkSchedule.objects.get_or_create(
            tenant=tenant,
            name=name,
            defaults={**fields, "is_default": position == 0 and not _has_default_schedule(tenant)},
        )
    categories = {c.name: c for c in Category.objects.for_tenant(tenant)}
    for tier_spec in plan.tiers:
        tier, _ = SLATier.objects.get_or_create(
            tenant=tenant, name=tier_spec.name, defaults={"is_default": tier_spec.is_default}
        )
        if (
            SLATarget.objects.filter(tier=tier).exists()
            or SLACategoryTarget.objects.filter(tier=tier).exists()
        ):
            continue
        tier.schedule = schedules.get(tier_spec.schedule) if tier_spec.schedule else None
        for option, value in tier_spec.options.items():
            setattr(tier, option, value)
        tier.save()
        for priority, (ack, first, resolution) in tier_spec.targets.items():
            SLATarget.objects.create(
                tenant=tenant,
                tier=tier,
                priority=priority,
                ack_hours=ack,
                first_response_hours=first,
                resolution_hours=resolution,
            )
        for category_name, (ack, first, resolution) in tier_spec.category_targets.items():
            category = categories.get(category_name)
            if category is not None:
                SLACategoryTarget.objects.create(
                    tenant=tenant,
                    tier=tier,
                    category=category,
                    ack_hours=ack,
                    first_response_hours=first,
                    resolution_hours=resolution,
                )


def _has_default_schedule(tenant: Tenant) -> bool:
    return WorkSchedule.objects.for_tenant(tenant).filter(is_default=True).exists()
