"""What the staff home page shows: the clinic's numbers, read in a fixed handful of queries.

It gathers patients, urgent tasks, today's visits and inquiries, so it lives above those apps."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import allowed_actions, membership_get
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.outcomes.models import ClinicalTask
from ketaclinic.patients.models import JourneyStage, Patient
from ketaclinic.reminders.selectors import appointments_for_day


def dashboard_for(*, user: User, clinic: Clinic) -> dict[str, Any]:
    actions = allowed_actions(membership=membership_get(user=user, clinic=clinic))
    context: dict[str, Any] = {
        "chairs": list(Chair.objects.filter(clinic=clinic, is_active=True).select_related("room")),
    }
    if Action.PATIENT_LIST in actions:
        by_stage = dict(
            Patient.objects.filter(clinic=clinic)
            .values_list("journey_stage")
            .annotate(count=Count("id"))
            .values_list("journey_stage", "count")
        )
        context["patients_by_stage"] = [
            (stage.label, by_stage.get(stage.value, 0)) for stage in JourneyStage
        ]
        context["patient_total"] = sum(by_stage.values())
    if Action.SAFETY_TASK_RESOLVE in actions:
        context["urgent_tasks"] = list(
            ClinicalTask.objects.filter(clinic=clinic, completed_at__isnull=True)
            .select_related("patient")
            .order_by("created_at")[:20]
        )
    if Action.APPOINTMENT_BOOK in actions:
        context["todays_visits"] = appointments_for_day(clinic=clinic, day=clinic.local_today())
    if Action.INQUIRY_MANAGE in actions:
        context["new_inquiry_count"] = Inquiry.objects.filter(
            clinic=clinic, status=InquiryStatus.NEW
        ).count()
    return context
