"""Creating and signing a treatment course, moving it between states, and signing dose orders.

Each refuses, with the reason a physician would give, rather than guess: no course without a
signed approval and current consent for its treatment; no plan outside the course rules of
medicine/; no dose above the protocol's cap without a physician's stated reason.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.consent.models import Treatment
from ketaclinic.consent.services import require_current_consent
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.courses.models import (
    CourseStatus,
    CourseStatusChange,
    DoseOrder,
    TreatmentCourse,
)
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome, Intake
from ketaclinic.intake.selectors import decision_unreviewed_amendment
from ketaclinic.medicine.courses import CourseRules
from ketaclinic.medicine.dosing import check_dose_against_protocol
from ketaclinic.medicine.errors import ClinicalRuleError, InvalidConfiguration
from ketaclinic.medicine.protocols import Protocol, Route, protocol_get
from ketaclinic.patients.models import Patient

# Where a move is allowed from each state (the lifecycle: planned → induction →
# extended → maintenance → completed, or stopped with a reason from any open state).
TRANSITIONS: dict[str, frozenset[str]] = {
    CourseStatus.PLANNED: frozenset({CourseStatus.INDUCTION, CourseStatus.STOPPED}),
    CourseStatus.INDUCTION: frozenset(
        {
            CourseStatus.EXTENDED,
            CourseStatus.MAINTENANCE,
            CourseStatus.COMPLETED,
            CourseStatus.STOPPED,
        }
    ),
    CourseStatus.EXTENDED: frozenset(
        {CourseStatus.MAINTENANCE, CourseStatus.COMPLETED, CourseStatus.STOPPED}
    ),
    CourseStatus.MAINTENANCE: frozenset({CourseStatus.COMPLETED, CourseStatus.STOPPED}),
    CourseStatus.COMPLETED: frozenset(),
    CourseStatus.STOPPED: frozenset(),
}
NEEDS_REASON = frozenset({CourseStatus.EXTENDED, CourseStatus.STOPPED})


def treatment_for(protocol: Protocol) -> Treatment:
    """The consent a protocol needs."""
    return Treatment.ESKETAMINE if protocol.route == Route.INTRANASAL else Treatment.IV_KETAMINE


def _approval(patient: Patient) -> EligibilityDecision:
    decision = (
        EligibilityDecision.objects.filter(patient=patient).order_by("-signed_at", "-pk").first()
    )
    if decision is None or decision.outcome != EligibilityOutcome.APPROVED:
        state = "no eligibility decision" if decision is None else decision.get_outcome_display()
        raise PreconditionFailed(
            f"A course needs a physician's signed approval; {patient.display_name} has "
            f"{state.lower() if decision else state}."
        )
    amended = decision_unreviewed_amendment(decision)
    if amended is not None:
        raise PreconditionFailed(
            f"The intake was amended after this approval (version {amended[0]} → "
            f"{amended[1]}); a physician reviews the amendment (an addendum to the decision, "
            "or a new decision) before a course is signed on it."
        )
    return decision


def _rules(*, patient: Patient, protocol: Protocol, target_infusions: int) -> CourseRules:
    clinic_course = clinic_rules_get(clinic=patient.clinic).course
    maximum = min(clinic_course.maximum_infusions, protocol.max_infusions_per_course)
    try:
        return dataclasses.replace(
            clinic_course,
            target_infusions=target_infusions,
            maximum_infusions=maximum,
            review_checkpoints=tuple(p for p in clinic_course.review_checkpoints if p <= maximum),
        )
    except InvalidConfiguration as error:
        raise InvalidInput(
            f"The course cannot have {target_infusions} infusions: {error.message} "
            f"(this protocol allows up to {maximum}).",
            fields={"target_infusions": [f"1 to {maximum}."]},
        ) from error


@transaction.atomic
def course_create(
    *,
    acting_user: User,
    patient: Patient,
    target_infusions: int,
    starting_dose: Decimal,
    titration_plan: str,
    booster_plan: str,
    rems_patient_enrollment: str = "",
    note: str = "",
) -> TreatmentCourse:
    """The physician's signed plan, under the protocol the patient was approved for."""
    require_permission(user=acting_user, action=Action.COURSE_SIGN, clinic=patient.clinic)
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    decision = _approval(patient)
    protocol = protocol_get(decision.protocol_key)
    require_current_consent(patient=patient, treatment=treatment_for(protocol))
    intake = Intake.objects.filter(patient=patient).first()
    indication = intake.indication if intake else ""
    if indication and indication not in {i.value for i in protocol.indications}:
        raise PreconditionFailed(
            f"{protocol.name} is not a protocol for the indication on the intake ({indication})."
        )
    if TreatmentCourse.objects.filter(patient=patient, status__in=_open()).exists():
        raise Conflict(f"{patient.display_name} already has an open course; close it first.")
    rules = _rules(patient=patient, protocol=protocol, target_infusions=target_infusions)
    try:
        warnings = check_dose_against_protocol(protocol=protocol, dose=starting_dose)
    except ClinicalRuleError as error:
        raise InvalidInput(error.message, fields={"starting_dose": [error.message]}) from error
    if not titration_plan.strip() or not booster_plan.strip():
        raise InvalidInput(
            "Write the titration and booster plans.",
            fields={
                name: ["Required."]
                for name, text in (
                    ("titration_plan", titration_plan),
                    ("booster_plan", booster_plan),
                )
                if not text.strip()
            },
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            course = TreatmentCourse.objects.create(
                clinic=patient.clinic,
                patient=patient,
                decision=decision,
                protocol_key=protocol.key,
                indication=indication or next(iter(sorted(protocol.indications))).value,
                target_infusions=rules.target_infusions,
                maximum_infusions=rules.maximum_infusions,
                minimum_interval_hours=int(rules.minimum_interval.total_seconds() // 3600),
                maximum_per_week=rules.maximum_per_week,
                review_checkpoints=list(rules.review_checkpoints),
                starting_dose=starting_dose,
                dose_unit=protocol.dose_unit.value,
                titration_plan=titration_plan.strip()[:500],
                booster_plan=booster_plan.strip()[:500],
                rems_patient_enrollment=rems_patient_enrollment.strip()[:32],
                note=note.strip(),
                signed_by=acting_user,
                signed_at=now,
            )
    except IntegrityError as error:  # a second physician signing at the same moment
        raise Conflict(f"{patient.display_name} already has an open course.") from error
    audit_record(
        actor=acting_user,
        action=AuditAction.COURSE_SIGNED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=course,
        detail={
            "protocol": protocol.key,
            "target_infusions": course.target_infusions,
            "starting_dose": f"{starting_dose} {protocol.dose_unit.value}",
            "warnings": list(warnings),
        },
    )
    return course


def _open() -> list[str]:
    return [
        CourseStatus.PLANNED,
        CourseStatus.INDUCTION,
        CourseStatus.EXTENDED,
        CourseStatus.MAINTENANCE,
    ]


@transaction.atomic
def course_transition(
    *, acting_user: User, course: TreatmentCourse, to_status: CourseStatus, reason: str = ""
) -> TreatmentCourse:
    require_permission(user=acting_user, action=Action.COURSE_SIGN, clinic=course.clinic)
    locked = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
    if to_status not in TRANSITIONS[locked.status]:
        raise PreconditionFailed(
            f"A course that is {locked.get_status_display().lower()} cannot become "
            f"{CourseStatus(to_status).label.lower()}."
        )
    if to_status in NEEDS_REASON and not reason.strip():
        raise InvalidInput(
            f"Give the reason the course is {CourseStatus(to_status).label.lower()}.",
            fields={"reason": ["Required."]},
        )
    before = locked.status
    locked.status = to_status
    locked.status_reason = reason.strip()[:500]
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    # The course holds the current status; each change is kept, so no reason is overwritten.
    CourseStatusChange.objects.create(
        clinic=locked.clinic,
        course=locked,
        from_status=before,
        to_status=to_status,
        reason=locked.status_reason,
        changed_by=acting_user,
        changed_at=timezone.now(),
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.COURSE_STATUS_CHANGED,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=locked,
        detail={"from": before, "to": to_status, "reason": locked.status_reason},
    )
    return locked


@transaction.atomic
def dose_order_sign(
    *,
    acting_user: User,
    course: TreatmentCourse,
    dose: Decimal,
    override_reason: str = "",
    note: str = "",
    valid_days: int | None = None,
) -> DoseOrder:
    """A credentialed physician's order for the dose; it expires after `valid_days`, by default
    and at most the clinic's rule (clinic rules `dose_orders.valid_days`, medicine/courses.py)."""
    require_permission(user=acting_user, action=Action.DOSE_ORDER_SIGN, clinic=course.clinic)
    locked = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
    if not locked.is_open:
        raise PreconditionFailed(
            f"The course is {locked.get_status_display().lower()}; a dose order needs an open "
            "course."
        )
    order_rules = clinic_rules_get(clinic=locked.clinic).dose_orders
    now = timezone.now()
    try:
        expires_at = order_rules.expires_at(signed_at=now, valid_days=valid_days)
    except ClinicalRuleError as error:
        raise InvalidInput(
            error.message, fields={"valid_days": [f"1 to {order_rules.valid_days}."]}
        ) from error
    protocol = protocol_get(locked.protocol_key)
    try:
        warnings = check_dose_against_protocol(
            protocol=protocol, dose=dose, override_reason=override_reason
        )
    except ClinicalRuleError as error:
        raise InvalidInput(error.message, fields={"dose": [error.message]}) from error
    order = DoseOrder.objects.create(
        clinic=locked.clinic,
        course=locked,
        dose=dose,
        dose_unit=protocol.dose_unit.value,
        warnings=list(warnings),
        override_reason=override_reason.strip()[:500],
        note=note.strip()[:500],
        signed_by=acting_user,
        signed_at=now,
        expires_at=expires_at,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.DOSE_ORDER_SIGNED,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=order,
        detail={
            "dose": f"{dose} {protocol.dose_unit.value}",
            "warnings": list(warnings),
            "override_reason": order.override_reason,
            "expires_at": order.expires_at.isoformat(),
        },
    )
    return order
