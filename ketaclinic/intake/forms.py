"""Intake forms: the main form and three lists (diagnoses, antidepressant trials, medications)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django import forms

from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.core.forms import PlainDecimalField, StyledForm
from ketaclinic.intake.models import (
    INDICATION_CHOICES,
    TRIAL_OUTCOME_CHOICES,
    EligibilityOutcome,
    Intake,
)
from ketaclinic.intake.services import (
    AMENDMENT_REASON_NEEDED,
    STAFF_ONLY_FIELDS,
    IntakeEntry,
    MedicationEntry,
    TrialEntry,
    intake_entry_problems,
)
from ketaclinic.medicine.eligibility import HISTORY_RULES, History, TrialOutcome
from ketaclinic.medicine.protocols import STANDARD_PROTOCOLS
from ketaclinic.patients.models import Patient

YES_NO_UNKNOWN = [("", "Not recorded"), ("yes", "Yes"), ("no", "No")]
HISTORY_CHOICES = [(item.value, HISTORY_RULES[item][1]) for item in History]


def _tristate(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class IntakeForm(StyledForm):
    indication = forms.ChoiceField(
        label="Indication", choices=[("", "Choose"), *INDICATION_CHOICES], required=False
    )
    psychiatric_history = forms.CharField(
        label="Psychiatric history",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=8000,
    )
    medical_history = forms.MultipleChoiceField(
        label="Medical history that matters for ketamine",
        choices=HISTORY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    substance_use = forms.CharField(
        label="Substance use (alcohol, drugs, ketamine)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )
    allergies = forms.CharField(
        label="Allergies", required=False, max_length=1000, help_text="Write 'none known' if none."
    )
    is_pregnant = forms.TypedChoiceField(
        label="Pregnant", choices=YES_NO_UNKNOWN, coerce=_tristate, required=False, empty_value=None
    )
    is_breastfeeding = forms.TypedChoiceField(
        label="Breastfeeding",
        choices=YES_NO_UNKNOWN,
        coerce=_tristate,
        required=False,
        empty_value=None,
    )
    height_cm = PlainDecimalField(
        label="Height (cm)", required=False, max_digits=5, decimal_places=1
    )
    weight_kg = PlainDecimalField(
        label="Weight (kg)", required=False, max_digits=5, decimal_places=1
    )
    # No bounds of the form's own: medicine/'s entry limits (the session page's) name the
    # reading, through intake_entry_problems (intake_forms_validate) and intake_save.
    baseline_systolic_mmhg = forms.IntegerField(label="Systolic (mmHg)", required=False)
    baseline_diastolic_mmhg = forms.IntegerField(label="Diastolic (mmHg)", required=False)
    baseline_heart_rate_bpm = forms.IntegerField(label="Heart rate (bpm)", required=False)
    baseline_spo2_percent = forms.IntegerField(label="SpO2 (%)", required=False)


class IntakeAmendmentForm(StyledForm):
    """Why a submitted intake is amended (intake_amend requires it)."""

    reason = forms.CharField(
        label="Reason for the amendment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Kept with the new version; the submitted version is kept as it was.",
    )


# Front desk's part of the intake: the fields of `intake.measurements_record` (accounts/roles.py).
IntakeMeasurementsForm: type[StyledForm] = type(
    "IntakeMeasurementsForm",
    (StyledForm,),
    {
        name: copy.deepcopy(IntakeForm.base_fields[name])
        for name in PERMISSIONS[Action.INTAKE_MEASUREMENTS_RECORD].fields
    },
)


class ListRowForm(StyledForm):
    """One row of an intake list. A row with nothing typed or ticked in it (the spare row, or a
    stored row cleared), or marked for deletion, is not read and not validated: it is left out
    rather than refused as incomplete."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["empty_permitted"] = True  # every row, stored ones too (see has_changed)
        kwargs["use_required_attribute"] = False  # a blank row is allowed; the page says novalidate
        super().__init__(*args, **kwargs)

    def _typed(self, name: str) -> Any:
        field = self.fields[name]
        value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        return value.strip() if isinstance(value, str) else value

    def has_changed(self) -> bool:
        """Whether the row is to be read (Django skips a row with `empty_permitted` otherwise)."""
        if not self.is_bound:
            return False
        if "DELETE" in self.fields and self._typed("DELETE"):
            return False
        return any(
            self._typed(name) not in (None, "", False, [])
            for name in self.fields
            if name != "DELETE"
        )


