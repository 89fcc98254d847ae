"""Reading the inbox and a thread, each in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.messaging.models import Direction, Message
from ketaclinic.patients.models import Patient

INBOX_LIMIT = 200


@dataclass(frozen=True)
class InboxThread:
    patient_id: int
    patient_name: str
    medical_record_number: str
    last_at: datetime.datetime
    unread: int


def inbox_threads(*, acting_user: User, clinic: Clinic) -> list[InboxThread]:
    """Every patient who has written or been written to: unread first, then the latest."""
    require_permission(user=acting_user, action=Action.PATIENT_MESSAGE, clinic=clinic)
    rows = (
        Patient.objects.filter(clinic=clinic, messages__clinic=clinic)
        .annotate(
            last_at=Max("messages__created_at"),
            unread=Count(
                "messages",
                filter=Q(messages__direction=Direction.TO_CLINIC, messages__read_at__isnull=True),
            ),
        )
        .order_by("-unread", "-last_at", "pk")
        .only(
            "pk", "legal_first_name", "legal_last_name", "preferred_name", "medical_record_number"
        )
    )[:INBOX_LIMIT]
    return [
        InboxThread(
            patient_id=row.pk,
            patient_name=row.display_name,
            medical_record_number=row.medical_record_number,
            last_at=row.last_at,
            unread=row.unread,
        )
        for row in rows
    ]


def thread_messages(*, patient: Patient) -> list[Message]:
    """The patient's conversation with their clinic, oldest first, with who wrote each."""
    return list(
        Message.objects.filter(clinic_id=patient.clinic_id, patient=patient).select_related(
            "author"
        )
    )


def unread_for_patient(*, patient: Patient) -> int:
    return Message.objects.filter(
        clinic_id=patient.clinic_id,
        patient=patient,
        direction=Direction.TO_PATIENT,
        read_at__isnull=True,
    ).count()
