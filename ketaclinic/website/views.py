"""The clinic's public website: education pages and the inquiry form. Thin: read, call, render.

Pages take the clinic's name, address, phone and hours from its Clinic record, so a clinic that
moves or changes its hours changes one record, not its website.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketaclinic.clinics.models import Clinic, Weekday
from ketaclinic.clinics.selectors import public_clinic_get
from ketaclinic.core.errors import DomainError, RateLimited
from ketaclinic.inquiries.services import inquiry_submit
from ketaclinic.website.forms import InquiryForm

SITE_PAGES = [
    ("website:home", "Home"),
    ("website:ketamine_therapy", "Ketamine therapy"),
    ("website:conditions", "Conditions"),
    ("website:what_to_expect", "What to expect"),
    ("website:safety", "Safety"),
]
THANK_YOU_SESSION_KEY = "ketaclinic.inquiry_thank_you"


def _opening_hours(clinic: Clinic | None) -> list[tuple[str, list[Any]]]:
    if clinic is None:
        return []
    periods = list(clinic.opening_hours.all())
    return [
        (weekday.label, [period for period in periods if period.weekday == weekday.value])
        for weekday in Weekday
    ]


def _context(page_name: str, **extra: Any) -> dict[str, Any]:
    clinic = public_clinic_get(slug=settings.PUBLIC_CLINIC_SLUG)
    return {
        "clinic": clinic,
        "opening_hours": _opening_hours(clinic),
        "site_pages": SITE_PAGES,
        "page_name": page_name,
        **extra,
    }


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "website/home.html", _context("website:home"))


def ketamine_therapy(request: HttpRequest) -> HttpResponse:
    return render(request, "website/ketamine_therapy.html", _context("website:ketamine_therapy"))


def conditions(request: HttpRequest) -> HttpResponse:
    return render(request, "website/conditions.html", _context("website:conditions"))


def what_to_expect(request: HttpRequest) -> HttpResponse:
    return render(request, "website/what_to_expect.html", _context("website:what_to_expect"))


def safety(request: HttpRequest) -> HttpResponse:
    return render(request, "website/safety.html", _context("website:safety"))


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """The inquiry form. POST-redirect-GET; the thank-you address carries no personal data."""
    context = _context("website:contact")
    clinic: Clinic | None = context["clinic"]
    form = InquiryForm(request.POST or None)
    status = 200
    if request.method == "POST" and clinic is not None and form.is_valid():
        try:
            inquiry_submit(
                clinic=clinic,
                source_ip=request.request_context.source_ip,  # type: ignore[attr-defined]
                is_spam_trap_filled=bool(form.cleaned_data.get("website")),
                **form.inquiry_fields(),
            )
        except RateLimited as error:
            form.add_error(None, error.message)
            status = 429
        except DomainError as error:
            form.add_error(None, error.message)
            status = 400
        else:
            request.session[THANK_YOU_SESSION_KEY] = True
            return redirect("website:thank_you")
    elif request.method == "POST" and clinic is None:
        messages.error(request, "The clinic is not set up yet; please call us instead.")
    context["form"] = form
    return render(request, "website/contact.html", context, status=status)


def thank_you(request: HttpRequest) -> HttpResponse:
    if not request.session.pop(THANK_YOU_SESSION_KEY, False):
        return redirect("website:contact")
    return render(request, "website/thank_you.html", _context("website:contact"))
