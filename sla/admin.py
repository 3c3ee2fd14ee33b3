"""Admin for SLA policy: work schedules (with dated overrides and a calendar preview) and tiers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from helpdesk.admin_scoping import TenantScopedAdmin, TenantScopedInline
from sla.business_hours import BusinessCalendar
from sla.calendars import build_calendar, touch_schedule
from sla.models import (
    WEEKDAY_FIELDS,
    ScheduleOverride,
    SLACategoryTarget,
    SLATarget,
    SLATier,
    WorkSchedule,
    split_hours,
)
from sla.services import tier_recalculate_open_tickets

PREVIEW_NON_WORKING_DAYS = 10


def _check_hours(value: str) -> str:
    """Refuse what the engine would refuse, with its own explanation."""
    specs = split_hours(value)
    if specs:
        try:
            BusinessCalendar(week={0: specs}, country=None)
        except ValueError as error:
            raise forms.ValidationError(_("Неверные часы: %(error)s"), params={"error": error}) from error
    return ", ".join(specs)


class WorkScheduleForm(forms.ModelForm):
    class Meta:
        model = WorkSchedule
        fields = [
            "tenant",
            "name",
            "is_default",
            "timezone",
            *WEEKDAY_FIELDS,
            "russian_holidays",
            "open_on_holidays",
            "shortened_days",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in WEEKDAY_FIELDS:
            if name in cleaned and name not in self.errors:
                try:
                    cleaned[name] = _check_hours(cleaned[name] or "")
                except forms.ValidationError as error:
                    self.add_error(name, error)
        if not self.errors:
            probe = WorkSchedule(
                **{k: v for k, v in cleaned.items() if k in {f.name for f in WorkSchedule._meta.fields}}
            )
            try:
                build_calendar(probe, overrides={})
            except ValueError as error:
                raise forms.ValidationError(
                    _("График не принят: %(error)s"), params={"error": error}
                ) from error
        return cleaned


class TenantFieldsetsMixin:
    """The scoped admin hides ``tenant`` from a one-tenant admin; fieldsets must hide it too."""

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if "tenant" not in (self.get_exclude(request, obj) or []):  # type: ignore[attr-defined]
            return fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "tenant"]})
            for name, opts in fieldsets
        ]


class ScheduleOverrideForm(forms.ModelForm):
    class Meta:
        model = ScheduleOverride
        fields = ["date", "hours", "note"]

    def clean_hours(self) -> str:
        return _check_hours(self.cleaned_data.get("hours") or "")


class ScheduleOverrideInline(TenantScopedInline):
    model = ScheduleOverride
    form = ScheduleOverrideForm
    fields = ["date", "hours", "note"]


@admin.register(WorkSchedule)
class WorkScheduleAdmin(TenantFieldsetsMixin, TenantScopedAdmin):
    form = WorkScheduleForm
    inlines = [ScheduleOverrideInline]
    list_display = ["name", "timezone", "is_default", "russian_holidays", "open_on_holidays", "updated_at"]
    change_form_template = "admin/sla/workschedule/change_form.html"
    fieldsets = [
        (None, {"fields": ["tenant", "name", "is_default", "timezone"]}),
        (_("Часы по дням недели"), {"fields": list(WEEKDAY_FIELDS)}),
        (_("Праздники"), {"fields": ["russian_holidays", "open_on_holidays", "shortened_days"]}),
    ]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Overrides are part of the calendar: a new version makes every process rebuild it.
        touch_schedule(form.instance)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        self._object_or_404(request, object_id)
        schedule = self.get_object(request, admin.utils.unquote(object_id))
        if schedule is not None:
            extra_context["calendar_preview"] = calendar_preview(schedule, request.GET.get("week"))
        return super().change_view(request, object_id, form_url, extra_context)


def calendar_preview(schedule: WorkSchedule, week: str | None) -> dict[str, Any]:
    """The working hours of a chosen week, the next non-working days, and what the data does not cover."""
    today = timezone.localdate()
    try:
        chosen = date.fromisoformat(week) if week else today
    except ValueError:
        chosen = today
    monday = chosen - timedelta(days=chosen.weekday())
    try:
        calendar = build_calendar(schedule)
    except ValueError as error:
        return {"error": str(error), "monday": monday}
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        intervals = calendar.intervals_on(day)
        days.append(
            {
                "date": day,
                "intervals": [f"{start:%H:%M}–{_clock_label(end, day)}" for start, end in intervals],
                "total": _hours(sum(((end - start) for start, end in intervals), timedelta())),
                "seconds": sum((end - start).total_seconds() for start, end in intervals),
            }
        )
    next_year = today.year + 1
    has_overrides = schedule.overrides.filter(date__year=next_year).exists()
    uncovered = (
        schedule.russian_holidays
        and not schedule.open_on_holidays
        and next_year not in calendar.covered_years
        and not has_overrides
    )
    return {
        "monday": monday,
        "previous_week": (monday - timedelta(days=7)).isoformat(),
        "next_week": (monday + timedelta(days=7)).isoformat(),
        "days": days,
        "week_total": _hours(timedelta(seconds=sum(d["seconds"] for d in days))),
        "non_working_days": calendar.non_working_days(today, PREVIEW_NON_WORKING_DAYS),
        "uncovered_year": next_year if uncovered else None,
    }


def _clock_label(moment: datetime, day: date) -> str:
    """Wall-clock end of an interval; the next midnight reads "24:00" as the admin typed it."""
    return "24:00" if moment.date() > day and moment.time() == time(0) else f"{moment:%H:%M}"


def _hours(duration: timedelta) -> str:
    minutes = int(duration.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours} ч {minutes:02d} мин" if minutes else f"{hours} ч"


class SLATargetInline(TenantScopedInline):
    model = SLATarget
    fields = ["priority", "ack_hours", "first_response_hours", "resolution_hours"]
    verbose_name_plural = _("Сроки по приоритетам (рабочие часы)")


class SameTenantCategoryFormSet(forms.BaseInlineFormSet):
    """A platform admin sees every tenant's categories: refuse one from another tenant than the tier's."""

    def clean(self) -> None:
        super().clean()
        tenant_id = self.instance.tenant_id
        for form in self.forms:
            category = form.cleaned_data.get("category") if hasattr(form, "cleaned_data") else None
            if category is not None and tenant_id and category.tenant_id != tenant_id:
                form.add_error("category", _("Категория другого арендатора."))


class SLATierForm(forms.ModelForm):
    class Meta:
        model = SLATier
        fields = [
            "tenant",
            "name",
            "is_default",
            "description",
            "schedule",
            "pause_when_waiting",
            "pause_in_development",
            "warning_percent",
            "auto_close_hours",
            "stale_close_working_days",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        schedule, tenant = (
            cleaned.get("schedule"),
            cleaned.get("tenant") or getattr(self.instance, "tenant", None),
        )
        if schedule is not None and tenant is not None and schedule.tenant_id != tenant.pk:
            self.add_error("schedule", _("График другого арендатора."))
        return cleaned


class SLACategoryTargetInline(TenantScopedInline):
    model = SLACategoryTarget
    formset = SameTenantCategoryFormSet
    fields = ["category", "ack_hours", "first_response_hours", "resolution_hours"]
    verbose_name_plural = _("Сроки по категориям (пусто — как у приоритета)")


@admin.register(SLATier)
class SLATierAdmin(TenantFieldsetsMixin, TenantScopedAdmin):
    form = SLATierForm
    list_display = [
        "name",
        "is_default",
        "schedule",
        "warning_percent",
        "auto_close_hours",
        "stale_close_working_days",
    ]
    inlines = [SLATargetInline, SLACategoryTargetInline]
    actions = ["recalculate_open_tickets"]
    fieldsets = [
        (None, {"fields": ["tenant", "name", "is_default", "description", "schedule"]}),
        (_("Часы SLA"), {"fields": ["pause_when_waiting", "pause_in_development", "warning_percent"]}),
        (_("Автоматическое закрытие"), {"fields": ["auto_close_hours", "stale_close_working_days"]}),
    ]

    @admin.action(description=_("Пересчитать сроки открытых заявок по текущим настройкам"))
    def recalculate_open_tickets(self, request: HttpRequest, queryset: QuerySet[SLATier]) -> None:
        total = sum(tier_recalculate_open_tickets(tier=tier, actor=request.user) for tier in queryset)
        self.message_user(
            request,
            ngettext("Пересчитана %(count)d заявка.", "Пересчитано заявок: %(count)d.", total)
            % {"count": total},
            messages.SUCCESS,
        )
