"""The dose: computed from the signed order and today's weight and drawn from the ledger
(`dose_prepare`), checked blind by a second clinician (`dose_verify`), or discarded with its
whole draw wasted before a witness (`dose_discard`).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.charting.models import (
    DoseContainer,
    DosePreparation,
    SessionRoute,
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.services.common import (
    _audit,
    _clinical,
    _lock,
    _require_open,
    charted_time,
)
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.courses.selectors import dose_order_valid_at
from ketaclinic.inventory.models import Container, ProductForm
from ketaclinic.inventory.services import container_draw, draw_waste
from ketaclinic.medicine.body_weight import Sex, dosing_weight
from ketaclinic.medicine.dosing import (
    DEFAULT_DILUENT_BAG_ML,
    esketamine_dose,
    plan_iv_infusion,
)
from ketaclinic.medicine.dosing import (
    Container as PlanContainer,
)
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.medications import (
    dose_text,
)
from ketaclinic.medicine.protocols import protocol_get


def active_preparation(session: TreatmentSession) -> DosePreparation | None:
    return (
        session.preparations.filter(discarded_at__isnull=True)
        .select_related("draw", "draw__container__lot__product")
        .first()
    )


def _sex(session: TreatmentSession) -> Sex:
    try:
        return Sex(session.patient.sex_at_birth)
    except ValueError as error:
        raise PreconditionFailed(
            "The patient's sex at birth is not recorded as female or male, which the ideal "
            "body weight formula needs; a physician sets the dosing weight."
        ) from error


@transaction.atomic
def dose_prepare(
    *,
    acting_user: User,
    session: TreatmentSession,
    container: Container,
    dose: Decimal | None = None,
    dose_change_reason: str = "",
    bag_or_syringe: str = DoseContainer.BAG,
    diluent_volume_ml: Decimal = DEFAULT_DILUENT_BAG_ML,
    syringe_concentration_mg_per_ml: Decimal = Decimal("1"),
    diluent_lot: str = "",
    diluent_expires_on: datetime.date | None = None,
    prepared_at: datetime.datetime | None = None,
) -> DosePreparation:
    """Compute the dose from the signed order and today's weight, draw it from a labelled
    container and record the preparation; the draw is posted to the ledger in this transaction.

    A dose other than the order's needs a physician (acting) and a reason.
    """
    require_permission(user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=session.clinic)
    locked = _lock(session.pk)
    _require_open(locked)
    if locked.started_at is not None:
        raise PreconditionFailed("The treatment has started; the dose cannot be prepared again.")
    if active_preparation(locked) is not None:
        raise Conflict(
            "A dose is already prepared for this session. Discard it (with a witness for the "
            "waste) to prepare another."
        )
    when = charted_time(locked, prepared_at, field="prepared_at")
    if diluent_expires_on is not None and diluent_expires_on < timezone.localdate(
        when, locked.clinic.zone
    ):
        raise InvalidInput(
            "That diluent bag has expired.", fields={"diluent_expires_on": ["Expired."]}
        )
    order = dose_order_valid_at(course=locked.course, moment=when)
    if order is None:
        raise PreconditionFailed(
            "There is no signed dose order in date for this course; a physician signs one first."
        )
    protocol = protocol_get(locked.protocol_key)
    chosen = order.dose if dose is None else dose
    reason = dose_change_reason.strip()
    changed_by: User | None = None
    if chosen != order.dose:
        if not reason:
            raise InvalidInput(
                f"The order is {dose_text(order.dose, order.dose_unit)}; a different dose needs "
                "a physician's reason.",
                fields={"dose": ["Differs from the order."], "dose_change_reason": ["Required."]},
            )
        require_permission(user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=locked.clinic)
        changed_by = acting_user
    locked_product = container.lot.product
    is_esketamine = locked.route == SessionRoute.ESKETAMINE
    if is_esketamine != (locked_product.form == ProductForm.DEVICE_KIT):
        raise InvalidInput(
            f"{locked_product.name} is not what this session gives.",
            fields={"container": ["Wrong product for this session."]},
        )
    warnings: list[str] = []
    if is_esketamine:
        first = not TreatmentSession.objects.filter(
            course=locked.course, status=SessionStatus.DISCHARGED
        ).exists()
        try:
            esk = esketamine_dose(
                protocol=protocol,
                age_years=locked.patient.age_on(timezone.localdate(when, locked.clinic.zone)),
                is_first_session=first,
                requested_mg=chosen,
            )
        except ClinicalRuleError as error:
            raise _clinical(error, "dose") from error
        warnings.extend(esk.warnings)
        draw = container_draw(
            acting_user=acting_user,
            container=container,
            quantity=esk.devices,
            appointment=locked.appointment,
            occurred_at=when if prepared_at is not None else None,
        )
        preparation = DosePreparation.objects.create(
            clinic=locked.clinic,
            session=locked,
            order=order,
            draw=draw,
            container_kind=DoseContainer.DEVICES,
            ordered_dose=order.dose,
            dose=esk.dose_mg,
            dose_unit=order.dose_unit,
            dose_mg=esk.dose_mg,
            dose_change_reason=reason if changed_by else "",
            dose_changed_by=changed_by,
            devices=esk.devices,
            plan={
                "protocol": protocol.key,
                "first_session": first,
                "dose_mg": str(esk.dose_mg),
                "devices": esk.devices,
                "minutes_between_devices": esk.minutes_between_devices,
            },
            warnings=warnings,
            prepared_by=acting_user,
            prepared_at=when,
        )
    else:
        if locked.weight_kg is None or locked.height_cm is None:
            raise PreconditionFailed("Record today's weight (and height) before the dose.")
        if locked_product.strength_mg_per_ml is None:
            raise InvalidInput("That container has no strength on record.")
        try:
            weight = dosing_weight(
                weight_kg=locked.weight_kg,
                height_cm=locked.height_cm,
                sex=_sex(locked),
                rule=protocol.weight_rule,
            )
            plan = plan_iv_infusion(
                protocol=protocol,
                dosing_weight=weight,
                dose_mg_per_kg=chosen,
                vial_mg_per_ml=locked_product.strength_mg_per_ml.normalize(),
                container=PlanContainer(bag_or_syringe),
                diluent_volume_ml=diluent_volume_ml,
                syringe_concentration_mg_per_ml=syringe_concentration_mg_per_ml,
                override_reason=reason if chosen > protocol.cap else "",
            )
        except (ClinicalRuleError, ValueError) as error:
            message = error.message if isinstance(error, ClinicalRuleError) else str(error)
            raise InvalidInput(message, fields={"dose": [message]}) from error
        # Drawn volume in µL, rounded up so the prepared dose is never short.
        units = int((plan.drug_volume_ml * 1000).to_integral_value(rounding=ROUND_CEILING))
        draw = container_draw(
            acting_user=acting_user,
            container=container,
            quantity=units,
            appointment=locked.appointment,
            occurred_at=when if prepared_at is not None else None,
        )
        preparation = DosePreparation.objects.create(
            clinic=locked.clinic,
            session=locked,
            order=order,
            draw=draw,
            container_kind=DoseContainer(bag_or_syringe),
            weight_kg=locked.weight_kg,
            dosing_weight_kg=weight.weight_kg,
            weight_basis=weight.basis.value,
            weight_reason=weight.reason[:200],
            ordered_dose=order.dose,
            dose=chosen,
            dose_unit=order.dose_unit,
            dose_mg=plan.dose_mg,
            dose_change_reason=reason if changed_by else "",
            dose_changed_by=changed_by,
            vial_mg_per_ml=plan.vial_mg_per_ml,
            drug_volume_ml=plan.drug_volume_ml,
            diluent_volume_ml=plan.diluent_volume_ml,
            total_volume_ml=plan.total_volume_ml,
            concentration_mg_per_ml=plan.final_concentration_mg_per_ml,
            duration_min=plan.duration_min,
            rate_ml_per_h=plan.rate_ml_per_h,
            diluent_lot=diluent_lot.strip()[:64],
            diluent_expires_on=diluent_expires_on,
            plan=_plan_json(plan, weight),
            warnings=list(plan.warnings),
            prepared_by=acting_user,
            prepared_at=when,
        )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_DOSE_PREPARED,
        session=locked,
        subject=preparation,
        detail={
            "dose_mg": str(preparation.dose_mg),
            "ordered": str(order.dose),
            "dose": str(preparation.dose),
            "changed_by_physician": changed_by is not None,
            "draw": draw.pk,
        },
    )
    return preparation


def _plan_json(plan: Any, weight: Any) -> dict[str, Any]:
    # f"{:f}": never an exponent in the stored plan (a normalized 100 mg/mL vial is 1E+2).
    figures = {
        key: (f"{value:f}" if isinstance(value, Decimal) else value)
        for key, value in vars(plan).items()
    }
    figures["container"] = str(plan.container.value)
    figures["warnings"] = list(plan.warnings)
    figures["rounding_note"] = plan.rounding_note
    figures["weight"] = {
        "actual_kg": f"{weight.body.weight_kg:f}",
        "ideal_kg": f"{weight.body.ideal_weight_kg:f}",
        "adjusted_kg": f"{weight.body.adjusted_weight_kg:f}",
        "bmi": f"{weight.body.bmi:f}",
        "basis": weight.basis.value,
        "dosing_kg": f"{weight.weight_kg:f}",
        "reason": weight.reason,
    }
    return figures


@transaction.atomic
def dose_verify(
    *,
    acting_user: User,
    preparation: DosePreparation,
    dose_mg: Decimal,
    rate_ml_per_h: Decimal | None = None,
    devices: int | None = None,
) -> DosePreparation:
    """A second clinician checks the prepared dose independently: they read the label and the
    pump and type what they see, which must match what was computed. The check is blind: a
    mismatch names the fields that differ, never the prepared values (which the verifier would
    otherwise copy)."""
    require_permission(user=acting_user, action=Action.DOSE_VERIFY, clinic=preparation.clinic)
    session = _lock(preparation.session_id)
    _require_open(session)
    locked = DosePreparation.objects.select_for_update().get(pk=preparation.pk)
    if locked.discarded_at is not None:
        raise PreconditionFailed("That preparation was discarded.")
    if locked.verified_at is not None:
        raise Conflict("This dose is already verified.")
    if locked.prepared_by_id == acting_user.pk:
        raise PreconditionFailed(
            "The verifying clinician must be someone other than the one who prepared the dose."
        )
    mismatches: dict[str, list[str]] = {}
    if dose_mg != locked.dose_mg:
        mismatches["dose_mg"] = ["Does not match the prepared dose."]
    if session.route == SessionRoute.ESKETAMINE:
        if devices != locked.devices:
            mismatches["devices"] = ["Does not match the prepared devices."]
    elif rate_ml_per_h != locked.rate_ml_per_h:
        mismatches["rate_ml_per_h"] = ["Does not match the computed pump rate."]
    if mismatches:
        raise InvalidInput(
            "What you read does not match the prepared dose: stop, check the label and the "
            "pump together, and discard the preparation if it is wrong.",
            fields=mismatches,
        )
    locked.verified_by = acting_user
    locked.verified_at = timezone.now()
    locked.save(update_fields=["verified_by", "verified_at", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_DOSE_VERIFIED,
        session=session,
        subject=locked,
        detail={"dose_mg": str(locked.dose_mg)},
    )
    return locked


@transaction.atomic
def dose_discard(
    *,
    acting_user: User,
    preparation: DosePreparation,
    reason: str,
    witness: User | None,
) -> DosePreparation:
    """A preparation found wrong (or not given) is discarded: its whole draw is wasted with a
    witness in this transaction."""
    require_permission(
        user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=preparation.clinic
    )
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why it is discarded.", fields={"reason": ["Required."]})
    session = _lock(preparation.session_id)
    _require_open(session)
    locked = DosePreparation.objects.select_for_update().get(pk=preparation.pk)
    if locked.discarded_at is not None:
        raise Conflict("That preparation was already discarded.")
    if session.started_at is not None and locked.pk == getattr(
        active_preparation(session), "pk", None
    ):
        raise PreconditionFailed(
            "The treatment started with this dose; record what was given and waste the rest."
        )
    draw = locked.draw
    draw.refresh_from_db()
    if draw.balance > 0:
        draw_waste(
            acting_user=acting_user,
            draw=draw,
            quantity=draw.balance,
            reason=f"Preparation discarded: {reason}",
            witness=witness,
        )
    locked.discarded_at = timezone.now()
    locked.discarded_by = acting_user
    locked.discard_reason = reason[:500]
    locked.save(update_fields=["discarded_at", "discarded_by", "discard_reason", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=session,
        subject=locked,
        detail={"discarded": True, "reason": reason},
    )
    return locked
