"""Health check and the error pages."""

from __future__ import annotations

import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ketaclinic.core.errors import api_error_body
from ketaclinic.core.health import health_checks
from ketaclinic.core.outage import (
    RETRY_AFTER_SECONDS,
    database_unavailable_response,
    discard_broken_connections,
    is_database_unavailable,
)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 when it does not.

    The apps' registered checks add their part (core.health): e.g. `"audit": {"unsealed": 3,
    "oldest_unsealed_seconds": 1}`, and `"audit_sealer": "behind"` when events have waited over
    AUDIT_UNSEALED_ALERT_SECONDS. Still a 200: the sealer is one process for every server, and a
    503 would take them all out of the load balancer at once (docs/operations.md).
    """
    body: dict[str, object] = {"status": "ok", "database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        for name, check in health_checks().items():
            report = check()
            body[name] = report.details
            body.update(report.warnings)
    except DatabaseError:
        discard_broken_connections()  # the next check connects afresh
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse(body)


_API_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        # API clients get the API's one error shape, even from Django's own error handlers.
        return JsonResponse(api_error_body(_API_CODES[status], message), status=status)
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "Not allowed", "You do not have access to this page.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "Not found", "There is nothing at this address.")


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception: a database outage raised by a middleware
    # (the session, the signed-in user) or by an error page's rendering is a 503, not a 500.
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        assert error is not None
        return database_unavailable_response(request, error)
    return _error_page(
        request,
        500,
        "Something went wrong",
        "The error has been logged. Nothing you saved before this page has been lost.",
    )
