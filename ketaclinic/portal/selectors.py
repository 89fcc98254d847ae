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
from ketaclinic.intake.models import Intake
from ketaclinic.medicine.questionnaires import INSTRUMENTS
from ketaclinic.outcomes.models import QuestionnaireLink
from ketaclinic.patients.models import Patient


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
