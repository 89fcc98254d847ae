"""What the portal home shows a patient: their next steps, read from the apps' own selectors
and services. Reads only; the patient comes from the portal access door."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.consent.models import ConsentDocument, ConsentSignature, Treatment
from ketaclinic.consent.selectors import consent_signatures_for_patient
from ketaclinic.consent.services import (
    consent_awaiting_witness,
    consent_current,
    consent_document_latest,
    consent_treatments_open_to_patient,
)
from ketaclinic.intake.models import CurrentMedication, Intake
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.interactions import MedicationInput
from ketaclinic.medicine.preparation import visit_preparation
from ketaclinic.medicine.protocols import Route, protocol_get
from ketaclinic.medicine.questionnaires import INSTRUMENTS
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.outcomes.models import QuestionnaireLink, QuestionnaireResponse
from ketaclinic.patients.models import Patient
from ketaclinic.portal.chart import ScoreBand, ScorePoint, score_history_svg
from ketaclinic.scheduling.models import Appointment, AppointmentStatus


@dataclass(frozen=True)
class ConsentStep:
    treatment: Treatment
    document: ConsentDocument | None
    current: ConsentSignature | None
    awaiting_witness: ConsentSignature | None

    @property
    def is_to_sign(self) -> bool:
        return self.document is not None and self.current is None and self.awaiting_witness is None


@dataclass(frozen=True)
class QuestionnairesSent:
    names: tuple[str, ...]
    expires_at: datetime.datetime


@dataclass(frozen=True)
class PortalSteps:
    intake: Intake | None
    questionnaires: tuple[QuestionnairesSent, ...]
    consents: tuple[ConsentStep, ...]
    signed_consents: tuple[ConsentSignature, ...]

    @property
    def is_intake_to_do(self) -> bool:
        return self.intake is None or self.intake.is_open_to_patient


def portal_steps_for_patient(*, patient: Patient) -> PortalSteps:
    intake = (
        Intake.objects.filter(patient=patient)
        .only("id", "patient_id", "status", "submitted_at", "patient_submitted_at", "updated_at")
        .first()
    )
    # A link's token is shown or sent to the patient once and only its hash is stored, so the
    # portal can say that questionnaires are waiting but cannot link to them.
    links = QuestionnaireLink.objects.filter(
        patient=patient, used_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("expires_at")
    questionnaires = tuple(
        QuestionnairesSent(
            names=tuple(
                INSTRUMENTS[code].name if code in INSTRUMENTS else code for code in link.instruments
            ),
            expires_at=link.expires_at,
        )
        for link in links
    )
    consents = []
    for treatment in consent_treatments_open_to_patient(patient=patient):
        document = consent_document_latest(clinic=patient.clinic, treatment=treatment)
        current = consent_current(patient=patient, treatment=treatment) if document else None
        awaiting = (
            consent_awaiting_witness(patient=patient, document=document)
            if document is not None and current is None
            else None
        )
        consents.append(ConsentStep(treatment, document, current, awaiting))
    return PortalSteps(
        intake=intake,
        questionnaires=questionnaires,
        consents=tuple(consents),
        signed_consents=tuple(consent_signatures_for_patient(patient=patient)),
    )


# --- Upcoming visits, questionnaires due, score history (issue 8) -------------------------------

UPCOMING_LIMIT = 3


@dataclass(frozen=True)
class UpcomingVisit:
    appointment_id: int
    kind: str
    starts_at: datetime.datetime
    instructions: tuple[str, ...]


def _route(protocol_key: str | None) -> Route | None:
    if not protocol_key:
        return None
    try:
        return protocol_get(protocol_key).route
    except ClinicalRuleError:
        return None  # a clinic's own protocol: the kind of visit decides


def upcoming_visits_for_patient(*, patient: Patient) -> list[UpcomingVisit]:
    """The patient's next booked visits with how to prepare for each (fasting, medication holds,
    the driver), built as the reminders build them, in two queries."""
    appointments = list(
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, starts_at__gte=timezone.now()
        )
        .select_related("course")
        .order_by("starts_at")[:UPCOMING_LIMIT]
    )
    if not appointments:
        return []
    medications = [
        MedicationInput(name)
        for name in CurrentMedication.objects.filter(intake__patient_id=patient.pk)
        .order_by("id")
        .values_list("name", flat=True)
    ]
    zone = patient.clinic.zone
    visits = []
    for appointment in appointments:
        preparation = visit_preparation(
            kind=VisitKind(appointment.kind),
            route=_route(appointment.course.protocol_key if appointment.course else None),
            starts_at_local=appointment.starts_at.astimezone(zone).replace(tzinfo=None),
            medications=medications,
        )
        visits.append(
            UpcomingVisit(
                appointment_id=appointment.pk,
                kind=appointment.get_kind_display(),
                starts_at=appointment.starts_at,
                instructions=preparation.lines,
            )
        )
    return visits


@dataclass(frozen=True)
class ScoreHistory:
    code: str
    name: str
    latest_total: int
    latest_band: str
    latest_on: datetime.date
    count: int
    svg: str


HISTORY_INSTRUMENT_LIMIT = 60  # points per instrument shown: a year and more of weekly check-ins


def score_history_for_patient(*, patient: Patient) -> list[ScoreHistory]:
    """The patient's own totals per questionnaire over time, each as a small chart (one query)."""
    rows = (
        QuestionnaireResponse.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .order_by("instrument", "completed_at")
        .values_list("instrument", "total", "band", "completed_at")
    )
    zone = patient.clinic.zone
    by_code: dict[str, list[tuple[int, str, datetime.datetime]]] = {}
    for code, total, band, completed_at in rows:
        by_code.setdefault(code, []).append((total, band, completed_at))
    histories = []
    for code, entries in by_code.items():
        instrument = INSTRUMENTS.get(code)
        if instrument is None:
            continue
        shown = entries[-HISTORY_INSTRUMENT_LIMIT:]
        points = [
            ScorePoint(day=completed_at.astimezone(zone).date(), total=total)
            for total, _band, completed_at in shown
        ]
        total, band, completed_at = shown[-1]
        histories.append(
            ScoreHistory(
                code=code,
                name=instrument.name,
                latest_total=total,
                latest_band=band,
                latest_on=completed_at.astimezone(zone).date(),
                count=len(entries),
                svg=score_history_svg(
                    title=f"Your {instrument.name} scores over time",
                    points=points,
                    total_range=instrument.total_range,
                    bands=[ScoreBand(b.low, b.high, b.label) for b in instrument.bands],
                ),
            )
        )
    return sorted(histories, key=lambda history: history.name)
