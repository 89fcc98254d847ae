"""The clinic's inbox of patients' portal messages: threads with unread ones first, and a thread
with a reply box. Thin: rules are in services, reads in selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.http import acting_user
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.messaging.access import thread_patient_get_for_staff
from ketaclinic.messaging.forms import MessageForm
from ketaclinic.messaging.selectors import inbox_threads, thread_messages
from ketaclinic.messaging.services import message_reply, messages_read_by_clinic


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    threads = inbox_threads(acting_user=acting_user(request), clinic=acting_clinic(request))
    return render(request, "messaging/inbox.html", {"threads": threads, "nav": "messages"})


@login_required
def thread(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = thread_patient_get_for_staff(
        user=user, clinic=acting_clinic(request), patient_id=patient_id
    )
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message_reply(acting_user=user, patient=patient, body=form.cleaned_data["body"])
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(
                request, "Reply sent. The patient is told by email that a message is waiting."
            )
            return redirect("messaging:thread", patient_id=patient.pk)
    if request.method == "GET":
        messages_read_by_clinic(acting_user=user, patient=patient)
    return render(
        request,
        "messaging/thread.html",
        {
            "patient": patient,
            "thread": thread_messages(patient=patient),
            "form": form,
            "nav": "messages",
        },
    )
