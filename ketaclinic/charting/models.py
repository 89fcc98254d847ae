"""The session day: one `TreatmentSession` per treatment appointment, from check-in to the signed
note, and the rows charted during it.

Everything charted during a session is its own row (a checklist answer, a pump event, a reading,
a side effect, a PRN dose, a score), so two nurses charting at once append rather than overwrite;
rows a tablet may send twice carry an idempotency key, unique per session. Figures are stored
with their inputs (the dose preparation keeps the whole plan `medicine/` computed). The session
row itself changes only under a row lock in `services/`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel
from ketaclinic.medicine.amounts import mg_text, microlitres_ml_text
from ketaclinic.medicine.medications import MedicationRoute, MedicationUnit, dose_text
from ketaclinic.medicine.session import (
    SIDE_EFFECT_ACTION_WORDS,
    ChecklistItem,
    ItemStatus,
    PumpEventKind,
    Severity,
    SideEffectAction,
    SideEffectKind,
)
from ketaclinic.medicine.vital_signs import alarm_level_label

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [
        (member.value, getattr(member, "label", member.value.replace("_", " ").capitalize()))
        for member in enum
    ]


class SentOnce(ClinicScopedModel):
    """A row a tablet may send twice, under an idempotency key unique per session (each model
    declares its key and constraint). `is_retry` is not stored: the service that returns the row
    sets it, True when the call stored nothing because the key was already there (the API
    answers 200 instead of 201)."""

    is_retry: bool = False

    class Meta:
        abstract = True


class SessionRoute(models.TextChoices):
    INTRAVENOUS = "intravenous", "IV ketamine infusion"
    ESKETAMINE = "esketamine", "Esketamine nasal spray"


class SessionStatus(models.TextChoices):
    ARRIVED = "arrived", "Arrived"
    READY = "ready", "Checklist passed"
    INFUSING = "infusing", "Infusing"
    RECOVERY = "recovery", "Recovery"
    DISCHARGED = "discharged", "Discharged"
    NOT_GIVEN = "not_given", "Not given"


OPEN_STATUSES = (
    SessionStatus.ARRIVED,
    SessionStatus.READY,
    SessionStatus.INFUSING,
    SessionStatus.RECOVERY,
)


class TreatmentSession(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="treatment_session"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        "courses.TreatmentCourse", on_delete=models.PROTECT, related_name="+"
    )
    route = models.CharField(max_length=16, choices=SessionRoute.choices)
    protocol_key = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=SessionStatus.choices)
    status_reason = models.CharField(max_length=500, blank=True)
    checked_in_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Today's measurements: the dose is computed from these, never from an old weight.
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    escort_name = models.CharField(max_length=200, blank=True)
    escort_phone = models.CharField(max_length=32, blank=True)
    checklist_passed_at = models.DateTimeField(null=True, blank=True)
    checklist_override_reason = models.CharField(max_length=500, blank=True)
    checklist_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="Pump start, or the first esketamine device."
    )
    stopped_at = models.DateTimeField(
        null=True, blank=True, help_text="Pump stop, or the last esketamine device."
    )
    delivered_mg = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    observation_minimum_min = models.PositiveSmallIntegerField(
        help_text="From the clinic's recovery rules when the session began."
    )
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    discharge_escort_name = models.CharField(max_length=200, blank=True)
    discharge_instructions = models.JSONField(default=list, blank=True)
    discharge_assessment = models.JSONField(default=dict, blank=True)
    discharge_override_reason = models.CharField(max_length=500, blank=True)
    discharge_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-checked_in_at"]
        indexes = [
            models.Index(fields=["clinic", "checked_in_at"]),
            # The infusions given in a period, with their ids for the dashboard's joins to side
            # effects and alarms: read from the index alone (analytics.selectors.throughput).
            models.Index(
                fields=["clinic", "checked_in_at", "id"],
                condition=Q(status="discharged"),
                name="session_given",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.get_route_display()})"

    @property
    def is_esketamine(self) -> bool:
        return self.route == SessionRoute.ESKETAMINE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ChecklistAnswer(ClinicScopedModel):
    """One answered item of the pre-infusion checklist; answering again replaces it (audited)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="checklist_answers"
    )
    item = models.CharField(max_length=32, choices=_choices(ChecklistItem))
    status = models.CharField(max_length=16, choices=_choices(ItemStatus))
    detail = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "item"], name="one_answer_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.status}"


class DoseContainer(models.TextChoices):
    BAG = "bag", "Bag on a volumetric pump"
    SYRINGE = "syringe", "Syringe pump"
    DEVICES = "devices", "Nasal spray devices"


