"""The intake and eligibility endpoints. Thin: the body's fields become the intake service's
changes (normalised as the staff page does), the same services decide (permission, the lock,
versions, audit), and the reads go through the patient access door."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.api.base import (
    ERRORS,
    REFUSED_BY_STATE,
    StaffEndpoint,
    staff_caller,
    validated_body,
)
from ketaclinic.api.permissions import api_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.intake.api.inputs import (
    AddendumInputSerializer,
    EligibilityDecisionInputSerializer,
    IntakeInputSerializer,
)
from ketaclinic.intake.api.outputs import (
    AddendumSerializer,
    DecisionSerializer,
    IntakeSerializer,
    IntakeVersionSerializer,
)
from ketaclinic.intake.models import EligibilityOutcome, Intake
from ketaclinic.intake.selectors import (
    eligibility_advice_for_intake,
    eligibility_decision_get_for_clinic,
    eligibility_decisions_for_patient,
    intake_get_for_patient,
    intake_version_number,
    intake_versions_for_patient,
)
from ketaclinic.intake.services import (
    IntakeChanges,
    MedicationEntry,
    TrialEntry,
    eligibility_addendum_add,
    eligibility_decide,
    intake_amend,
    intake_save,
)
from ketaclinic.intake.versions import INTAKE_FIELDS
from ketaclinic.medicine.eligibility import History, TrialOutcome
from ketaclinic.patients.access import patient_get_for_staff


def intake_changes_from(data: dict[str, Any]) -> IntakeChanges:
    """The validated body's intake fields as the service's changes, normalised as the staff
    page does; a field the body leaves out is not among them (the service keeps its stored
    value, read under the intake's lock)."""
    values: dict[str, Any] = {
        name: data[name] for name in INTAKE_FIELDS if name in data and name != "medical_history"
    }
    if "medical_history" in data:
        values["medical_history"] = tuple(
            History(value) for value in dict.fromkeys(data["medical_history"])
        )
    if "diagnoses" in data:
        values["diagnoses"] = tuple(code.strip().upper() for code in data["diagnoses"])
    if "trials" in data:
        values["trials"] = tuple(
            TrialEntry(
                drug=row["drug"],
                highest_dose_mg=row["highest_dose_mg"],
                weeks_at_dose=row["weeks_at_dose"],
                is_dose_adequate=row["is_dose_adequate"],
                is_adherent=row["is_adherent"],
                outcome=TrialOutcome(row["outcome"]),
                is_current_episode=row["is_current_episode"],
            )
            for row in data["trials"]
        )
    if "medications" in data:
        values["medications"] = tuple(
            MedicationEntry(name=row["name"], dose_mg=row["dose_mg"], frequency=row["frequency"])
            for row in data["medications"]
        )
    return values


def intake_save_from_request(request: Request, *, user: User, patient_id: int) -> Intake:
    # Permission and existence first: a refused caller learns nothing from validation.
    patient = patient_get_for_staff(
        user=user,
        clinic=api_clinic(request),
        patient_id=patient_id,
        action=Action.INTAKE_MEASUREMENTS_RECORD,
    )
    data = validated_body(IntakeInputSerializer, request)
    changes = intake_changes_from(data)
    if "amendment_reason" in data:
        if data.get("submit") is False:
            raise InvalidInput(
                "An amendment keeps the intake submitted.",
                fields={"submit": ["Leave it out (or send true) with an amendment_reason."]},
            )
        return intake_amend(
            acting_user=user, patient=patient, changes=changes, reason=data["amendment_reason"]
        )
    return intake_save(
        acting_user=user, patient=patient, changes=changes, submit=data.get("submit", False)
    )


class PatientIntakeView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_intake_retrieve",
        summary="A patient's intake and the rules' eligibility advice",
        responses={200: IntakeSerializer, **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        user, clinic = staff_caller(request), api_clinic(request)
        patient = patient_get_for_staff(
            user=user, clinic=clinic, patient_id=patient_id, action=Action.INTAKE_STATUS_VIEW
        )
        intake = intake_get_for_patient(patient_id=patient.pk)
        if intake is None:
            raise NotFound("This patient has no intake yet.")
        return Response(_intake_data(intake, user=user, clinic=clinic))

    @extend_schema(
        operation_id="patients_intake_update",
        summary="Save the intake as a draft, or submit it for eligibility review",
        description=(
            "Sets the fields sent; a field left out keeps its stored value (send it empty, "
            "`null` or `[]` to clear it). On a draft: saves it (it keeps whatever is valid), or "
            "with `submit: true` submits it, which also needs what eligibility needs. A "
            "submitted intake is never saved over nor returned to a draft (409): send "
            "`amendment_reason` to amend it; the result must still be complete, becomes a new "
            "version, and every earlier version is kept (`GET .../intake/versions`). Front "
            "desk (`intake.measurements_record` only) may change only `height_cm` and "
            "`weight_kg` on a draft; any other change is refused (403). A refusal names every "
            "field that needs attention and leaves the stored intake as it was. Recorded in "
            "the audit trail as `intake.saved`, `intake.submitted` or `intake.amended` (with "
            "the changed fields and the version numbers)."
        ),
        request=IntakeInputSerializer,
        responses={200: IntakeSerializer, **ERRORS},
    )
    def put(self, request: Request, patient_id: int) -> Response:
        user = staff_caller(request)
        intake = intake_save_from_request(request, user=user, patient_id=patient_id)
        saved = intake_get_for_patient(patient_id=intake.patient_id)
        assert saved is not None  # just saved
        return Response(_intake_data(saved, user=user, clinic=api_clinic(request)))


class PatientIntakeVersionsView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_intake_versions_list",
        summary="Every version of a submitted intake, newest first",
        description="Version 1 is the intake as submitted; each amendment adds one, with its "
        "reason, who made it and what changed. Earlier versions are kept whole. Needs "
        "`patient.chart_view`.",
        responses={200: IntakeVersionSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=staff_caller(request), clinic=api_clinic(request), patient_id=patient_id
        )
        versions = intake_versions_for_patient(patient_id=patient.pk)
        if versions is None:
            raise NotFound("This patient has no intake yet.")
        return Response(IntakeVersionSerializer(versions, many=True).data)


def _intake_data(intake: Intake, *, user: User, clinic: Clinic) -> Any:
    """The whole intake to a caller who may open the chart; otherwise the field groups of the
    intake actions they have (accounts/roles.py): its status, and the measurements to a caller
    who records them."""
    if not has_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic):
        shown = {"content", *PERMISSIONS[Action.INTAKE_STATUS_VIEW].fields}
        if has_permission(user=user, action=Action.INTAKE_MEASUREMENTS_RECORD, clinic=clinic):
            shown |= set(PERMISSIONS[Action.INTAKE_MEASUREMENTS_RECORD].fields)
        status_only = {name: getattr(intake, name) for name in shown - {"content"}}
        limited = IntakeSerializer({**status_only, "content": "status"}).data
        return {name: value for name, value in limited.items() if name in shown}
    advice = eligibility_advice_for_intake(intake)
    data = {
        "content": "full",
        "status": intake.status,
        "version": intake.version,
        "patient_submitted_at": intake.patient_submitted_at,
        "indication": intake.indication,
        "allergies": intake.allergies,
        "psychiatric_history": intake.psychiatric_history,
        "medical_history": intake.medical_history,
        "height_cm": intake.height_cm,
        "weight_kg": intake.weight_kg,
        "diagnoses": [d.code for d in intake.diagnoses.all()],
        "medications": [m.name for m in intake.medications.all()],
        "submitted_at": intake.submitted_at,
        "advice": None
        if advice is None
        else {
            "decision": advice.decision.value,
            "adequate_failed_trials": advice.adequate_failed_trials,
            "reasons": [
                {"severity": r.severity.value, "message": r.message, "source": r.source}
                for r in advice.reasons
            ],
        },
    }
    return IntakeSerializer(data).data


class PatientEligibilityDecisionsView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_eligibility_decisions_list",
        summary="A patient's signed eligibility decisions",
        responses={200: DecisionSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=staff_caller(request), clinic=api_clinic(request), patient_id=patient_id
        )
        return Response(
            DecisionSerializer(
                eligibility_decisions_for_patient(patient_id=patient.pk),
                many=True,
                context={"intake_version": intake_version_number(patient_id=patient.pk)},
            ).data
        )

    @extend_schema(
        operation_id="patients_eligibility_decisions_create",
        summary="Sign an eligibility decision (physicians)",
        description=(
            "The physician's decision on the submitted intake: `approved` for a protocol, "
            "`declined`, or `more_information` (say what is needed). Signed by the caller and "
            "locked at once, with the rules' advice they saw; later changes are addenda. 409 "
            "while the intake is not submitted. Recorded as `eligibility.decided`."
        ),
        request=EligibilityDecisionInputSerializer,
        responses={201: DecisionSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        user = staff_caller(request)
        patient = patient_get_for_staff(
            user=user,
            clinic=api_clinic(request),
            patient_id=patient_id,
            action=Action.ELIGIBILITY_DECIDE,
        )
        data = validated_body(EligibilityDecisionInputSerializer, request)
        decision = eligibility_decide(
            acting_user=user,
            patient=patient,
            outcome=EligibilityOutcome(data["outcome"]),
            note=data["note"],
            protocol_key=data["protocol_key"],
            requested_items=data["requested_items"],
        )
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class EligibilityDecisionAddendaView(StaffEndpoint):
    @extend_schema(
        operation_id="eligibility_decisions_addenda_create",
        summary="Add an addendum to a signed decision (physicians)",
        description=(
            "A signed decision is never edited; a physician adds a dated addendum. Recorded as "
            "`eligibility.addendum`."
        ),
        request=AddendumInputSerializer,
        responses={201: AddendumSerializer, **ERRORS},
    )
    def post(self, request: Request, decision_id: int) -> Response:
        user = staff_caller(request)
        decision = eligibility_decision_get_for_clinic(
            user=user,
            clinic=api_clinic(request),
            decision_id=decision_id,
            action=Action.ELIGIBILITY_DECIDE,
        )
        payload = AddendumInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        addendum = eligibility_addendum_add(
            acting_user=user, decision=decision, text=payload.validated_data["text"]
        )
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)
