"""drf-spectacular extensions: describe both ways of authenticating in the OpenAPI document, and
name the enums drf-spectacular cannot name by itself."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
)

from ketaclinic.api.fields import NamedEnum
from ketaclinic.courses.models import CourseStatus
from ketaclinic.intake.models import TRIAL_OUTCOME_CHOICES
from ketaclinic.scheduling.models import AppointmentStatus


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ketaclinic.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Token <prefix>.<secret>`, issued by a clinic admin on the "
                "API tokens page of the staff app and shown once. A token acts as one staff "
                "member, with that person's role, at the one clinic it was issued for; it can "
                "expire and be revoked. A refused token is answered 401 and recorded in the "
                "audit trail."
            ),
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    """Replaces drf-spectacular's own cookie scheme (priority -1) to say what the session needs."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    name = "cookieAuth"
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "The staff app's signed-in session, for its own pages. Unsafe methods (POST, PUT, "
                "PATCH) "
                f"need the CSRF token from the `{settings.CSRF_COOKIE_NAME}` cookie in the "
                f"`{settings.CSRF_HEADER_NAME.removeprefix('HTTP_').replace('_', '-')}` header, "
                "and the staff member must have set up two-step sign-in."
            ),
        }


class TrialOutcomeEnum(NamedEnum):
    """An antidepressant trial's `outcome` (the eligibility decision's is `OutcomeEnum`)."""

    target_class = "ketaclinic.api.inputs.TrialOutcomeField"
    component_name = "TrialOutcomeEnum"
    choices = list(TRIAL_OUTCOME_CHOICES)


class CourseStatusEnum(NamedEnum):
    target_class = "ketaclinic.api.inputs.CourseStatusField"
    component_name = "CourseStatusEnum"
    choices = list(CourseStatus.choices)


class AppointmentStatusEnum(NamedEnum):
    target_class = "ketaclinic.api.inputs.AppointmentStatusField"
    component_name = "AppointmentStatusEnum"
    choices = list(AppointmentStatus.choices)