class DosePreparation(ClinicScopedModel):
    """The dose as computed, drawn and prepared; a second clinician verifies it before the start.
    A preparation found wrong is discarded (its drawn drug wasted with a witness) and made again."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="preparations"
    )
    order = models.ForeignKey("courses.DoseOrder", on_delete=models.PROTECT, related_name="+")
    draw = models.OneToOneField(
        "inventory.Draw", on_delete=models.PROTECT, related_name="preparation"
    )
    container_kind = models.CharField(max_length=16, choices=DoseContainer.choices)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    dosing_weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    weight_basis = models.CharField(max_length=16, blank=True)
    weight_reason = models.CharField(max_length=200, blank=True)
    ordered_dose = models.DecimalField(max_digits=6, decimal_places=3)
    dose = models.DecimalField(
        max_digits=6, decimal_places=3, help_text="In the order's unit (mg/kg, mg/kg/h or mg)."
    )
    dose_unit = models.CharField(max_length=16)
    dose_mg = models.DecimalField(max_digits=8, decimal_places=2)
    dose_change_reason = models.CharField(max_length=500, blank=True)
    dose_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    vial_mg_per_ml = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    drug_volume_ml = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    diluent_volume_ml = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    total_volume_ml = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    concentration_mg_per_ml = models.DecimalField(
        max_digits=8, decimal_places=3, null=True, blank=True
    )
    duration_min = models.PositiveSmallIntegerField(null=True, blank=True)
    rate_ml_per_h = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    devices = models.PositiveSmallIntegerField(null=True, blank=True)
    diluent_lot = models.CharField(max_length=64, blank=True)
    diluent_expires_on = models.DateField(null=True, blank=True)
    plan = models.JSONField(help_text="Every input and figure medicine/ used, as computed.")
    warnings = models.JSONField(default=list)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    discard_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-prepared_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("prepared_by")),
                name="verifier_is_not_preparer",
            ),
        ]

    def __str__(self) -> str:
        return f"{mg_text(self.dose_mg)} for session {self.session_id}"

    def is_blinded_for(self, user: AbstractBaseUser) -> bool:
        """The double check is blind: until the dose is verified, only its preparer sees the
        figures (and the warnings, which may quote them); the verifier would copy them."""
        return self.verified_at is None and self.prepared_by_id != user.pk


class PumpEvent(SentOnce):
    """Start, pause, resume, rate change or stop of the pump; or one esketamine device given."""

    DEVICE = "device"

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="pump_events"
    )
    kind = models.CharField(
        max_length=16, choices=[*_choices(PumpEventKind), ("device", "Esketamine device given")]
    )
    occurred_at = models.DateTimeField()
    rate_ml_per_h = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="pump_event_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.occurred_at:%H:%M}"


class VitalsPhase(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    INFUSION = "infusion", "During treatment"
    RECOVERY = "recovery", "Recovery"


class VitalSignReading(SentOnce):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="readings")
    measured_at = models.DateTimeField()
    phase = models.CharField(max_length=16, choices=VitalsPhase.choices)
    systolic_mmhg = models.PositiveSmallIntegerField()
    diastolic_mmhg = models.PositiveSmallIntegerField()
    heart_rate_bpm = models.PositiveSmallIntegerField()
    spo2_percent = models.PositiveSmallIntegerField()
    respiratory_rate_per_min = models.PositiveSmallIntegerField(null=True, blank=True)
    moaa_s = models.PositiveSmallIntegerField(null=True, blank=True)
    temperature_c = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    rhythm = models.CharField(max_length=64, blank=True)
    has_symptoms = models.BooleanField(default=False)
    alarm_level = models.PositiveSmallIntegerField(default=0)
    pre_infusion_decision = models.CharField(max_length=32, blank=True)
    assessment = models.JSONField(default=list, help_text="What medicine/ said of this reading.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["measured_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="reading_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} at {self.measured_at:%H:%M}"


class SessionAlarm(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="alarms")
    reading = models.ForeignKey(VitalSignReading, on_delete=models.PROTECT, related_name="alarms")
    level = models.PositiveSmallIntegerField()
    parameter = models.CharField(max_length=32)
    message = models.CharField(max_length=300)
    suggested_action = models.CharField(max_length=300)
    raised_at = models.DateTimeField()
    acknowledge_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_taken = models.CharField(max_length=500, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return self.message

    @property
    def level_label(self) -> str:
        return alarm_level_label(self.level)


class SideEffect(SentOnce):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="side_effects"
    )
    kind = models.CharField(max_length=32, choices=_choices(SideEffectKind))
    description = models.CharField(max_length=300, blank=True)
    onset_at = models.DateTimeField()
    severity = models.CharField(max_length=16, choices=_choices(Severity))
    action = models.CharField(max_length=16, choices=_choices(SideEffectAction))
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["onset_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="side_effect_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.severity})"

    @property
    def action_words(self) -> str:
        return SIDE_EFFECT_ACTION_WORDS.get(self.action, self.action)


class PrnDose(SentOnce):
    """A PRN medication given for a side effect (CLINICAL.md §5.4: drug, dose, route, time,
    indication and response, linked to the adverse-event record)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="prns")
    side_effect = models.ForeignKey(
        SideEffect, on_delete=models.PROTECT, null=True, blank=True, related_name="prns"
    )
    drug = models.CharField(max_length=100)
    dose = models.DecimalField(
        max_digits=7,
        decimal_places=3,
        help_text="Bounded by medicine.medications (older rows may exceed the bounds).",
    )
    unit = models.CharField(
        max_length=16, choices=[(unit.value, unit.value) for unit in MedicationUnit]
    )
    route = models.CharField(
        max_length=16, choices=[(route.value, route.value) for route in MedicationRoute]
    )
    given_at = models.DateTimeField()
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Above the drug's usual dose, or a drug the table does not list: the physician's reason.
    dose_override_reason = models.CharField(max_length=500, blank=True)
    dose_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["given_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="prn_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug} {dose_text(self.dose, self.unit)} {self.route}"


