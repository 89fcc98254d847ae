"""The dashboard's filters: a period in the clinic's calendar and one of the user's clinics."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from ketaclinic.analytics.selectors import DashboardFilters
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.core.forms import StyledForm
from ketaclinic.scheduling.selectors import calendar_day_check

DEFAULT_DAYS = 90
# A period longer than this is a typo (and a needlessly slow page).
MAX_DAYS = 366 * 5


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, as YYYY-MM-DD."},
    )


class DashboardFilterForm(StyledForm):
    clinic = forms.TypedChoiceField(label="Clinic", coerce=int, required=False)
    date_from = _date_field("From")
    date_to = _date_field("To (inclusive)")

    def __init__(self, *args: Any, clinics: list[Clinic], current: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinics = {clinic.pk: clinic for clinic in clinics}
        self.current = current
        field = self.fields["clinic"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(clinic.pk, clinic.name) for clinic in clinics]
        field.error_messages["invalid_choice"] = "Choose one of your clinics."
        today = current.local_today()
        self.initial.setdefault("clinic", current.pk)
        self.initial.setdefault("date_from", today - datetime.timedelta(days=DEFAULT_DAYS - 1))
        self.initial.setdefault("date_to", today)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day is not None:
                try:
                    calendar_day_check(day=day)
                except InvalidInput as error:
                    self.add_error(name, error.message)
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if first > last:
                self.add_error("date_to", "The end is before the start.")
            elif (last - first).days > MAX_DAYS:
                self.add_error("date_from", "Choose a period of five years or less.")
        return data

    def filters(self) -> DashboardFilters:
        """The filters chosen (call after is_valid), defaults for what was left empty."""
        data = self.cleaned_data if self.is_bound else {}
        clinic = self.clinics.get(data.get("clinic") or self.current.pk, self.current)
        today = clinic.local_today()
        last = data.get("date_to") or today
        first = data.get("date_from") or last - datetime.timedelta(days=DEFAULT_DAYS - 1)
        return DashboardFilters(clinic=clinic, first_day=first, last_day=last)
