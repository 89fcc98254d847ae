"""Reads of a patient's questionnaires and open tasks, and the clinic's urgent tasks (the caller
has passed the access door)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.intake.models import INDICATION_CHOICES
from ketaclinic.medicine.questionnaires import Instrument, instrument_get
from ketaclinic.outcomes.models import ClinicalTask, QuestionnaireResponse, TaskPriority
from ketaclinic.outcomes.wording import instrument_has_wording, instruments_for_clinic
from ketaclinic.patients.models import Patient


def questionnaire_response_list_for_patient(
    *, patient: Patient, limit: int = 20
) -> list[QuestionnaireResponse]:
    return list(
        QuestionnaireResponse.objects.filter(patient=patient)
        .select_related("entered_by")
        .order_by("-completed_at")[:limit]
    )


def questionnaire_response_page_list_for_patient(
    *, patient: Patient | None, instrument: str = ""
) -> QuerySet[QuestionnaireResponse]:
    """A patient's responses, newest first, as a queryset for the API's paginator (one
    measure when `instrument` is given). No patient (the OpenAPI generator's fake view) gives an
    empty queryset of the same model."""
    if patient is None:
        return QuestionnaireResponse.objects.none()
    responses = QuestionnaireResponse.objects.filter(patient=patient)
    if instrument:
        responses = responses.filter(instrument=instrument)
    return responses.order_by("-completed_at", "-id")


def open_task_list_for_patient(*, patient: Patient) -> QuerySet[ClinicalTask]:
    return ClinicalTask.objects.filter(patient=patient, completed_at__isnull=True).order_by(
        "created_at"
    )


def urgent_task_list(*, clinic: Clinic, user: User, mine: bool) -> list[ClinicalTask]:
    """Open urgent tasks at the clinic in one query, soonest deadline first (tasks without a
    deadline, e.g. an escalated alarm, by age). Mine: assigned to me, escalated to me, or to no
    one in particular (any physician)."""
    tasks = ClinicalTask.objects.filter(
        clinic=clinic, priority=TaskPriority.URGENT, completed_at__isnull=True
    )
    if mine:
        tasks = tasks.filter(
            Q(assigned_to=user) | Q(escalated_to=user) | Q(assigned_to__isnull=True)
        )
    return list(
        tasks.select_related(
            "patient", "assigned_to", "acknowledged_by", "escalated_to", "source_response"
        ).order_by(F("acknowledge_by").asc(nulls_last=True), "created_at")
    )


def clinical_task_get_for_clinic(*, clinic: Clinic, task_id: int) -> ClinicalTask | None:
    """The task with who it concerns and who handled it; None for missing and for another
    clinic's task alike, so the caller answers one 404."""
    return (
        ClinicalTask.objects.select_related(
            "patient", "assigned_to", "acknowledged_by", "escalated_to", "completed_by"
        )
        .filter(clinic=clinic, pk=task_id)
        .first()
    )


def instrument_is_sendable(instrument: Instrument) -> bool:
    """Whether a patient can fill it in alone through a link: patient-rated, with its wording
    (licensed wording ships only once the clinic loads it)."""
    return instrument.rater == "patient" and instrument_has_wording(instrument)


@dataclass(frozen=True)
class ScreeningItem:
    instrument: Instrument  # as the clinic asks it (its licensed wording attached when loaded)
    latest: QuestionnaireResponse | None
    sendable: bool

    @property
    def has_wording(self) -> bool:
        """False: a licensed scale whose wording the clinic has not loaded; not offered."""
        return instrument_has_wording(self.instrument)


@dataclass(frozen=True)
class ScreeningStatus:
    indication: str  # "" until the intake names the condition
    items: list[ScreeningItem]

    @property
    def indication_label(self) -> str:
        return dict(INDICATION_CHOICES).get(self.indication, self.indication)

    @property
    def outstanding(self) -> list[ScreeningItem]:
        return [item for item in self.items if item.latest is None]

    @property
    def sendable_codes(self) -> list[str]:
        return [item.instrument.code for item in self.outstanding if item.sendable]


def screening_status_for_patient(*, patient: Patient, indication: str) -> ScreeningStatus:
    """The clinic's screening set for the patient's condition, each with its latest response."""
    codes = clinic_rules_get(clinic=patient.clinic).screening.for_indication(indication or None)
    latest: dict[str, QuestionnaireResponse] = {}
    for response in QuestionnaireResponse.objects.filter(
        patient=patient, instrument__in=codes
    ).order_by("-completed_at"):
        latest.setdefault(response.instrument, response)
    instruments = instruments_for_clinic(clinic=patient.clinic)
    items = []
    for code in codes:
        instrument = instruments.get(code) or instrument_get(code)
        items.append(
            ScreeningItem(
                instrument=instrument,
                latest=latest.get(code),
                sendable=instrument_is_sendable(instrument),
            )
        )
    return ScreeningStatus(indication=indication, items=items)
