"""The clinic's public website: education pages and the inquiry form. Thin: read, call, render.

Pages take the clinic's name, address, phone and hours from its Clinic record (the one named by
settings.PUBLIC_CLINIC_SLUG), so a clinic that moves or changes its hours changes one record,
not its website.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.clinics.selectors import public_clinic_get
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inquiries.services import (
    InquiryRateLimited,
    inquiry_spam_discard,
    inquiry_submit,
)
from ketaclinic.website.forms import InquiryForm
from ketaclinic.website.hours import opening_hours_rows

# The main navigation, in reading order; "Contact us" has its own button beside it.
SITE_PAGES = [
    ("website:home", "Home"),
    ("website:ketamine_therapy", "Ketamine therapy"),
    ("website:conditions", "Conditions"),
    ("website:what_to_expect", "What to expect"),
    ("website:safety", "Safety"),
]
# Set when an inquiry is answered; the thank-you page reads it once. Holds no personal data.
THANK_YOU_SESSION_KEY = "ketaclinic.inquiry_thank_you"
CLINIC_NOT_SET_UP = (
    "We cannot take inquiries online at the moment. Please try again later, or call the clinic."
)


def _context(page_name: str, **extra: Any) -> dict[str, Any]:
    clinic = public_clinic_get(slug=settings.PUBLIC_CLINIC_SLUG)
    return {
        "clinic": clinic,
        "hours_rows": opening_hours_rows(clinic.opening_hours.all()) if clinic else [],
        "site_pages": SITE_PAGES,
        "page_name": page_name,
        **extra,
    }


def _page(request: HttpRequest, template: str, page_name: str) -> HttpResponse:
    return render(request, template, _context(page_name))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "website/home.html", "website:home")


@require_GET
def ketamine_therapy(request: HttpRequest) -> HttpResponse:
    return _page(request, "website/ketamine_therapy.html", "website:ketamine_therapy")


@require_GET
def conditions(request: HttpRequest) -> HttpResponse:
    return _page(request, "website/conditions.html", "website:conditions")


@require_GET
def what_to_expect(request: HttpRequest) -> HttpResponse:
    return _page(request, "website/what_to_expect.html", "website:what_to_expect")


@require_GET
def safety(request: HttpRequest) -> HttpResponse:
    return _page(request, "website/safety.html", "website:safety")


def _answered(request: HttpRequest) -> HttpResponse:
    """POST-redirect-GET to a thank-you address that carries nothing about the person.

    Accepted and spam-trapped submissions get the same answer, so a bot learns nothing.
    """
    request.session[THANK_YOU_SESSION_KEY] = True
    return redirect("website:thank_you")


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """The inquiry form. Bad input is answered on its fields and nothing is stored."""
    context = _context("website:contact")
    clinic = context["clinic"]
    if request.method == "GET":
        context["form"] = InquiryForm()
        return render(request, "website/contact.html", context)
    form = InquiryForm(request.POST)
    context["form"] = form
    if clinic is None:
        form.add_error(None, CLINIC_NOT_SET_UP)
        return render(request, "website/contact.html", context, status=503)
    source_ip = request.request_context.source_ip  # type: ignore[attr-defined]  # middleware
    try:
        if form.is_spam_trap_filled():
            inquiry_spam_discard(clinic=clinic, source_ip=source_ip)
            return _answered(request)
        if form.is_valid():
            inquiry_submit(clinic=clinic, source_ip=source_ip, **form.inquiry_fields())
            return _answered(request)
    except InquiryRateLimited as error:
        form.add_error(None, error.message)
        response = render(request, "website/contact.html", context, status=429)
        response["Retry-After"] = str(error.retry_after_seconds)
        return response
    except InvalidInput as error:  # the service's own check of the same rules
        form.add_error(None, error.message)
        for field, messages in error.fields.items():
            for text in messages:
                form.add_error(field if field in form.fields else None, text)
    return render(request, "website/contact.html", context)


@never_cache
@require_GET
def thank_you(request: HttpRequest) -> HttpResponse:
    if not request.session.pop(THANK_YOU_SESSION_KEY, False):
        return redirect("website:contact")
    return render(request, "website/thank_you.html", _context("website:contact"))
