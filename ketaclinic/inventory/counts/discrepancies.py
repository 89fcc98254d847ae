"""Discrepancies: judging theft or significant loss, the DEA notice and Form 106 with their
deadlines (21 CFR 1301.76(b)), resolving with or without an adjustment, and the list of
discrepancies with what is overdue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound, PreconditionFailed
from ketaclinic.inventory.counts.history import Amounts, signed_amount
from ketaclinic.inventory.counts.regulatory import dea_notice_due_on, form_106_due_on
from ketaclinic.inventory.models import (
    Container,
    Discrepancy,
    DiscrepancyStatus,
    Movement,
    StockCountLine,
)
from ketaclinic.inventory.services import stock_adjust

# --- Investigating and reporting --------------------------------------------------------------


def _lock_discrepancy(discrepancy: Discrepancy) -> Discrepancy:
    return (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related(
            "clinic",
            "count_line__container__lot__product",
            "count_line__count",
            "correction__container__lot__product",
        )
        .get(pk=discrepancy.pk)
    )


def _discovered_on(discrepancy: Discrepancy) -> datetime.date:
    return discrepancy.discovered_at.astimezone(discrepancy.clinic.zone).date()


def _append_findings(discrepancy: Discrepancy, *, user: User, text: str) -> None:
    """Findings are a running record: each entry is dated and signed, none is rewritten."""
    stamp = timezone.now().astimezone(discrepancy.clinic.zone)
    entry = f"{stamp:%Y-%m-%d %H:%M} {user.full_name or user.email}: {text.strip()}"
    discrepancy.findings = f"{discrepancy.findings}\n{entry}" if discrepancy.findings else entry


def _require_open(discrepancy: Discrepancy) -> None:
    if discrepancy.status != DiscrepancyStatus.OPEN:
        raise PreconditionFailed("This discrepancy has been resolved; it is kept as it was.")


def _require_text(text: str, *, field: str, message: str) -> None:
    if not text.strip():
        raise InvalidInput(message, fields={field: ["Required."]})
    if len(text) > 4000:
        raise InvalidInput("Keep each entry under 4,000 characters.", fields={field: ["Too long."]})


def _check_report_date(discrepancy: Discrepancy, day: datetime.date, *, field: str) -> None:
    if day > discrepancy.clinic.local_today():
        raise InvalidInput("That date is in the future.", fields={field: ["Not in the future."]})
    if day < _discovered_on(discrepancy):
        raise InvalidInput(
            "That date is before the discrepancy was discovered.",
            fields={field: ["On or after the day of discovery."]},
        )


def _audit_discrepancy(
    discrepancy: Discrepancy, *, user: User, event: str, **detail: object
) -> None:
    audit_record(
        actor=user,
        action=AuditAction.INVENTORY_DISCREPANCY,
        clinic=discrepancy.clinic,
        subject=discrepancy,
        detail={"event": event, **detail},
    )


@transaction.atomic
def discrepancy_assess(
    *,
    acting_user: User,
    discrepancy: Discrepancy,
    is_theft_or_significant_loss: bool,
    findings: str,
) -> Discrepancy:
    """Record what the investigation found and judge whether it is theft or a significant loss
    (21 CFR 1301.76(b) lists the factors). If it is, the DEA notice is due one business day
    after discovery and Form 106 within 45 days; the deadlines run from discovery, not from
    the judgement."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=discrepancy.clinic)
    locked = _lock_discrepancy(discrepancy)
    _require_open(locked)
    _require_text(findings, field="findings", message="Record what the investigation found.")
    already_reported = locked.dea_notice_sent_on or locked.form_106_filed_on
    if not is_theft_or_significant_loss and already_reported:
        raise PreconditionFailed(
            "The DEA has already been notified of this loss; it stays judged as theft or "
            "significant loss. Record further findings when resolving it."
        )
    locked.is_theft_or_significant_loss = is_theft_or_significant_loss
    discovered_on = _discovered_on(locked)
    if is_theft_or_significant_loss:
        locked.dea_notice_due_on = dea_notice_due_on(discovered_on)
        locked.form_106_due_on = form_106_due_on(discovered_on)
    else:
        locked.dea_notice_due_on = None
        locked.form_106_due_on = None
    judgement = (
        "Judged theft or significant loss"
        if is_theft_or_significant_loss
        else "Judged not theft or significant loss"
    )
    _append_findings(locked, user=acting_user, text=f"{judgement}. {findings.strip()}")
    locked.save()
    _audit_discrepancy(
        locked,
        user=acting_user,
        event="assessed",
        is_theft_or_significant_loss=is_theft_or_significant_loss,
    )
    return locked


