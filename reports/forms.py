"""Forms of the report pages: they validate the period only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reports.leads import MAX_PERIOD_DAYS

DEFAULT_DAYS = 28


class PeriodForm(forms.Form):
    first = forms.DateField(label=_("С"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("По"), widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def for_request(cls, query: Any, *, today: date) -> PeriodForm:
        """Bound to the query string when it names a period, else to the last four weeks up to today."""
        if query.get("first") or query.get("last"):
            return cls(query)
        return cls({"first": today - timedelta(days=DEFAULT_DAYS - 1), "last": today})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last:
            if first > last:
                raise ValidationError(_("Начало периода позже его конца."))
            if (last - first).days >= MAX_PERIOD_DAYS:
                raise ValidationError(_("Период не длиннее года."))
        return data
