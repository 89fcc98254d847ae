"""The clinic admin's API token page. The plaintext token is shown once, from the session."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.forms import ApiTokenIssueForm
from ketaclinic.api.models import ApiToken
from ketaclinic.api.services import api_token_issue, api_token_revoke
from ketaclinic.core.errors import DomainError

NEW_TOKEN_SESSION_KEY = "ketaclinic.new_api_token"  # noqa: S105  (a session key name)


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.API_TOKEN_MANAGE, clinic=clinic)
    form = ApiTokenIssueForm(request.POST or None, clinic_id=clinic.pk)
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        try:
            token, plaintext = api_token_issue(
                acting_user=user,
                clinic=clinic,
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                expires_at=(
                    datetime.datetime.combine(expires_on, datetime.time.min, tzinfo=clinic.zone)
                    if expires_on
                    else None
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {"name": token.name, "token": plaintext}
            return redirect("api_tokens")
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(clinic=clinic).select_related("user", "created_by"),
            "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            "nav": "api_tokens",
        },
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.API_TOKEN_MANAGE, clinic=clinic)
    token = get_object_or_404(ApiToken, pk=token_id, clinic=clinic)
    try:
        api_token_revoke(acting_user=user, token=token)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Revoked “{token.name}”. Calls with it are refused from now on.")
    return redirect("api_tokens")
