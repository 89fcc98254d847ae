from __future__ import annotations

from django import forms

from ketaclinic.core.forms import StyledForm
from ketaclinic.messaging.models import MAX_MESSAGE_LENGTH


class MessageForm(StyledForm):
    body = forms.CharField(
        label="Message",
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
