"""The audit page's filters, validated field by field (bad input is a message, never a 500)."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.selectors import AuditFilters
from ketaclinic.core.forms import StyledForm
from ketaclinic.patients.models import Patient


class AuditFilterForm(StyledForm):
    patient = forms.CharField(
        label="Patient", required=False, max_length=40, help_text="Patient id or MRN."
    )
    user = forms.EmailField(label="User email", required=False)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditAction.choices]
    )
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any outcome"), *AuditOutcome.choices]
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        self.clinic_id = clinic_id
        super().__init__(*args, **kwargs)

    def clean_patient(self) -> int | None:
        value: str = self.cleaned_data["patient"].strip()
        if not value:
            return None
        if value.isdigit():
            return int(value)
        patient_id = (
            Patient.objects.filter(clinic_id=self.clinic_id, medical_record_number__iexact=value)
            .values_list("id", flat=True)
            .first()
        )
        if patient_id is None:
            raise forms.ValidationError(f"No patient at this clinic has the MRN {value}.")
        return patient_id

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
