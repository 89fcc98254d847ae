"""drf-spectacular extensions: describe both ways of authenticating in the OpenAPI document (a
staff member's API token and their signed-in session). The named enums are api/fields.py's
`NamedEnum`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
)


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
