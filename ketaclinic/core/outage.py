"""A database outage answers 503 "try again in a minute", never a 500 with a stack trace.

While PostgreSQL restarts (or the network to it fails) every query raises
`django.db.OperationalError` or `InterfaceError`. That is not a bug in the request: nothing saved
is lost, and the same request sent again in a minute will work. So the answer is 503 with a
`Retry-After` header: the API's error shape for /api/ addresses, a calm page (rendered without the
database) for everything else.

Three places recognise the outage and answer here, because Django turns an exception into the 500
handler's response at the layer where it was raised: `DatabaseUnavailableMiddleware` for views,
the 500 handler (`core.views.server_error`) for middleware and error pages, and the API's
exception handler for DRF views (which catch their own exceptions).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from ketaclinic.core.errors import api_error_body

logger = logging.getLogger("ketaclinic.outage")

RETRY_AFTER_SECONDS = 60
UNAVAILABLE_CODE = "service_unavailable"
API_MESSAGE = (
    "The clinic's database is not answering right now; the records already saved are safe. "
    "Send the request again in a minute (a write sent again with the same Idempotency-Key is "
    "stored once)."
)
# Shown if even the page's template cannot be rendered (e.g. static files not collected).
_PLAIN_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Back in a minute'
    "</title></head><body><h1>Back in a minute</h1><p>ketaclinic cannot reach its database just "
    "now. The clinic's records are safe: nothing saved before is lost.</p><p>Please try again "
    "in a minute. If you were saving something, check that it is there once this page works "
    "again.</p></body></html>"
)


def is_database_unavailable(error: BaseException | None) -> bool:
    """The database cannot be reached or dropped the connection (also when re-raised `from`)."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__
        seen += 1
    return False


def discard_broken_connections() -> None:
    """Close connections the server has dropped, so the next request connects afresh.

    Django does the same when the request finishes (`close_old_connections`); doing it here too
    means nothing later in this request reuses a dead connection. Never inside a transaction.
    """
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue
        try:
            connection.close_if_unusable_or_obsolete()
        except DatabaseError:  # closing a dead socket may complain; it is gone either way
            connection.connection = None


def log_database_unavailable(request: HttpRequest, error: BaseException) -> None:
    first_line = (str(error).strip().splitlines() or [""])[0]
    logger.error(
        "Database unavailable: answered 503 to %s %s (%s: %s)",
        request.method,
        request.path,
        type(error).__name__,
        first_line,
    )


def database_unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """503 with Retry-After: the API's error shape, or the calm page. Uses no database."""
    log_database_unavailable(request, error)
    discard_broken_connections()
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(api_error_body(UNAVAILABLE_CODE, API_MESSAGE), status=503)
    else:
        response = HttpResponse(_page(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _page() -> str:
    # No request is passed, so no context processor runs (they read the signed-in user and the
    # clinic from the database).
    try:
        return render_to_string("503.html")
    except Exception:  # the outage page must always answer
        logger.exception("The 503 page could not be rendered; answering the plain version")
        return _PLAIN_PAGE
