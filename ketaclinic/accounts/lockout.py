"""django-axes hooks: which account an attempt is for, and what a locked-out person sees.

Axes locks the combination of account and address (settings.AXES_LOCKOUT_PARAMETERS), so the
address (AXES_CLIENT_IP_CALLABLE: attempts.client_network, as the other limits count it) must be
the client's: behind a proxy, the forwarded one that TRUSTED_PROXY_COUNT trusts (axes alone would
see only the proxy's, and lock the account everywhere); and an IPv6 /64 is one address, or a
stranger could try each password from a fresh address of their own network.

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
ADDRESS_PAUSED_MESSAGE = (
    "Too many failed sign-in attempts from this network. Sign-in from here is paused for "
    "{minutes} minutes."
)
SECOND_STEP_PAUSED_MESSAGE = (
    "Too many wrong codes. The second step of sign-in for this account is paused for {minutes} "
    "minutes on this network. If you cannot wait, ask your clinic."
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


def address_paused_message(*, minutes: int) -> str:
    """The password step, when one network has failed too often (whatever the account)."""
    return ADDRESS_PAUSED_MESSAGE.format(minutes=minutes)


def second_step_paused_message(*, minutes: int) -> str:
    return SECOND_STEP_PAUSED_MESSAGE.format(minutes=minutes)


def locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    # Rendered now: axes answers from middleware, where a TemplateResponse would stay unrendered.
    return render(
        request, "accounts/locked_out.html", {"message": locked_out_message()}, status=429
    )
