"""Form base classes that render with the design system and announce errors to screen readers,
and the one field every typed decimal (a dose, a weight, a rate) goes through."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.core.errors import DomainError
from ketaclinic.core.validators import PLAIN_DECIMAL_PATTERN


def _style_widget(field_name: str, field: forms.Field, *, has_error: bool, auto_id: str) -> None:
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = ""
    else:
        css = "form-control"
    classes = [c for c in widget.attrs.get("class", "").split() if c != "is-invalid"]
    if css and css not in classes:
        classes.append(css)
    if has_error:
        classes.append("is-invalid")
        widget.attrs["aria-invalid"] = "true"
        widget.attrs["aria-describedby"] = f"{auto_id}_error"
    else:
        widget.attrs.pop("aria-invalid", None)
        widget.attrs.pop("aria-describedby", None)
    widget.attrs["class"] = " ".join(classes)


class StyledFormMixin:
    """Adds Bootstrap classes and ARIA error attributes to every widget once the form is bound."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._apply_styles()

    def _apply_styles(self) -> None:
        form: Any = self
        # `_errors` stays None until the form is validated; reading `errors` here would validate
        # the form from inside __init__, before subclasses have set their fields up.
        errors = form._errors or {}
        for name, field in form.fields.items():
            auto_id = form[name].auto_id
            _style_widget(name, field, has_error=name in errors, auto_id=auto_id)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._apply_styles()


PLAIN_NUMBER = "Type a number, e.g. 4 or 0.5: digits and a decimal point, no exponent."


class PlainDecimalField(forms.DecimalField):
    """A number typed as digits with an optional decimal point. Spaces around it are trimmed,
    as a typed field's are (a tablet keyboard adds one; the number is not in doubt), but an
    exponent ("5e1"), "NaN", "Infinity" or a thousands separator is refused with
    `PLAIN_NUMBER`: Django's DecimalField reads "5e1" as 50, and a dose is never written so."""

    default_error_messages = {"invalid": PLAIN_NUMBER}

    def to_python(self, value: Any) -> Any:  # Decimal | None (django-stubs say int)
        if value not in self.empty_values and not PLAIN_DECIMAL_PATTERN.fullmatch(
            str(value).strip()
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class StyledForm(StyledFormMixin, forms.Form):
    pass


def form_add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: each field message on its field when the form has
    it, otherwise the whole message above the form. What was typed stays in the form."""
    placed = False
    for name, field_errors in error.fields.items():
        if name in form.fields:
            for message in field_errors:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)
