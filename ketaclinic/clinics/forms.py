from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django import forms

from ketaclinic.accounts.roles import CredentialKind, NurseType, Role
from ketaclinic.clinics.models import Weekday
from ketaclinic.core.forms import StyledForm
from ketaclinic.core.validators import dea_number_problem
from ketaclinic.medicine.courses import DEFAULT_DOSE_ORDER_VALID_DAYS, MAX_DOSE_ORDER_VALID_DAYS
from ketaclinic.medicine.dosing import MULTI_DOSE_VIAL_BEYOND_USE_DAYS
from ketaclinic.medicine.eligibility import ADULT_AGE_YEARS
from ketaclinic.medicine.outcomes import DEFAULT_BASELINE_WINDOW_DAYS, MAX_BASELINE_WINDOW_DAYS
from ketaclinic.medicine.pregnancy import (
    PREGNANCY_TEST_MAXIMUM_AGE_YEARS,
    PREGNANCY_TEST_MINIMUM_AGE_YEARS,
    WIDEST_PREGNANCY_TEST_AGES,
)
from ketaclinic.medicine.questionnaires import INSTRUMENTS
from ketaclinic.medicine.questionnaires.screening import SCREENING_INSTRUMENTS


class CredentialForm(StyledForm):
    kind = forms.ChoiceField(label="Credential", choices=CredentialKind.choices)
    number = forms.CharField(label="Number", max_length=64)
    issuing_state = forms.CharField(
        label="Issuing state",
        max_length=2,
        required=False,
        help_text="Two letters, for licences (for example CO). Blank for DEA, ACLS and BLS.",
    )
    issued_on = forms.DateField(
        label="Issued on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_issuing_state(self) -> str:
        state: str = self.cleaned_data["issuing_state"].strip().upper()
        if state and (len(state) != 2 or not state.isalpha()):
            raise forms.ValidationError("Use the two-letter state code, for example CO.")
        return state

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        assert cleaned is not None
        issued_on = cleaned.get("issued_on")
        expires_on = cleaned.get("expires_on")
        if (
            isinstance(issued_on, datetime.date)
            and isinstance(expires_on, datetime.date)
            and expires_on <= issued_on
        ):
            self.add_error("expires_on", "The expiry date must be after the issue date.")
        return cleaned


class MembershipForm(StyledForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    nurse_type = forms.ChoiceField(
        label="Nurse type", choices=[("", "—"), *NurseType.choices], required=False
    )
    title = forms.CharField(label="Title on signed records", max_length=100, required=False)
    is_active = forms.BooleanField(label="Active at this clinic", required=False, initial=True)

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        assert cleaned is not None
        if cleaned.get("role") != Role.NURSE and cleaned.get("nurse_type"):
            self.add_error("nurse_type", "Only nurses have a nurse type.")
        if cleaned.get("role") == Role.NURSE and not cleaned.get("nurse_type"):
            self.add_error("nurse_type", "Choose RN, CRNA or NP.")
        return cleaned


class StaffMemberAddForm(MembershipForm):
    email = forms.EmailField(label="Work email")
    full_name = forms.CharField(label="Full name", max_length=200)
    field_order = ["full_name", "email", "role", "nurse_type", "title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]


class ClinicDetailsForm(StyledForm):
    name = forms.CharField(label="Clinic name", max_length=200)
    address_line1 = forms.CharField(label="Address", max_length=200)
    address_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100)
    state = forms.CharField(label="State", max_length=40, help_text="Two letters, e.g. CO.")
    postal_code = forms.RegexField(
        label="ZIP code",
        regex=r"^\d{5}(-\d{4})?$",
        error_messages={"invalid": "Use 12345 or 12345-6789."},
    )
    phone = forms.RegexField(
        label="Phone",
        regex=r"^[0-9()+\-. ]{7,32}$",
        error_messages={"invalid": "Use digits, spaces, brackets, dots or dashes."},
    )
    email = forms.EmailField(label="Email", required=False)
    timezone = forms.ChoiceField(label="Time zone")
    dea_registration_number = forms.CharField(
        label="DEA registration number", max_length=9, required=False
    )
    dea_registration_expires_on = forms.DateField(
        label="DEA registration expires",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    patients_per_nurse = forms.IntegerField(
        label="Infusing patients per nurse",
        min_value=1,
        max_value=6,
        help_text="Booking refuses a treatment that would exceed it for the nurses on shift.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = sorted(
            zone
            for zone in zoneinfo.available_timezones()
            if zone.startswith(("America/", "Pacific/", "US/"))
        )
        timezone_field = self.fields["timezone"]
        assert isinstance(timezone_field, forms.ChoiceField)
        timezone_field.choices = [(zone, zone) for zone in zones]

    def clean_state(self) -> str:
        state: str = self.cleaned_data["state"].strip().upper()
        if len(state) != 2 or not state.isalpha():
            raise forms.ValidationError("Use the two-letter state code, for example CO.")
        return state

    def clean_dea_registration_number(self) -> str:
        number: str = self.cleaned_data["dea_registration_number"].strip().upper()
        problem = dea_number_problem(number) if number else None
        if problem:
            raise forms.ValidationError(problem)
        return number


class OpeningHoursForm(StyledForm):
    """One row per weekday: open or closed, and the times."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday in Weekday:
            self.fields[f"is_open_{weekday.value}"] = forms.BooleanField(
                label=f"Open on {weekday.label}", required=False
            )
            self.fields[f"opens_{weekday.value}"] = forms.TimeField(
                label=f"{weekday.label} opens",
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
            self.fields[f"closes_{weekday.value}"] = forms.TimeField(
                label=f"{weekday.label} closes",
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
        self._apply_styles()

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        for weekday in Weekday:
            if not cleaned.get(f"is_open_{weekday.value}"):
                continue
            opens, closes = (
                cleaned.get(f"opens_{weekday.value}"),
                cleaned.get(f"closes_{weekday.value}"),
            )
            if opens is None:
                self.add_error(
                    f"opens_{weekday.value}", f"Enter when the clinic opens on {weekday.label}."
                )
            if closes is None:
                self.add_error(
                    f"closes_{weekday.value}", f"Enter when the clinic closes on {weekday.label}."
                )
            if opens is not None and closes is not None and closes <= opens:
                self.add_error(
                    f"closes_{weekday.value}", "Closing time must be after opening time."
                )
        return cleaned

    def hours(self) -> dict[int, tuple[datetime.time, datetime.time] | None]:
        return {
            weekday.value: (
                (
                    self.cleaned_data[f"opens_{weekday.value}"],
                    self.cleaned_data[f"closes_{weekday.value}"],
                )
                if self.cleaned_data.get(f"is_open_{weekday.value}")
                else None
            )
            for weekday in Weekday
        }

    def rows(self) -> list[tuple[str, Any, Any, Any]]:
        return [
            (
                weekday.label,
                self[f"is_open_{weekday.value}"],
                self[f"opens_{weekday.value}"],
                self[f"closes_{weekday.value}"],
            )
            for weekday in Weekday
        ]


class ChairAddForm(StyledForm):
    room_name = forms.CharField(label="Room", max_length=100)
    chair_name = forms.CharField(label="Chair name", max_length=100)


class ScreeningSetsForm(StyledForm):
    """One row of questionnaire checkboxes per condition, and one for "not yet known"."""

    def __init__(self, *args: Any, condition_labels: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(code, INSTRUMENTS[code].name) for code in SCREENING_INSTRUMENTS]
        for name, label in condition_labels:
            self.fields[name] = forms.MultipleChoiceField(
                label=label,
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": "Choose at least one questionnaire."},
            )
        self._apply_styles()

    def sets(self) -> dict[str, list[str]]:
        # Kept in the order the instruments are listed, which is the order a patient sees them.
        return {
            name: [code for code in SCREENING_INSTRUMENTS if code in self.cleaned_data[name]]
            for name in self.fields
        }


# The clinical rules set on the clinic rules page: (section, setting, label, help). Their bounds
# are medicine/'s (the service refuses an unsafe value naming the setting).
_YOUNGEST_TESTED, _OLDEST_TESTED = WIDEST_PREGNANCY_TEST_AGES
CLINIC_RULE_FIELDS = (
    (
        "outcomes",
        "baseline_window_days",
        "Baseline window (days)",
        "A course's baseline is the last score before infusion 1 within this many days, on the "
        "outcome page and the dashboard alike (usual practice in the ketamine trials; "
        f"1–{MAX_BASELINE_WINDOW_DAYS}, default {DEFAULT_BASELINE_WINDOW_DAYS}).",
    ),
    (
        "dose_orders",
        "valid_days",
        "A dose order stands for (days)",
        "The default life of a signed dose order and the longest a physician may give one "
        f"(1–{MAX_DOSE_ORDER_VALID_DAYS}, default {DEFAULT_DOSE_ORDER_VALID_DAYS}).",
    ),
    (
        "eligibility",
        "minimum_age",
        "Youngest patient (years)",
        f"Registration and the eligibility advice refuse younger patients ({ADULT_AGE_YEARS} or "
        "over: adults only, as in the ketamine trials and the SPRAVATO label).",
    ),
    (
        "pregnancy_test",
        "minimum_age_years",
        "Pregnancy test from age",
        "Female at birth from this age (clinic practice for childbearing potential; "
        f"{_YOUNGEST_TESTED}–{PREGNANCY_TEST_MINIMUM_AGE_YEARS}, "
        f"default {PREGNANCY_TEST_MINIMUM_AGE_YEARS}).",
    ),
    (
        "pregnancy_test",
        "maximum_age_years",
        "Pregnancy test up to age",
        "Female at birth up to this age, inclusive (clinic practice for childbearing potential; "
        f"{PREGNANCY_TEST_MAXIMUM_AGE_YEARS}–{_OLDEST_TESTED}, "
        f"default {PREGNANCY_TEST_MAXIMUM_AGE_YEARS}).",
    ),
    (
        "vials",
        "beyond_use_days",
        "An opened vial is used for (days)",
        "A multi-dose vial may be drawn from for this many days after its first puncture; "
        "shorter when the maker says so (USP <797> and CDC injection safety; "
        f"1–{MULTI_DOSE_VIAL_BEYOND_USE_DAYS}, default {MULTI_DOSE_VIAL_BEYOND_USE_DAYS}).",
    ),
)


class ClinicRulesForm(StyledForm):
    """The clinical rules above, one whole number each, named `section.setting`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section, name, label, help_text in CLINIC_RULE_FIELDS:
            self.fields[f"{section}.{name}"] = forms.IntegerField(
                label=label, help_text=help_text, min_value=0, max_value=1000
            )
        self._apply_styles()

    def changes(self) -> dict[str, dict[str, int]]:
        changes: dict[str, dict[str, int]] = {}
        for section, name, _, _ in CLINIC_RULE_FIELDS:
            changes.setdefault(section, {})[name] = self.cleaned_data[f"{section}.{name}"]
        return changes
