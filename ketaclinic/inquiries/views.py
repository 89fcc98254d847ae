"""The front desk's inquiry queue. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts.http import acting_user
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inquiries.forms import QUEUE_FILTER_CHOICES, InquiryUpdateForm, QueueFilterForm
from ketaclinic.inquiries.models import InquiryStatus
from ketaclinic.inquiries.selectors import (
    inquiry_counts_for_clinic,
    inquiry_get_for_staff,
    inquiry_list_for_clinic,
)
from ketaclinic.inquiries.services import inquiry_update

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET"])
def inquiry_queue(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    filters = QueueFilterForm(request.GET or None)
    status, search = filters.status_and_search()
    inquiries = inquiry_list_for_clinic(user=user, clinic=clinic, status=status, search=search)
    counts = inquiry_counts_for_clinic(user=user, clinic=clinic)
    page = Paginator(inquiries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inquiries/queue.html",
        {
            "page": page,
            "filters": filters,
            "status": status,
            "search": search,
            "tabs": [(value, label, counts[value]) for value, label in QUEUE_FILTER_CHOICES],
            "nav": "inquiries",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_detail(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    is_post = request.method == "POST"
    # A POST reads the inquiry to change it; the change itself is what the audit trail records.
    inquiry = inquiry_get_for_staff(
        user=user, clinic=clinic, inquiry_id=inquiry_id, record_view=not is_post
    )
    form = InquiryUpdateForm(request.POST if is_post else None, initial={"status": inquiry.status})
    if is_post and form.is_valid():
        try:
            inquiry_update(
                acting_user=user,
                inquiry=inquiry,
                status=InquiryStatus(form.cleaned_data["status"]),
                note_text=form.cleaned_data["note_text"],
            )
        except InvalidInput as error:
            form.add_error(None, error.message)
            for field, field_messages in error.fields.items():
                if field in form.fields:
                    for text in field_messages:
                        form.add_error(field, text)
        else:
            messages.success(request, f"Saved: {inquiry.full_name}'s inquiry.")
            return redirect("inquiries:detail", inquiry_id=inquiry.pk)
    return render(
        request,
        "inquiries/detail.html",
        {"inquiry": inquiry, "notes": inquiry.notes.all(), "form": form, "nav": "inquiries"},
    )
