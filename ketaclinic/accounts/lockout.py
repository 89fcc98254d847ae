"""django-axes hooks: which account an attempt is for, and what a locked-out person sees.

The answer is the same whether or not the account exists, so the lockout cannot be used to find
out which email addresses have accounts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKED_OUT_MESSAGE = (
    "Too many failed sign-in attempts. Sign-in for this account is paused for {minutes} minutes. "
    "If you need access sooner, ask your clinic admin."
)


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    raw = ""
    if credentials:
        raw = credentials.get("email") or credentials.get("username") or ""
    if not raw and request is not None and hasattr(request, "POST"):
        raw = request.POST.get("login", "")
    return str(raw).strip().lower()


def locked_out_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return LOCKED_OUT_MESSAGE.format(minutes=minutes)


def locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    # Rendered now: axes answers from middleware, where a TemplateResponse would stay unrendered.
    return render(
        request, "accounts/locked_out.html", {"message": locked_out_message()}, status=429
    )