class PrnResponse(ClinicScopedModel):
    """How the patient responded to a PRN, as observed (CLINICAL.md §5.4). Each observation is
    its own row, so a later one ("settled", then "came back") never overwrites an earlier."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    prn = models.ForeignKey(PrnDose, on_delete=models.PROTECT, related_name="responses")
    text = models.CharField(max_length=500)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.text


INSTRUMENT_LABELS = {
    "cadss6": "CADSS-6",
    "modified_aldrete": "Modified Aldrete",
    "padss": "PADSS",
    "modified_padss": "Modified PADSS",
    "post_session_effects": "Post-session side-effect check",
}


class SessionScore(ClinicScopedModel):
    """A score charted in the session: CADSS-6 at the end of the infusion, modified Aldrete,
    PADSS or modified PADSS in recovery, and the post-session side-effect form."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="scores")
    instrument = models.CharField(max_length=32)
    answers = models.JSONField()
    total = models.IntegerField()
    band = models.CharField(max_length=64, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.instrument_label} {self.total}"

    @property
    def instrument_label(self) -> str:
        return INSTRUMENT_LABELS.get(self.instrument, self.instrument)


class ControlledSubstanceRecord(ClinicScopedModel):
    """What the patient received and what was wasted of the session's draw, posted to the ledger
    (administration and witnessed waste) in the same transaction as this record."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="substance_records"
    )
    preparation = models.ForeignKey(
        DosePreparation, on_delete=models.PROTECT, related_name="substance_records"
    )
    administered_mg = models.DecimalField(max_digits=8, decimal_places=2)
    administered_units = models.PositiveIntegerField()
    wasted_units = models.PositiveIntegerField()
    waste_reason = models.CharField(max_length=500, blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return (
            f"{mg_text(self.administered_mg)} given, "
            f"{microlitres_ml_text(self.wasted_units)} wasted"
        )


class SessionNote(ClinicScopedModel):
    """The generated summary, frozen at the nurse's signature and co-signed by a physician.
    Once signed it never changes; corrections are addenda."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="note")
    body = models.TextField()
    nurse_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nurse_signed_at = models.DateTimeField()
    physician_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    physician_signed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Note for session {self.session_id}"


class SessionAddendum(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at"]

    def __str__(self) -> str:
        return f"Addendum {self.pk}"


class RemsMonitoringForm(ClinicScopedModel):
    """The esketamine REMS Patient Monitoring Form (CLINICAL.md §10.4) for one session: what the
    session charted is read from it; what it cannot know is answered here. Due within 7 days
    (§10.5)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="rems_form"
    )
    form_version = models.CharField(max_length=16, default="2021-11")
    takes_benzodiazepines = models.BooleanField(default=False)
    takes_non_benzodiazepine_hypnotics = models.BooleanField(default=False)
    takes_psychostimulants = models.BooleanField(default=False)
    takes_maois = models.BooleanField(default=False)
    takes_opioids = models.BooleanField(default=False)
    ready_to_leave_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Without the 2-hour minimum, when could they have left?"
    )
    due_by = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submission_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["due_by"]

    def __str__(self) -> str:
        return f"REMS form for session {self.session_id}"
