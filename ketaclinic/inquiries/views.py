"""The front desk's inquiry queue. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.core.errors import DomainError
from ketaclinic.inquiries.forms import InquiryUpdateForm, QueueFilterForm
from ketaclinic.inquiries.models import InquiryStatus
from ketaclinic.inquiries.selectors import inquiry_get_for_staff, inquiry_list_for_clinic
from ketaclinic.inquiries.services import inquiry_update


@login_required
def inquiry_queue(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    filters = QueueFilterForm(request.GET or None)
    status, search = "open", ""
    if filters.is_bound and filters.is_valid():
        status = filters.cleaned_data["status"] or "open"
        search = filters.cleaned_data["q"]
    inquiries = inquiry_list_for_clinic(
        user=acting_user(request), clinic=clinic, status=status, search=search
    )
    page = Paginator(inquiries, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "inquiries/queue.html",
        {"page": page, "filters": filters, "status": status, "nav": "inquiries"},
    )


@login_required
def inquiry_detail(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    inquiry = inquiry_get_for_staff(user=user, clinic=clinic, inquiry_id=inquiry_id)
    form = InquiryUpdateForm(request.POST or None, initial={"status": inquiry.status})
    if request.method == "POST" and form.is_valid():
        try:
            inquiry_update(
                acting_user=user,
                inquiry=inquiry,
                status=InquiryStatus(form.cleaned_data["status"]),
                note_text=form.cleaned_data["note_text"],
            )
        except DomainError as error:
            form.add_error("note_text" if "note_text" in error.fields else None, error.message)
        else:
            messages.success(request, f"Saved: {inquiry.full_name}'s inquiry.")
            return redirect("inquiries:detail", inquiry_id=inquiry.pk)
    return render(
        request,
        "inquiries/detail.html",
        {"inquiry": inquiry, "notes": inquiry.notes.all(), "form": form, "nav": "inquiries"},
    )
