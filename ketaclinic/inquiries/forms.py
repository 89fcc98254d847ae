"""Staff forms for the inquiry queue: its filters, and the note/status update on an inquiry."""

from __future__ import annotations

from django import forms

from ketaclinic.core.forms import StyledForm
from ketaclinic.inquiries.models import InquiryStatus
from ketaclinic.inquiries.selectors import FILTER_ALL, FILTER_OPEN
from ketaclinic.inquiries.validation import MESSAGE_MAX_LENGTH

QUEUE_FILTER_CHOICES = [
    (FILTER_OPEN, "Open"),
    *InquiryStatus.choices,
    (FILTER_ALL, "All"),
]


class InquiryUpdateForm(StyledForm):
    status = forms.ChoiceField(label="Status", choices=InquiryStatus.choices)
    note_text = forms.CharField(
        label="Note",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What happened: call outcome, next step, who you spoke to.",
    )


class QueueFilterForm(StyledForm):
    status = forms.ChoiceField(label="Show", required=False, choices=QUEUE_FILTER_CHOICES)
    q = forms.CharField(label="Search", required=False, max_length=100)

    def status_and_search(self) -> tuple[str, str]:
        """The filter to apply; a field with a bad value falls back to its default (open, none)."""
        if not self.is_bound:
            return FILTER_OPEN, ""
        self.is_valid()
        data = self.cleaned_data
        return data.get("status") or FILTER_OPEN, data.get("q") or ""
