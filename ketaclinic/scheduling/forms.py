"""Booking forms: the day and time are the clinic's wall clock."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Chair
from ketaclinic.core.forms import StyledForm
from ketaclinic.medicine.visits import VisitKind, is_treatment
from ketaclinic.scheduling.models import VISIT_KIND_CHOICES

# Treatments are booked from the patient's treatment course, never from this form.
BOOKABLE_KIND_CHOICES = [
    (value, label) for value, label in VISIT_KIND_CHOICES if not is_treatment(VisitKind(value))
]


class AppointmentTimeForm(StyledForm):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label="Time (clinic time)", widget=forms.TimeInput(attrs={"type": "time", "step": 300})
    )
    chair = forms.ModelChoiceField(
        label="Chair", queryset=Chair.objects.none(), required=False, empty_label="No chair"
    )

    def __init__(self, *args: Any, chairs: QuerySet[Chair], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chair = self.fields["chair"]
        assert isinstance(chair, forms.ModelChoiceField)
        chair.queryset = chairs
        self._apply_styles()


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class AppointmentBookForm(AppointmentTimeForm):
    kind = forms.ChoiceField(label="Visit", choices=BOOKABLE_KIND_CHOICES)
    clinician = ClinicianChoiceField(
        label="With", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    note = forms.CharField(label="Note for the team", max_length=500, required=False)

    field_order = ["kind", "day", "time", "clinician", "chair", "note"]

    def __init__(
        self, *args: Any, chairs: QuerySet[Chair], clinicians: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, chairs=chairs, **kwargs)
        clinician = self.fields["clinician"]
        assert isinstance(clinician, forms.ModelChoiceField)
        clinician.queryset = clinicians
        self._apply_styles()


class ReasonForm(StyledForm):
    reason = forms.CharField(label="Reason", max_length=500)


class ShiftForm(StyledForm):
    user = ClinicianChoiceField(label="Staff member", queryset=User.objects.none())
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label="To", widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        assert isinstance(user, forms.ModelChoiceField)
        user.queryset = staff
        self._apply_styles()


class ClosureForm(StyledForm):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason", max_length=200)


WEEKDAY_CHOICES = [
    (0, "Mon"),
    (1, "Tue"),
    (2, "Wed"),
    (3, "Thu"),
    (4, "Fri"),
    (5, "Sat"),
    (6, "Sun"),
]


class WaitlistForm(StyledForm):
    kind = forms.ChoiceField(label="Visit", choices=VISIT_KIND_CHOICES)
    weekdays = forms.TypedMultipleChoiceField(
        label="Days that suit",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    earliest_time = forms.TimeField(
        label="From", widget=forms.TimeInput(attrs={"type": "time"}), initial="08:00"
    )
    latest_time = forms.TimeField(
        label="Until", widget=forms.TimeInput(attrs={"type": "time"}), initial="17:00"
    )
    note = forms.CharField(label="Note", max_length=500, required=False)


class MoveForm(AppointmentTimeForm):
    reason = forms.CharField(label="Reason for moving it", max_length=500)
