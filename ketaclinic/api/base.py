"""The machinery every app's endpoints share: the error body and the error responses each
operation documents, the caller and the role check before the body, the validated body, and the
two endpoint base classes (`StaffEndpoint`, and `StaffListEndpoint` for a paginated list). An
app's API (`<app>/api/`) builds on these; `ketaclinic.api` sits on the foundation floor so that
it can (docs/architecture.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.errors import error_body
from ketaclinic.api.parsers import ApiJSONParser
from ketaclinic.api.permissions import IsStaffWithSecondFactor, api_clinic

if TYPE_CHECKING:
    from ketaclinic.clinics.models import Clinic

# Built with type(): a declared field called "fields" is fine for DRF (its metaclass moves declared
# fields off the class), but a class body would shadow Serializer.fields for the type checker.
ErrorDetailSerializer = type(
    "ErrorDetailSerializer",
    (serializers.Serializer,),
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "__doc__": "What went wrong: a stable code, a sentence, and messages per input field.",
    },
)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Invalid input",
            value={
                "error": {
                    "code": "invalid_input",
                    "message": "Some fields are not valid.",
                    "fields": {"status": ['"teleported" is not a valid choice.']},
                },
                "request_id": "5b0c8f0e2d6e4f7c9a1b2c3d4e5f6a7b",
            },
            response_only=True,
            status_codes=["400"],
        ),
        OpenApiExample(
            "Token refused",
            value={
                "error": {
                    "code": "authentication_failed",
                    "message": "The API token is not valid, has expired or was revoked.",
                    "fields": {},
                },
                "request_id": "0d6f2b1c9e8a4b7d8c6e5f4a3b2c1d0e",
            },
            response_only=True,
            status_codes=["401"],
        ),
        OpenApiExample(
            "Refused by role",
            value={
                "error": {
                    "code": "permission_refused",
                    "message": (
                        "Your role (Therapist) at Catalyst Clinic does not allow you to "
                        "work the inquiry queue."
                    ),
                    "fields": {},
                },
                "request_id": "9a8b7c6d5e4f40312a1b0c9d8e7f6a5b",
            },
            response_only=True,
            status_codes=["403"],
        ),
        OpenApiExample(
            "Not found (or another clinic's)",
            value={
                "error": {
                    "code": "not_found",
                    "message": "No such patient at this clinic.",
                    "fields": {},
                },
                "request_id": "1f2e3d4c5b6a47988a7b6c5d4e3f2a1b",
            },
            response_only=True,
            status_codes=["404"],
        ),
    ]
)
class ErrorSerializer(serializers.Serializer):
    """The one error body every endpoint returns."""

    error = ErrorDetailSerializer()
    request_id = serializers.CharField(allow_null=True)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed (role, credential or MFA)"),
    404: OpenApiResponse(ErrorSerializer, description="Not found (or not at this clinic)"),
}
REFUSED_BY_STATE = {
    409: OpenApiResponse(ErrorSerializer, description="The record's state does not allow it"),
}


def staff_caller(request: Request) -> User:
    """The staff member calling (by session or by token)."""
    assert isinstance(request.user, User)  # IsStaffWithSecondFactor has let only users through
    return request.user


class StaffEndpoint(APIView):
    permission_classes = [IsStaffWithSecondFactor]
    parser_classes = [ApiJSONParser]


class StaffListEndpoint(generics.ListAPIView):
    # A paginated list, for staff with their second factor. (A comment, not a docstring:
    # drf-spectacular would make it the description of every list without its own.)

    permission_classes = [IsStaffWithSecondFactor]


def endpoint_not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Any other address under /api/v1/: a 404 in the error shape, not the HTML page."""
    hint = " API paths have no trailing slash." if path.endswith("/") else ""
    return JsonResponse(
        error_body(
            "not_found",
            f"There is no endpoint at this address.{hint} The endpoints are listed in "
            "/api/v1/openapi.json.",
        ),
        status=404,
    )


def allowed(request: Request, action: Action) -> tuple[User, Clinic]:
    """The caller and the acting clinic, once the role allows `action` (403 before the body)."""
    user = staff_caller(request)
    clinic = api_clinic(request)
    require_permission(user=user, action=action, clinic=clinic)
    return user, clinic


def validated_body(
    serializer_class: type[serializers.Serializer], request: Request
) -> dict[str, Any]:
    """The request's body, validated by `serializer_class` (400 with its field messages)."""
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    data: dict[str, Any] = payload.validated_data
    return data
