"""Cross-cutting request handling: the request context, database outages answered 503, and
no-store for signed-in pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ketaclinic.core.outage import database_unavailable_response, is_database_unavailable
from ketaclinic.core.request_context import (
    RequestContext,
    client_ip,
    new_request_id,
    reset_request_context,
    set_request_context,
)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = RequestContext(
            request_id=new_request_id(request.headers.get("X-Request-ID")),
            source_ip=client_ip(request, trusted_proxy_count=settings.AXES_IPWARE_PROXY_COUNT),
        )
        request.request_context = context  # type: ignore[attr-defined]  # read by views/audit
        token = set_request_context(context)
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = context.request_id
        return response


class DatabaseUnavailableMiddleware:
    """A view that meets a database outage answers 503 with Retry-After, not 500 (core/outage.py).

    Near the top of MIDDLEWARE, so its `process_exception` is asked after every other's. An
    exception raised by a middleware never reaches here (Django turns it into the 500 handler's
    answer at that layer), which is why the 500 handler recognises an outage too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return database_unavailable_response(request, exception)
        return None


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person may carry patient data: never cache them anywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
