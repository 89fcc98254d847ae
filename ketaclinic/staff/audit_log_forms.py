"""The audit page's filters, validated field by field (bad input is a message, never a 500)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms

from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.forms import StyledForm
from ketaclinic.staff.audit_log_selectors import AuditFilters, audit_patient_id_for_mrn

# Row ids are 64-bit; a longer number cannot name a patient (and would overflow the query).
_LARGEST_ID = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]+")
# The trail starts when the clinic starts using ketaclinic; a date outside these years is a typo
# (and years near 1 or 9999 cannot be turned into the clinic's midnight in every time zone).
_EARLIEST = datetime.date(2000, 1, 1)
_LATEST = datetime.date(2100, 12, 31)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text="The clinic's calendar day.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, as YYYY-MM-DD."},
    )


class AuditFilterForm(StyledForm):
    patient = forms.CharField(
        label="Patient", required=False, max_length=40, help_text="Patient id or MRN."
    )
    user = forms.EmailField(
        label="User email",
        required=False,
        error_messages={"invalid": "Enter the user's full email address."},
    )
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any action"), *AuditAction.choices],
        error_messages={"invalid_choice": "Choose an action from the list."},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any outcome"), *AuditOutcome.choices],
        error_messages={"invalid_choice": "Choose an outcome from the list."},
    )
    date_from = _date_field("From")
    date_to = _date_field("To")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        self.clinic = clinic
        super().__init__(*args, **kwargs)

    def clean_patient(self) -> int | None:
        value: str = self.cleaned_data["patient"].strip()
        if not value:
            return None
        if _ASCII_DIGITS.fullmatch(value):
            number = int(value)
            if not 1 <= number <= _LARGEST_ID:
                raise forms.ValidationError(f"{value} is not a patient id.")
            return number
        patient_id = audit_patient_id_for_mrn(clinic=self.clinic, medical_record_number=value)
        if patient_id is None:
            raise forms.ValidationError(
                f"Enter a patient id (a number) or an MRN; no patient at {self.clinic.name} "
                f"has the MRN “{value}”."
            )
        return patient_id

    def _clean_date(self, name: str) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get(name)
        if value is not None and not _EARLIEST <= value <= _LATEST:
            raise forms.ValidationError(
                f"Enter a date between {_EARLIEST.year} and {_LATEST.year}."
            )
        return value

    def clean_date_from(self) -> datetime.date | None:
        return self._clean_date("date_from")

    def clean_date_to(self) -> datetime.date | None:
        return self._clean_date("date_to")

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            patient_id=data.get("patient"),
            actor_email=(data.get("user") or "").lower(),
            action=data.get("action") or "",
            outcome=data.get("outcome") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