class DiagnosisForm(ListRowForm):
    code = forms.CharField(
        label="ICD-10 code",
        max_length=10,
        widget=forms.TextInput(attrs={"list": "icd10-codes", "autocomplete": "off"}),
    )


class TrialForm(ListRowForm):
    drug = forms.CharField(label="Antidepressant", max_length=100)
    highest_dose_mg = PlainDecimalField(
        label="Highest dose (mg/day)", min_value=Decimal("0.01"), max_digits=7, decimal_places=2
    )
    weeks_at_dose = forms.IntegerField(label="Weeks at that dose", min_value=0, max_value=520)
    is_dose_adequate = forms.BooleanField(label="Adequate dose", required=False)
    is_adherent = forms.BooleanField(label="Taken as prescribed", required=False)
    # A blank first choice, so that a spare row is blank until someone fills it in.
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose"), *TRIAL_OUTCOME_CHOICES])
    is_current_episode = forms.BooleanField(label="In this episode", required=False)


class MedicationForm(ListRowForm):
    name = forms.CharField(label="Medication", max_length=100)
    dose_mg = PlainDecimalField(
        label="Dose (mg)", required=False, min_value=Decimal("0"), max_digits=7, decimal_places=2
    )
    frequency = forms.CharField(label="How often", max_length=50, required=False)


def _formset(form: type[forms.Form], *, row_name: str) -> Any:
    formset = forms.formset_factory(form, extra=1, can_delete=True, max_num=30, validate_max=True)
    # How the error summary names a row: "Dose (mg), medication 2".
    return type(formset.__name__, (formset,), {"row_name": row_name})


DiagnosisFormSet = _formset(DiagnosisForm, row_name="diagnosis")
TrialFormSet = _formset(TrialForm, row_name="trial")
MedicationFormSet = _formset(MedicationForm, row_name="medication")


# The same forms in the patient's words, for the portal. The rules stay in intake_save; these
# only relabel the fields and leave out what a patient does not fill in (STAFF_ONLY_FIELDS).
YES_NO_FOR_PATIENT: list[tuple[str, str]] = [("", "Choose"), ("yes", "Yes"), ("no", "No")]
TRIAL_FIELDS = (
    "drug",
    "highest_dose_mg",
    "weeks_at_dose",
    "is_dose_adequate",
    "is_adherent",
    "outcome",
    "is_current_episode",
)


# The medical history that matters for ketamine (medicine.eligibility.History), as a patient
# would recognise it; the staff form shows the clinical reason for each instead.
HISTORY_IN_PATIENT_WORDS: dict[History, str] = {
    History.HYPERSENSITIVITY: "An allergic or severe reaction to ketamine or esketamine",
    History.ANEURYSM_AVM_OR_ICH: (
        "An aneurysm, an arteriovenous malformation (AVM), or bleeding in the brain"
    ),
    History.CEREBROVASCULAR_EVENT: "A stroke or mini-stroke (TIA)",
    History.UNCONTROLLED_HYPERTENSION: "High blood pressure that is not under control",
    History.UNTREATED_HYPERTHYROIDISM: "An overactive thyroid that is not treated",
    History.POORLY_CONTROLLED_CARDIOVASCULAR: (
        "Heart disease (e.g. heart failure, chest pain, irregular heartbeat) that is not under "
        "control"
    ),
    History.PSYCHOSIS: "Psychosis, schizophrenia, or hearing or seeing things others do not",
    History.BIPOLAR: "Bipolar disorder or episodes of mania",
    History.ACTIVE_SUBSTANCE_USE: "Current problems with alcohol or drugs",
    History.KETAMINE_MISUSE: "Past misuse of ketamine or of hallucinogens",
    History.SEVERE_HEPATIC_DISEASE: "Severe liver disease, such as cirrhosis",
    History.MODERATE_HEPATIC_DISEASE: "Other liver disease or abnormal liver tests",
    History.RAISED_INTRACRANIAL_PRESSURE: "Raised pressure in the head, or a brain tumour",
    History.RAISED_INTRAOCULAR_PRESSURE: "Glaucoma or raised pressure in the eye",
    History.SEIZURE_DISORDER: "Seizures or epilepsy",
    History.BLADDER_SYMPTOMS: "Bladder problems (pain, urgency, blood in the urine)",
    History.SLEEP_APNEA: "Sleep apnea, or heavy snoring with pauses in breathing",
}

