"""The clinic admin's API token page. The plaintext token is shown once, from the session."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ketaclinic.accounts.http import acting_user
from ketaclinic.api.forms import ApiTokenIssueForm
from ketaclinic.api.selectors import api_token_get_for_clinic, api_token_list_for_clinic
from ketaclinic.api.services import api_token_issue, api_token_revoke
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError

# The plaintext waits in the session between the POST and the page it redirects to, and is
# removed when that page is shown: it never travels in a URL and is never shown twice.
NEW_TOKEN_SESSION_KEY = "ketaclinic.new_api_token"  # noqa: S105  (a session key name)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    tokens = api_token_list_for_clinic(acting_user=user, clinic=clinic)
    form = ApiTokenIssueForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = api_token_issue(
                acting_user=user,
                clinic=clinic,
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
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
            "tokens": tokens,
            "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            "nav": "api_tokens",
        },
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    token = api_token_get_for_clinic(acting_user=user, clinic=clinic, token_id=token_id)
    try:
        api_token_revoke(acting_user=user, token=token)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Revoked “{token.name}”. Calls with it are refused from now on.")
    return redirect("api_tokens")
