"""Forms of the stock pages, and the witness's signature.

Amounts are typed as staff measure them, millilitres for a vial and whole devices for a kit; the
views turn them into the ledger's base units with `services.units_from_amount`, which refuses
rather than rounds. A witness signs by typing their own password on the recording nurse's form
(`witness_signature_check`): a name picked from a list is not a signature.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.accounts.signatures import signature_check
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.forms import PlainDecimalField, StyledForm
from ketaclinic.core.validators import dea_number_problem
from ketaclinic.inventory.models import Container, Product, ProductForm, StorageLocation
from ketaclinic.inventory.services import MAX_CONTAINERS_PER_RECEIPT
from ketaclinic.medicine.dosing import (
    ESKETAMINE_DEVICE_MG,
    MAX_ESKETAMINE_DEVICES_PER_KIT,
    MAX_VIAL_STRENGTH_MG_PER_ML,
    MAX_VIAL_VOLUME_ML,
)

AMOUNT_HELP = "In mL for a vial (to 0.001 mL), in whole devices for a kit."


def witness_signature_check(
    *, request: HttpRequest, witness: User, password: str, field: str
) -> None:
    """The witness signs: their own password, with its own limit against guessing that never
    touches the witness's sign-in (accounts.signatures). Refuses, naming the form field, and
    nothing is recorded."""
    signature_check(request=request, signer=witness, password=password, field=field)


def witness_choices(clinic: Clinic, *, exclude: User | None = None) -> QuerySet[User]:
    """Staff whose role may witness at the clinic (the service checks their licence)."""
    users = User.objects.filter(
        memberships__clinic=clinic,
        memberships__is_active=True,
        memberships__role__in=list(PERMISSIONS[Action.INVENTORY_WITNESS].roles),
        is_active=True,
    )
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.distinct().order_by("full_name", "email")


def approver_choices(clinic: Clinic, *, exclude: User | None = None) -> QuerySet[User]:
    users = User.objects.filter(
        memberships__clinic=clinic,
        memberships__is_active=True,
        memberships__role__in=list(PERMISSIONS[Action.INVENTORY_RECORD].roles),
        is_active=True,
    )
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.distinct().order_by("full_name", "email")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return user.full_name or user.email


def _password(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text="Typed by that person, to sign.",
    )


def _amount(label: str = "Amount") -> PlainDecimalField:
    return PlainDecimalField(
        label=label,
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0.001"),
        help_text=AMOUNT_HELP,
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
    )


class WitnessedForm(StyledForm):
    """A form signed by one or two witnesses (or an approver), each typing their password."""

    signatures: tuple[tuple[str, str], ...] = ()  # (person field, password field)

    def check_signatures(self, request: HttpRequest) -> None:
        for person_field, password_field in self.signatures:
            witness = self.cleaned_data[person_field]
            witness_signature_check(
                request=request,
                witness=witness,
                password=self.cleaned_data[password_field],
                field=password_field,
            )


class ReceiveForm(StyledForm):
    supplier_name = forms.CharField(max_length=200)
    supplier_address = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="As on the invoice."
    )
    supplier_dea_number = forms.CharField(
        label="Supplier's DEA number", max_length=9, help_text="Two letters and seven digits."
    )
    invoice_number = forms.CharField(max_length=100)
    received_on = forms.DateField(
        label="Date actually received", widget=forms.DateInput(attrs={"type": "date"})
    )
    product = forms.ModelChoiceField(queryset=Product.objects.none())
    lot_number = forms.CharField(max_length=40)
    expires_on = forms.DateField(label="Expiry", widget=forms.DateInput(attrs={"type": "date"}))
    container_count = forms.IntegerField(
        label="Number of containers (vials or kits)",
        min_value=1,
        max_value=MAX_CONTAINERS_PER_RECEIPT,
    )
    location = forms.ModelChoiceField(queryset=StorageLocation.objects.none())

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["product"].queryset = Product.objects.filter(clinic=clinic, is_active=True)
        fields["location"].queryset = StorageLocation.objects.filter(clinic=clinic, is_active=True)

    def clean_supplier_dea_number(self) -> str:
        number: str = self.cleaned_data["supplier_dea_number"].strip().upper()
        problem = dea_number_problem(number)
        if problem:
            raise forms.ValidationError(problem)
        return number


class ContainerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        container: Container = obj
        product = container.lot.product
        return (
            f"{container.label} · {product.name} · lot {container.lot.lot_number} · "
            f"{product.display_amount(container.balance)} left · {container.location.name}"
        )


class DrawForm(StyledForm):
    container = ContainerChoiceField(
        queryset=Container.objects.none(),
        help_text="Opened vials first, then the earliest expiry.",
    )
    quantity = _amount("Amount drawn")

    def __init__(self, *args: Any, containers: QuerySet[Container], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["container"]
        field.queryset = containers


class AdministerForm(StyledForm):
    quantity = _amount("Amount administered")


class WasteForm(WitnessedForm):
    signatures = (("witness", "witness_password"),)
    quantity = _amount("Amount wasted")
    reason = forms.CharField(max_length=500, initial="Remainder of the drawn dose, not given.")
    witness = PersonChoiceField(queryset=User.objects.none())
    witness_password = _password("Witness's password")

    def __init__(self, *args: Any, clinic: Clinic, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["witness"]
        field.queryset = witness_choices(clinic, exclude=user)


class TransferForm(StyledForm):
    to_location = forms.ModelChoiceField(label="Move to", queryset=StorageLocation.objects.none())

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_location"]
        field.queryset = StorageLocation.objects.filter(clinic=clinic, is_active=True)


class ReturnForm(StyledForm):
    distributor_name = forms.CharField(label="Reverse distributor", max_length=200)
    distributor_dea_number = forms.CharField(label="Its DEA number", max_length=9)
    reason = forms.CharField(max_length=500, required=False, initial="Expired.")


class TwoWitnessForm(WitnessedForm):
    signatures = (("witness", "witness_password"), ("second_witness", "second_witness_password"))
    witness = PersonChoiceField(queryset=User.objects.none())
    witness_password = _password("Witness's password")
    second_witness = PersonChoiceField(queryset=User.objects.none())
    second_witness_password = _password("Second witness's password")

    def __init__(self, *args: Any, clinic: Clinic, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = witness_choices(clinic, exclude=user)
        fields: Any = self.fields
        fields["witness"].queryset = choices
        fields["second_witness"].queryset = choices


class DestroyForm(TwoWitnessForm):
    method = forms.CharField(
        max_length=200, help_text="How it was made non-retrievable (e.g. a chemical digester)."
    )
    form_41_reference = forms.CharField(
        label="DEA Form 41 reference", max_length=100, required=False
    )
    field_order = [
        "method",
        "form_41_reference",
        "witness",
        "witness_password",
        "second_witness",
        "second_witness_password",
    ]


class BreakageForm(TwoWitnessForm):
    quantity = _amount("Amount lost")
    circumstances = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    field_order = [
        "quantity",
        "circumstances",
        "witness",
        "witness_password",
        "second_witness",
        "second_witness_password",
    ]


class AdjustForm(WitnessedForm):
    signatures = (("approver", "approver_password"),)
    direction = forms.ChoiceField(
        choices=[("remove", "Less than the ledger (remove)"), ("add", "More (add)")],
        widget=forms.RadioSelect,
    )
    quantity = _amount("Amount")
    reason = forms.CharField(max_length=500)
    approver = PersonChoiceField(
        queryset=User.objects.none(), help_text="A second person who signs off the correction."
    )
    approver_password = _password("Approver's password")

    def __init__(self, *args: Any, clinic: Clinic, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["approver"]
        field.queryset = approver_choices(clinic, exclude=user)


class ReverseForm(StyledForm):
    movement_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(max_length=500, label="Reason for the correction")


class ProductAddForm(StyledForm):
    name = forms.CharField(
        max_length=200, help_text="E.g. Ketamine HCl 50 mg/mL, 10 mL multi-dose vial."
    )
    form = forms.ChoiceField(choices=ProductForm.choices)
    ndc = forms.CharField(label="NDC", max_length=16, help_text="E.g. 0409-2051-05.")
    strength_mg_per_ml = PlainDecimalField(
        label="Strength (mg/mL)",
        required=False,
        max_digits=7,
        decimal_places=3,
        min_value=0,
        max_value=MAX_VIAL_STRENGTH_MG_PER_ML,
    )
    volume_ml = PlainDecimalField(
        label="Volume per vial (mL)",
        required=False,
        max_digits=7,
        decimal_places=3,
        min_value=0,
        max_value=MAX_VIAL_VOLUME_ML,
    )
    devices_per_kit = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ESKETAMINE_DEVICES_PER_KIT
    )
    mg_per_device = PlainDecimalField(
        label="mg per device",
        required=False,
        max_digits=7,
        decimal_places=3,
        min_value=0,
        max_value=ESKETAMINE_DEVICE_MG,
    )


class LocationAddForm(StyledForm):
    name = forms.CharField(max_length=100, help_text="E.g. Main safe, Procedure room cart.")