FormT = TypeVar("FormT", bound=StyledForm)


def _in_patient_words(
    form: type[FormT],
    *,
    wording: dict[str, tuple[str, str]],
    left_out: tuple[str, ...] = (),
    choices: dict[str, list[tuple[str, str]]] | None = None,
) -> type[FormT]:
    """A subclass of `form` with its fields relabelled (label, help text) for patients and the
    fields in `left_out` removed; validation stays that of the staff form."""
    attributes: dict[str, Any] = dict.fromkeys(left_out)  # None removes an inherited field
    for name, (label, help_text) in wording.items():
        field = copy.deepcopy(form.base_fields[name])
        field.label = label
        field.help_text = help_text
        if choices and name in choices:
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices[name]
        attributes[name] = field
    return type(f"Patient{form.__name__}", (form,), attributes)


PatientIntakeForm = _in_patient_words(
    IntakeForm,
    left_out=STAFF_ONLY_FIELDS,
    wording={
        "indication": ("What would you like help with?", ""),
        "psychiatric_history": (
            "Your mental health history",
            "Past diagnoses, hospital stays, therapy, or anything else you want your "
            "physician to know.",
        ),
        "medical_history": ("Do any of these apply to you? Tick all that do.", ""),
        "substance_use": (
            "Alcohol, cannabis and other drugs (including ketamine)",
            "What you use and how often. This stays between you and your care team.",
        ),
        "allergies": (
            "Allergies to medicines or anything else",
            "Write 'none known' if you have none.",
        ),
        "is_pregnant": ("Are you pregnant, or could you be?", ""),
        "is_breastfeeding": ("Are you breastfeeding?", ""),
        "height_cm": ("Your height (cm)", ""),
        "weight_kg": ("Your weight (kg)", "Ketamine doses are worked out from your weight."),
    },
    choices={
        "is_pregnant": YES_NO_FOR_PATIENT,
        "is_breastfeeding": YES_NO_FOR_PATIENT,
        "medical_history": [(item.value, HISTORY_IN_PATIENT_WORDS[item]) for item in History],
    },
)
PatientDiagnosisForm = _in_patient_words(
    DiagnosisForm,
    wording={
        "code": (
            "A diagnosis you have been given",
            "Type part of its name or code, then pick it from the list.",
        )
    },
)
PatientTrialForm = _in_patient_words(
    TrialForm,
    left_out=("is_dose_adequate",),  # a clinician's judgement; see intake.services
    wording={
        "drug": ("Medicine", ""),
        "highest_dose_mg": ("Highest dose you took (mg a day)", ""),
        "weeks_at_dose": ("Weeks you took that dose", ""),
        "is_adherent": ("I took it as prescribed", ""),
        "outcome": ("How did it go?", ""),
        "is_current_episode": ("During my current episode", ""),
    },
)
PatientMedicationForm = _in_patient_words(
    MedicationForm,
    wording={
        "name": ("Medicine you take now", ""),
        "dose_mg": ("Dose (mg), if you know it", ""),
        "frequency": ("How often", "For example: every morning, twice a day."),
    },
)
PatientDiagnosisFormSet = _formset(PatientDiagnosisForm, row_name="diagnosis")
PatientTrialFormSet = _formset(PatientTrialForm, row_name="trial")
PatientMedicationFormSet = _formset(PatientMedicationForm, row_name="medication")