@transaction.atomic
def discrepancy_dea_notice_record(
    *, acting_user: User, discrepancy: Discrepancy, sent_on: datetime.date, note: str = ""
) -> Discrepancy:
    """The written notice to the DEA Field Division Office was sent on `sent_on`."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=discrepancy.clinic)
    locked = _lock_discrepancy(discrepancy)
    _require_open(locked)
    if not locked.is_theft_or_significant_loss:
        raise PreconditionFailed(
            "Record the judgement of theft or significant loss before the DEA notice."
        )
    if locked.dea_notice_sent_on is not None:
        raise PreconditionFailed(
            f"The DEA notice is already recorded as sent on {locked.dea_notice_sent_on:%d %b %Y}."
        )
    _check_report_date(locked, sent_on, field="sent_on")
    if len(note) > 4000:
        raise InvalidInput("Keep the note under 4,000 characters.", fields={"note": ["Too long."]})
    locked.dea_notice_sent_on = sent_on
    text = f"DEA notice sent on {sent_on:%Y-%m-%d}."
    if locked.dea_notice_due_on and sent_on > locked.dea_notice_due_on:
        text += f" (It was due on {locked.dea_notice_due_on:%Y-%m-%d}.)"
    _append_findings(locked, user=acting_user, text=f"{text} {note.strip()}")
    locked.save()
    _audit_discrepancy(
        locked, user=acting_user, event="dea_notice_sent", sent_on=sent_on.isoformat()
    )
    return locked


@transaction.atomic
def discrepancy_form_106_record(
    *, acting_user: User, discrepancy: Discrepancy, filed_on: datetime.date, reference: str
) -> Discrepancy:
    """DEA Form 106 was filed (electronically) on `filed_on`, with its confirmation number."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=discrepancy.clinic)
    locked = _lock_discrepancy(discrepancy)
    _require_open(locked)
    if not locked.is_theft_or_significant_loss:
        raise PreconditionFailed("Form 106 is filed for theft or significant loss only.")
    if locked.form_106_filed_on is not None:
        raise PreconditionFailed(
            f"Form 106 is already recorded as filed on {locked.form_106_filed_on:%d %b %Y}."
        )
    _check_report_date(locked, filed_on, field="filed_on")
    _require_text(reference, field="reference", message="Give the Form 106 confirmation number.")
    if len(reference) > 100:
        raise InvalidInput("At most 100 characters.", fields={"reference": ["Too long."]})
    locked.form_106_filed_on = filed_on
    text = f"DEA Form 106 filed on {filed_on:%Y-%m-%d}, confirmation {reference.strip()}."
    if locked.form_106_due_on and filed_on > locked.form_106_due_on:
        text += f" (It was due on {locked.form_106_due_on:%Y-%m-%d}.)"
    _append_findings(locked, user=acting_user, text=text)
    locked.save()
    _audit_discrepancy(
        locked,
        user=acting_user,
        event="form_106_filed",
        filed_on=filed_on.isoformat(),
        reference=reference.strip(),
    )
    return locked


