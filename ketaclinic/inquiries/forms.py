from __future__ import annotations

from django import forms

from ketaclinic.core.forms import StyledForm
from ketaclinic.inquiries.models import InquiryStatus


class InquiryUpdateForm(StyledForm):
    status = forms.ChoiceField(label="Status", choices=InquiryStatus.choices)
    note_text = forms.CharField(
        label="Note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened: call outcome, next step, who you spoke to.",
    )


class QueueFilterForm(StyledForm):
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("open", "Open (new, contacted, consult booked)"),
            ("all", "All"),
            *InquiryStatus.choices,
        ],
    )
    q = forms.CharField(label="Search", required=False, max_length=100)
