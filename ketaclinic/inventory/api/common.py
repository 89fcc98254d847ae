"""What the stock API's endpoints share: the list base (the clinic's permission before its
query is read), the body, and the service's field names turned into the body's."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import StaffListEndpoint, staff_caller
from ketaclinic.api.permissions import api_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inventory.api.outputs import output_context


class InventoryListEndpoint(StaffListEndpoint):
    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, **output_context(api_clinic(self.request))}

    def allowed_clinic(self) -> Clinic:
        clinic = api_clinic(self.request)
        # Permission before the query is read.
        require_permission(
            user=staff_caller(self.request), action=Action.INVENTORY_VIEW, clinic=clinic
        )
        return clinic

    def query(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data: dict[str, Any] = query.validated_data
        return data


def field_id(error: InvalidInput, names: dict[str, str]) -> InvalidInput:
    """The service's field messages under the names of the API's body (`location` →
    `location_id`)."""
    fields = {names.get(key, key): value for key, value in error.fields.items()}
    return InvalidInput(error.message, fields=fields)
