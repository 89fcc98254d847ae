"""The discrepancies' endpoints: each worked through its findings, the DEA notice, Form 106
and its resolution, through the same services as the staff pages (`inventory.counts`). An
adjustment of the ledger on resolving is signed off by a second person, with their own password
in the body, checked like a sign-in.
"""

from __future__ import annotations

import abc
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import (
    ERRORS,
    REFUSED_BY_STATE,
    StaffEndpoint,
    staff_caller,
    validated_body,
)
from ketaclinic.api.permissions import api_clinic
from ketaclinic.api.selectors import witness_get
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, PermissionRefused
from ketaclinic.inventory.api.common import InventoryListEndpoint, field_id
from ketaclinic.inventory.api.inputs import (
    DeaNoticeInputSerializer,
    DiscrepancyFindingsInputSerializer,
    DiscrepancyListQuerySerializer,
    DiscrepancyResolveInputSerializer,
    Form106InputSerializer,
)
from ketaclinic.inventory.api.outputs import DiscrepancySerializer, output_context
from ketaclinic.inventory.counts import (
    DiscrepancyRow,
    discrepancy_assess,
    discrepancy_dea_notice_record,
    discrepancy_form_106_record,
    discrepancy_get,
    discrepancy_list_for_clinic,
    discrepancy_resolve,
)
from ketaclinic.inventory.models import DiscrepancyStatus
from ketaclinic.inventory.services import LARGE_CORRECTION_PERCENT
from ketaclinic.inventory.stock_forms import witness_signature_check

DISCREPANCY_FILTERS: dict[str, DiscrepancyStatus | None] = {
    "open": DiscrepancyStatus.OPEN,
    "resolved": DiscrepancyStatus.RESOLVED,
    "all": None,
}