def _rows(formset: Any) -> list[dict[str, Any]]:
    """The rows read (blank and deleted rows are not); a row with an error is left out too,
    which only a partial entry (see intake_entry_from_forms) meets."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and not form.errors
    ]


def intake_entry_from_forms(
    *, form: StyledForm, diagnoses: Any, trials: Any, medications: Any
) -> IntakeEntry:
    """The entry for intake_save from validated forms, staff's or the patient's (fields a form
    leaves out are left empty; the service keeps staff-only answers as stored). From forms with
    errors it is the partial entry of what could be read, for `intake_forms_validate`."""
    data = form.cleaned_data
    return IntakeEntry(
        indication=data.get("indication") or "",
        psychiatric_history=data.get("psychiatric_history", ""),
        medical_history=tuple(History(value) for value in data.get("medical_history", ())),
        substance_use=data.get("substance_use", ""),
        allergies=data.get("allergies", ""),
        is_pregnant=data.get("is_pregnant"),
        is_breastfeeding=data.get("is_breastfeeding"),
        height_cm=data.get("height_cm"),
        weight_kg=data.get("weight_kg"),
        baseline_systolic_mmhg=data.get("baseline_systolic_mmhg"),
        baseline_diastolic_mmhg=data.get("baseline_diastolic_mmhg"),
        baseline_heart_rate_bpm=data.get("baseline_heart_rate_bpm"),
        baseline_spo2_percent=data.get("baseline_spo2_percent"),
        diagnoses=tuple(row["code"].strip().upper() for row in _rows(diagnoses)),
        trials=tuple(
            TrialEntry(
                drug=row["drug"],
                highest_dose_mg=row["highest_dose_mg"],
                weeks_at_dose=row["weeks_at_dose"],
                is_dose_adequate=row.get("is_dose_adequate", False),
                is_adherent=row["is_adherent"],
                outcome=TrialOutcome(row["outcome"]),
                is_current_episode=row["is_current_episode"],
            )
            for row in _rows(trials)
        ),
        medications=tuple(
            MedicationEntry(name=row["name"], dose_mg=row["dose_mg"], frequency=row["frequency"])
            for row in _rows(medications)
        ),
    )


@dataclass(frozen=True)
class IntakeForms:
    """The intake page's main form and its three lists, bound together."""

    form: StyledForm
    diagnoses: Any
    trials: Any
    medications: Any

    def entry(self) -> IntakeEntry:
        return intake_entry_from_forms(
            form=self.form,
            diagnoses=self.diagnoses,
            trials=self.trials,
            medications=self.medications,
        )


def form_add_problems(form: forms.Form, problems: Mapping[str, list[str]]) -> None:
    """Put a save's problems on a form: each on its field unless the field has an error of its
    own already (that one is said first), any other above the form."""
    for name, messages in problems.items():
        if name in form.fields and name in form.errors:
            continue
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if isinstance(form, StyledForm):
        form._apply_styles()


def _list_add_problems(formset: Any, field: str, messages: list[str]) -> None:
    """A list's problems: one about a row begins with what was typed in it ("Z99.9 is not in
    the clinic's ICD-10 list", "sertraline: check the dose …") and goes on that row; one about
    the whole list ("Record at least one diagnosis") on its first row. A row with an error of its
    own was not read, so what the list lacks may be that row: its error is said instead."""
    for message in messages:
        typed = [
            row
            for row in formset.forms
            if str(row.cleaned_data.get(field, "")).strip()
            and message.lower().startswith(str(row.cleaned_data[field]).strip().lower())
        ]
        row = typed[0] if typed else formset.forms[0]
        if not typed and any(other.errors for other in formset.forms):
            continue
        if field not in row.errors:
            row.add_error(field, message)
            row._apply_styles()


