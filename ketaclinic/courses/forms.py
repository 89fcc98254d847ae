"""Forms for the physician's course plan, dose orders, state changes, and booking a treatment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketaclinic.core.forms import PlainDecimalField, StyledForm
from ketaclinic.courses.models import CourseStatus


class CourseForm(StyledForm):
    target_infusions = forms.IntegerField(
        label="Induction infusions", min_value=1, max_value=12, initial=6
    )
    starting_dose = PlainDecimalField(
        label="Starting dose", max_digits=6, decimal_places=3, min_value=Decimal("0.001")
    )
    titration_plan = forms.CharField(
        label="Titration rule", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    booster_plan = forms.CharField(
        label="Booster plan", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    rems_patient_enrollment = forms.CharField(
        label="SPRAVATO REMS patient enrolment",
        max_length=32,
        required=False,
        help_text="Esketamine only: required before the first session is booked.",
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, dose_unit: str, needs_rems: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starting_dose"].label = f"Starting dose ({dose_unit})"
        if not needs_rems:
            del self.fields["rems_patient_enrollment"]
        vars(self)["_bound_fields_cache"].clear()  # bound fields made before the label changed
        self._apply_styles()


class DoseOrderForm(StyledForm):
    dose = PlainDecimalField(
        label="Dose", max_digits=6, decimal_places=3, min_value=Decimal("0.001")
    )
    valid_days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=365)
    override_reason = forms.CharField(
        label="Reason to exceed the protocol's cap (physician)",
        max_length=500,
        required=False,
    )
    note = forms.CharField(label="Note", max_length=500, required=False)

    def __init__(self, *args: Any, dose_unit: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dose"].label = f"Dose ({dose_unit})"
        vars(self)["_bound_fields_cache"].clear()  # bound fields made before the label changed
        self._apply_styles()


class CourseStatusForm(StyledForm):
    to_status = forms.ChoiceField(label="Move the course to")
    reason = forms.CharField(label="Reason", max_length=500, required=False)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        # No state is pre-selected: moving a course is a decision, not a default.
        field.choices = [("", "Choose…")] + [
            (value, CourseStatus(value).label) for value in allowed
        ]
        self._apply_styles()


WEEKDAY_CHOICES = [
    (0, "Mon"),
    (1, "Tue"),
    (2, "Wed"),
    (3, "Thu"),
    (4, "Fri"),
    (5, "Sat"),
    (6, "Sun"),
]


class SeriesProposeForm(StyledForm):
    first_day = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(
        label="Preferred days",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 2, 4],
    )
    preferred_time = forms.TimeField(
        label="Preferred time", widget=forms.TimeInput(attrs={"type": "time", "step": 900})
    )
    count = forms.IntegerField(label="Treatments", min_value=1, max_value=12)