class DiscrepancyListView(InventoryListEndpoint):
    serializer_class = DiscrepancySerializer

    def get_queryset(self) -> Any:
        # The service's rows carry the deadlines' flags as of today (one query).
        clinic = self.allowed_clinic()
        data = self.query(DiscrepancyListQuerySerializer)
        return discrepancy_list_for_clinic(
            acting_user=staff_caller(self.request),
            clinic=clinic,
            status=DISCREPANCY_FILTERS[data["status"]],
        )

    @extend_schema(
        operation_id="inventory_discrepancies_list",
        summary="Discrepancies, newest first, with their deadlines",
        description="Each count line that did not match the ledger, and each large correction "
        "(an adjustment or a reversal moving a container by more than "
        f"{LARGE_CORRECTION_PERCENT} % of what it was received with: `correction_id`), with its "
        "judgement, the DEA notice's and Form 106's deadlines and dates, and whether any is "
        "overdue (as of the clinic's today). A large adjustment up is stock found, judged not a "
        "loss when it is opened.",
        parameters=[DiscrepancyListQuerySerializer],
        responses={200: DiscrepancySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _discrepancy_response(discrepancy_id: int, clinic: Clinic, user: User) -> Response:
    row = discrepancy_get(acting_user=user, clinic=clinic, discrepancy_id=discrepancy_id)
    return Response(DiscrepancySerializer(row, context=output_context(clinic)).data)


class DiscrepancyDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_discrepancies_retrieve",
        summary="One discrepancy with its findings and deadlines",
        responses={200: DiscrepancySerializer, **ERRORS},
    )
    def get(self, request: Request, discrepancy_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
        return _discrepancy_response(discrepancy_id, clinic, user)


class DiscrepancyWriteEndpoint(StaffEndpoint, abc.ABC):
    """One discrepancy step: permission, the row, the body, then the step's service (`act`)."""

    input_serializer: type[serializers.Serializer]

    def post(self, request: Request, discrepancy_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
        row = discrepancy_get(acting_user=user, clinic=clinic, discrepancy_id=discrepancy_id)
        data = validated_body(self.input_serializer, request)
        self.act(request, user=user, clinic=clinic, row=row, data=data)
        return _discrepancy_response(discrepancy_id, clinic, user)

    @abc.abstractmethod
    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None: ...


class DiscrepancyFindingsView(DiscrepancyWriteEndpoint):
    input_serializer = DiscrepancyFindingsInputSerializer

    @extend_schema(
        operation_id="inventory_discrepancies_findings",
        summary="Record the findings and judge whether it is theft or significant loss",
        description="Appended to the findings, dated and signed. Judged theft or significant "
        "loss, the DEA notice is due one business day after discovery and Form 106 within 45 "
        "days. 409 once resolved, or to undo the judgement after the DEA was notified.",
        request=DiscrepancyFindingsInputSerializer,
        responses={200: DiscrepancySerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, discrepancy_id: int) -> Response:
        return super().post(request, discrepancy_id)

    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None:
        discrepancy_assess(
            acting_user=user,
            discrepancy=row.discrepancy,
            is_theft_or_significant_loss=data["is_theft_or_significant_loss"],
            findings=data["findings"],
        )


class DiscrepancyDeaNoticeView(DiscrepancyWriteEndpoint):
    input_serializer = DeaNoticeInputSerializer

    @extend_schema(
        operation_id="inventory_discrepancies_dea_notice",
        summary="Record the written notice to the DEA",
        description="The day it was sent (neither in the future nor before discovery). 409 "
        "before the judgement of theft or significant loss, or when already recorded.",
        request=DeaNoticeInputSerializer,
        responses={200: DiscrepancySerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, discrepancy_id: int) -> Response:
        return super().post(request, discrepancy_id)

    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None:
        discrepancy_dea_notice_record(
            acting_user=user,
            discrepancy=row.discrepancy,
            sent_on=data["sent_on"],
            note=data["note"],
        )


class DiscrepancyForm106View(DiscrepancyWriteEndpoint):
    input_serializer = Form106InputSerializer

    @extend_schema(
        operation_id="inventory_discrepancies_form_106",
        summary="Record the filing of DEA Form 106",
        description="The day it was filed and its confirmation number. 409 unless judged theft "
        "or significant loss, or when already recorded.",
        request=Form106InputSerializer,
        responses={200: DiscrepancySerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, discrepancy_id: int) -> Response:
        return super().post(request, discrepancy_id)

    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None:
        discrepancy_form_106_record(
            acting_user=user,
            discrepancy=row.discrepancy,
            filed_on=data["filed_on"],
            reference=data["reference"],
        )


_APPROVER_FIELDS = {"approver": "approver_id"}


class DiscrepancyResolveView(DiscrepancyWriteEndpoint):
    input_serializer = DiscrepancyResolveInputSerializer

    @extend_schema(
        operation_id="inventory_discrepancies_resolve",
        summary="Resolve a discrepancy",
        description="With the findings that close it. `adjust_balance: true` corrects the "
        "container by the counted difference (an `adjustment` on the ledger), signed off by a "
        "second person who records stock and signs with their own password (`approver_id`, "
        "`approver_password`, checked like a sign-in); not for a discrepancy opened by a "
        "correction, which is already on the ledger (400). The adjustment may not take the "
        "container below zero or past what it was received with (409). 409 before the "
        "judgement, or for theft or significant loss before the DEA notice and Form 106 are "
        "recorded.",
        request=DiscrepancyResolveInputSerializer,
        responses={200: DiscrepancySerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, discrepancy_id: int) -> Response:
        return super().post(request, discrepancy_id)

    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None:
        approver = _approver(request, clinic, data)
        try:
            discrepancy_resolve(
                acting_user=user,
                discrepancy=row.discrepancy,
                findings=data["findings"],
                adjust_balance=data["adjust_balance"],
                approver=approver,
            )
        except PermissionRefused as error:
            if "approver" not in error.fields:
                raise
            raise InvalidInput(error.message, fields={"approver_id": [error.message]}) from error
        except InvalidInput as error:
            raise field_id(error, _APPROVER_FIELDS) from error


def _approver(request: Request, clinic: Clinic, data: dict[str, Any]) -> User | None:
    """Who signs off the adjustment, having signed with their own password."""
    approver_id = data.get("approver_id")
    password = data.get("approver_password")
    if not data["adjust_balance"]:
        extra: dict[str, list[str]] = {}
        if approver_id:
            extra["approver_id"] = ["Only with `adjust_balance: true`."]
        if password is not None:
            extra["approver_password"] = ["Only with `adjust_balance: true`."]
        if extra:
            raise InvalidInput("Nothing is adjusted, so nobody signs off.", fields=extra)
        return None
    if not approver_id:
        raise InvalidInput(
            "An adjustment is signed off by a second person.",
            fields={"approver_id": ["Required with `adjust_balance: true`."]},
        )
    try:
        approver = witness_get(clinic=clinic, user_id=approver_id)
    except InvalidInput as error:
        raise InvalidInput(
            "The approver must be a member of staff at this clinic.",
            fields={"approver_id": ["No member of staff at this clinic has this id."]},
        ) from error
    try:
        # Asked before the password, as on the staff adjustment page, so that the refusal names
        # the approver rather than reading as the caller's own.
        require_permission(user=approver, action=Action.INVENTORY_RECORD, clinic=clinic)
    except PermissionRefused as error:
        name = approver.full_name or approver.email
        message = f"{name} cannot sign off: {error.message}"
        raise InvalidInput(message, fields={"approver_id": [error.message]}) from error
    if password is None:
        raise InvalidInput(
            "The approver signs with their own password.",
            fields={"approver_password": ["Required with an approver."]},
        )
    witness_signature_check(
        request=request._request, witness=approver, password=password, field="approver_password"
    )
    return approver