def intake_forms_add_problems(parts: IntakeForms, problems: Mapping[str, list[str]]) -> None:
    """Put a save's problems (IntakeEntry's names) on the intake page's forms."""
    lists = {"diagnoses": (parts.diagnoses, "code"), "trials": (parts.trials, "drug")}
    for name, messages in problems.items():
        if name in lists:
            _list_add_problems(*lists[name], messages)
    form_add_problems(
        parts.form, {name: messages for name, messages in problems.items() if name not in lists}
    )


def intake_forms_validate(
    parts: IntakeForms,
    *,
    patient: Patient,
    submitting: bool,
    amendment: IntakeAmendmentForm | None = None,
) -> bool:
    """Validate every part (none skipped because another has an error), then run the save's own
    checks (intake_entry_problems: implausible values, what a submission needs) on what could be
    read, so that one submit names every problem. True when the save may go ahead."""
    others = (amendment,) if amendment is not None else ()
    valid = [
        part.is_valid()
        for part in (parts.form, parts.diagnoses, parts.trials, parts.medications, *others)
    ]
    problems = intake_entry_problems(parts.entry(), patient=patient, submitting=submitting)
    intake_forms_add_problems(parts, problems)
    if amendment is not None and not amendment.cleaned_data.get("reason", "").strip():
        amendment.add_error("reason", AMENDMENT_REASON_NEEDED)
        return False
    return all(valid) and not problems


def intake_measurements_validate(form: forms.Form, *, patient: Patient) -> bool:
    """Front desk's measurements, each checked by medicine/'s limits in the same submit as the
    form's own errors."""
    valid = form.is_valid()
    values: dict[str, Any] = {name: form.cleaned_data.get(name) for name in form.fields}
    entry = IntakeEntry(**values)
    problems = intake_entry_problems(entry, patient=patient, submitting=False)
    form_add_problems(form, problems)
    return valid and not problems


def form_errors_in_words(form: forms.Form) -> str:
    """A form's errors in one sentence for a message, each after its field's label."""
    return "; ".join(
        f"{form.fields[name].label}: {' '.join(str(error) for error in errors)}"
        if name in form.fields
        else " ".join(str(error) for error in errors)
        for name, errors in form.errors.items()
    )


def _tristate_label(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


@dataclass(frozen=True)
class IntakeInitial:
    form: dict[str, Any]
    diagnoses: list[dict[str, Any]] | None
    trials: list[dict[str, Any]] | None
    medications: list[dict[str, Any]] | None


def intake_initial(intake: Intake | None) -> IntakeInitial:
    """What the forms start from: the stored intake, or nothing yet."""
    if intake is None:
        return IntakeInitial(form={}, diagnoses=None, trials=None, medications=None)
    form = {
        name: getattr(intake, name)
        for name in IntakeForm.base_fields
        if name not in {"is_pregnant", "is_breastfeeding"}
    }
    form["is_pregnant"] = _tristate_label(intake.is_pregnant)
    form["is_breastfeeding"] = _tristate_label(intake.is_breastfeeding)
    return IntakeInitial(
        form=form,
        diagnoses=[{"code": d.code} for d in intake.diagnoses.all()],
        trials=[{name: getattr(t, name) for name in TRIAL_FIELDS} for t in intake.trials.all()],
        medications=[
            {"name": m.name, "dose_mg": m.dose_mg, "frequency": m.frequency}
            for m in intake.medications.all()
        ],
    )


class EligibilityDecisionForm(StyledForm):
    outcome = forms.ChoiceField(label="Decision", choices=EligibilityOutcome.choices)
    protocol_key = forms.ChoiceField(label="Protocol (when approved)", required=False)
    requested_items = forms.CharField(
        label="Information needed (when more is needed)", required=False, max_length=500
    )
    # Not required here: eligibility_decide names a missing reasoning together with the
    # protocol or the items a decision of its kind needs, in one refusal.
    note = forms.CharField(
        label="Reasoning",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=8000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["protocol_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "—"),
            *((protocol.key, protocol.name) for protocol in STANDARD_PROTOCOLS),
        ]


class AddendumForm(StyledForm):
    text = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 2}), max_length=8000
    )