@transaction.atomic
def discrepancy_resolve(
    *,
    acting_user: User,
    discrepancy: Discrepancy,
    findings: str,
    adjust_balance: bool = False,
    approver: User | None = None,
) -> Discrepancy:
    """Close the task with its findings. When the ledger was wrong, `adjust_balance` corrects
    the container by the counted difference through `stock_adjust` (a reason and a second
    person's sign-off); the adjustment names the discrepancy and the findings name the entry.
    A discrepancy opened by a correction is not adjusted again: the correction is the entry."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=discrepancy.clinic)
    locked = _lock_discrepancy(discrepancy)
    _require_open(locked)
    _require_text(findings, field="findings", message="Record the findings that resolve it.")
    line = locked.count_line
    if adjust_balance and line is None:
        raise InvalidInput(
            "This discrepancy was opened by a correction that is already on the ledger; record "
            "the findings without adjusting again (a further correction is its own adjustment).",
            fields={"adjust_balance": ["Already on the ledger."]},
        )
    if locked.is_theft_or_significant_loss is None:
        raise PreconditionFailed(
            "Judge first whether this is theft or a significant loss (DEA reporting depends on it)."
        )
    if locked.is_theft_or_significant_loss and (
        locked.dea_notice_sent_on is None or locked.form_106_filed_on is None
    ):
        raise PreconditionFailed(
            "A theft or significant loss is resolved only after the DEA notice is sent and "
            "Form 106 is filed."
        )
    movement: Movement | None = None
    if adjust_balance:
        assert line is not None
        product = line.container.lot.product
        try:
            movement = stock_adjust(
                acting_user=acting_user,
                container=line.container,
                delta=line.difference,
                approver=approver,
                flag_large_correction=False,  # it settles this discrepancy
                reason=(
                    f"Count discrepancy #{locked.pk} ({line.count.get_kind_display().lower()} "
                    f"of {locked.discovered_at.astimezone(locked.clinic.zone):%Y-%m-%d}): "
                    f"{findings.strip()}"
                )[:500],
            )
        except InvalidInput as error:
            if "quantity" not in error.fields:
                raise
            # Nobody typed the amount: the ledger has moved since the count.
            raise PreconditionFailed(
                f"{error.message} The ledger has changed since the count; count it again."
            ) from error
        text = (
            f"Resolved. {findings.strip()} Ledger corrected by adjustment #{movement.pk} "
            f"({signed_amount(product, line.difference)}), signed off by "
            f"{approver.full_name if approver else ''}."
        )
    else:
        text = f"Resolved. {findings.strip()} No adjustment to the ledger."
    _append_findings(locked, user=acting_user, text=text)
    locked.status = DiscrepancyStatus.RESOLVED
    locked.resolved_by = acting_user
    locked.resolved_at = timezone.now()
    locked.save()
    _audit_discrepancy(
        locked,
        user=acting_user,
        event="resolved",
        adjustment_movement_id=movement.pk if movement else None,
    )
    return locked


# --- Reading discrepancies --------------------------------------------------------------------


@dataclass(frozen=True)
class DiscrepancyRow:
    """A discrepancy with its deadlines as of `today` in the clinic's time zone."""

    discrepancy: Discrepancy
    discovered_on: datetime.date
    # Until judged, the notice would be due this day if it proves to be theft or significant loss.
    notice_due_on: datetime.date
    is_judgement_overdue: bool
    is_dea_notice_overdue: bool
    is_form_106_overdue: bool

    @property
    def is_overdue(self) -> bool:
        return self.is_judgement_overdue or self.is_dea_notice_overdue or self.is_form_106_overdue

    @property
    def line(self) -> StockCountLine | None:
        """The count line that opened it; None when a correction did."""
        return self.discrepancy.count_line

    @property
    def correction(self) -> Movement | None:
        """The adjustment or reversal that opened it; None when a count did."""
        return self.discrepancy.correction

    @property
    def container(self) -> Container:
        return self.discrepancy.container

    @property
    def amounts(self) -> Amounts:
        line = self.discrepancy.count_line
        product = self.container.lot.product
        if line is not None:
            return Amounts(product=product, expected=line.expected, counted=line.counted)
        correction = self.discrepancy.correction
        assert correction is not None
        before = int(correction.detail.get("balance_before", 0))
        return Amounts(
            product=product, expected=before, counted=before + correction.container_delta
        )


def discrepancy_row(discrepancy: Discrepancy, *, today: datetime.date) -> DiscrepancyRow:
    discovered_on = _discovered_on(discrepancy)
    is_open = discrepancy.status == DiscrepancyStatus.OPEN
    judged_theft = discrepancy.is_theft_or_significant_loss is True
    notice_due = discrepancy.dea_notice_due_on or dea_notice_due_on(discovered_on)
    form_due = discrepancy.form_106_due_on or form_106_due_on(discovered_on)
    return DiscrepancyRow(
        discrepancy=discrepancy,
        discovered_on=discovered_on,
        notice_due_on=notice_due,
        is_judgement_overdue=(
            is_open and discrepancy.is_theft_or_significant_loss is None and today > notice_due
        ),
        is_dea_notice_overdue=(
            judged_theft and discrepancy.dea_notice_sent_on is None and today > notice_due
        ),
        is_form_106_overdue=(
            judged_theft and discrepancy.form_106_filed_on is None and today > form_due
        ),
    )


def _discrepancies(clinic: Clinic) -> QuerySet[Discrepancy]:
    return Discrepancy.objects.filter(clinic=clinic).select_related(
        "clinic",
        "count_line__container__lot__product",
        "count_line__count__location",
        "count_line__count__counted_by",
        "correction__container__lot__product",
        "correction__recorded_by",
        "correction__witness",
        "resolved_by",
    )


def discrepancy_list_for_clinic(
    *, acting_user: User, clinic: Clinic, status: DiscrepancyStatus | None = DiscrepancyStatus.OPEN
) -> list[DiscrepancyRow]:
    """Discrepancies, newest first, each with its overdue flags (one query)."""
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    discrepancies = _discrepancies(clinic)
    if status is not None:
        discrepancies = discrepancies.filter(status=status)
    today = clinic.local_today()
    return [
        discrepancy_row(discrepancy, today=today)
        for discrepancy in discrepancies.order_by("-discovered_at", "-id")
    ]


def discrepancy_get(*, acting_user: User, clinic: Clinic, discrepancy_id: int) -> DiscrepancyRow:
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    discrepancy = _discrepancies(clinic).filter(pk=discrepancy_id).first()
    if discrepancy is None:
        raise NotFound("No such discrepancy at this clinic.")
    return discrepancy_row(discrepancy, today=clinic.local_today())
