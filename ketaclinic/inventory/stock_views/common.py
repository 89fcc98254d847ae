"""What the stock pages share: a container's row as staff read it, amounts in mg, and a
service's refusal shown on the form it came from."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms

from ketaclinic.core.errors import DomainError, NotFound, PermissionRefused
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.inventory.models import Container, Product
from ketaclinic.medicine.amounts import mg_text

# A refusal naming a witness or an approver is about them, not about the one recording: it is
# shown on the form (with what was typed kept), not as a 403 page.
_SIGNER_FIELDS = frozenset({"witness", "second_witness", "approver"})


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _signed(amount: str) -> str:
    return amount if amount.startswith("-") else f"+{amount}"


def _mg(product: Product, units: int) -> str:
    return mg_text(product.mg_for(units))


@dataclass
class ContainerRow:
    container: Container
    amount: str
    mg: str
    is_expired: bool
    is_beyond_use: bool


def _container_row(container: Container, *, today: datetime.date, now: datetime.datetime) -> Any:
    product = container.lot.product
    return ContainerRow(
        container=container,
        amount=product.display_amount(container.balance),
        mg=_mg(product, container.balance),
        is_expired=container.lot.expires_on < today,
        is_beyond_use=container.beyond_use_at is not None and container.beyond_use_at <= now,
    )


def _refuse_on_form(form: forms.Form, error: DomainError) -> None:
    """Show the service's refusal on the form; a refusal of who you are stays a 403 page."""
    about_signer = bool(set(error.fields) & _SIGNER_FIELDS)
    if (isinstance(error, PermissionRefused) and not about_signer) or isinstance(error, NotFound):
        raise error
    if about_signer:
        # The service names the person in its message; its field message may not say which.
        form.add_error(None, error.message)
    else:
        form_add_domain_error(form, error)
