"""Forms for counts, discrepancies and report filters: they parse what was typed; the rules are
in the `counts` and `reports` packages."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.forms import PlainDecimalField, StyledForm
from ketaclinic.inventory.counts import INVENTORY_KINDS, ROUTINE_KINDS, CountEntry
from ketaclinic.inventory.models import (
    BusinessTiming,
    Container,
    ContainerStatus,
    CountKind,
    Product,
    StockCount,
    StorageLocation,
)
from ketaclinic.inventory.reports import ReportFilters, ReportKind

FOUND = "found"
NOT_FOUND = "missing"


def _user_choices(users: Sequence[User], blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(str(user.pk), user.full_name or user.email) for user in users]


def _chosen_user(users: Sequence[User], value: str) -> User | None:
    return next((user for user in users if str(user.pk) == value), None)


class CountChoiceForm(StyledForm):
    """Which count to take: a shift or daily count of one location, or an inventory of all."""

    kind = forms.ChoiceField(label="Count", choices=CountKind.choices)
    location = forms.ModelChoiceField(
        label="Location",
        queryset=StorageLocation.objects.none(),
        required=False,
        help_text="For a shift or daily count. An initial or biennial inventory covers every "
        "location.",
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location_field = self.fields["location"]
        assert isinstance(location_field, forms.ModelChoiceField)
        location_field.queryset = StorageLocation.objects.filter(clinic=clinic, is_active=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind in ROUTINE_KINDS and cleaned.get("location") is None:
            self.add_error("location", "Choose the location counted.")
        if kind and kind not in ROUTINE_KINDS:
            cleaned["location"] = None
        return cleaned


class CountSheetForm(StyledForm):
    """The count sheet: one entry per container on hand. The ledger's balances are not shown
    until the count is recorded, so that what is written is what was found (a blind count)."""

    sheet = forms.CharField(widget=forms.HiddenInput)
    timing = forms.ChoiceField(
        label="Taken at",
        choices=[("", "—"), *BusinessTiming.choices],
        required=False,
    )
    witness = forms.ChoiceField(label="Witness", required=False)
    witness_password = forms.CharField(
        label="Witness's password",
        required=False,
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text="Typed by the witness, to sign.",
    )
    note = forms.CharField(
        label="Note", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        containers: Sequence[Container],
        witnesses: Sequence[User],
        is_inventory: bool,
        **kwargs: Any,
    ) -> None:
        self.containers = list(containers)
        self.witnesses = list(witnesses)
        self.is_inventory = is_inventory
        super().__init__(*args, **kwargs)
        self.fields["sheet"].initial = self.sheet_ids
        witness_field = self.fields["witness"]
        assert isinstance(witness_field, forms.ChoiceField)
        witness_field.choices = _user_choices(
            self.witnesses, "Choose the witness" if is_inventory else "No witness"
        )
        witness_field.required = is_inventory
        self.fields["timing"].required = is_inventory
        if is_inventory:
            self.fields["timing"].choices = BusinessTiming.choices  # type: ignore[attr-defined]
        for container in self.containers:
            product = container.lot.product
            if container.status == ContainerStatus.SEALED:
                self.fields[self.found_name(container)] = forms.ChoiceField(
                    label=container.label,
                    choices=[(FOUND, "Found, sealed"), (NOT_FOUND, "Not found")],
                    widget=forms.RadioSelect,
                    error_messages={"required": "Found or not found?"},
                )
            else:
                places = 3 if product.is_vial else 0
                self.fields[self.amount_name(container)] = PlainDecimalField(
                    label=f"{container.label}: "
                    + ("mL left (estimate)" if product.is_vial else "devices left"),
                    min_value=0,
                    max_digits=9,
                    decimal_places=places,
                    error_messages={"required": "Enter what is left (0 if none or not found)."},
                    widget=forms.NumberInput(
                        attrs={
                            "step": "0.1" if product.is_vial else "1",
                            "inputmode": "decimal" if product.is_vial else "numeric",
                        }
                    ),
                )

    @property
    def sheet_ids(self) -> str:
        return ",".join(str(container.pk) for container in self.containers)

    @staticmethod
    def found_name(container: Container) -> str:
        return f"found_{container.pk}"

    @staticmethod
    def amount_name(container: Container) -> str:
        return f"amount_{container.pk}"

    def rows(self) -> list[tuple[Container, forms.BoundField]]:
        rows = []
        for container in self.containers:
            name = (
                self.found_name(container)
                if container.status == ContainerStatus.SEALED
                else self.amount_name(container)
            )
            rows.append((container, self[name]))
        return rows

    def clean_witness(self) -> User | None:
        value = self.cleaned_data.get("witness") or ""
        return _chosen_user(self.witnesses, value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("sheet") is not None and cleaned["sheet"] != self.sheet_ids:
            shown = {int(pk) for pk in cleaned["sheet"].split(",") if pk.strip().isdigit()}
            added = [c.label for c in self.containers if c.pk not in shown]
            message = "What is on hand here changed since the sheet was opened"
            if added:
                message += f" ({', '.join(added)} arrived)"
            self.add_error(
                None, message + ". The sheet now shows every container on hand; count again."
            )
        return cleaned

    def add_domain_field_errors(self, fields: dict[str, list[str]]) -> bool:
        """Place the service's per-container messages (`container_<id>`) on their inputs."""
        placed = False
        for container in self.containers:
            messages = fields.get(f"container_{container.pk}")
            if not messages:
                continue
            name = (
                self.found_name(container)
                if container.status == ContainerStatus.SEALED
                else self.amount_name(container)
            )
            for message in messages:
                self.add_error(name, message)
            placed = True
        return placed

    def entries(self) -> list[CountEntry]:
        entries = []
        for container in self.containers:
            if container.status == ContainerStatus.SEALED:
                found = self.cleaned_data[self.found_name(container)] == FOUND
                entries.append(CountEntry(container_id=container.pk, is_found=found))
            else:
                amount = self.cleaned_data[self.amount_name(container)]
                entries.append(
                    CountEntry(container_id=container.pk, is_found=amount > 0, amount=amount)
                )
        return entries


class AssessForm(StyledForm):
    judgement = forms.ChoiceField(
        label="Is this theft or a significant loss?",
        choices=[
            ("yes", "Yes: theft or significant loss (report to the DEA)"),
            ("no", "No: not theft or significant loss"),
        ],
        widget=forms.RadioSelect,
        help_text="Consider the quantity against the clinic's volume, the substance, any pattern "
        "of losses and local diversion trends (21 CFR 1301.76(b)). Any theft is reported.",
    )
    findings = forms.CharField(
        label="What the investigation found",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @property
    def is_theft(self) -> bool:
        return bool(self.cleaned_data["judgement"] == "yes")


class DeaNoticeForm(StyledForm):
    sent_on = forms.DateField(
        label="Written notice sent to the DEA Field Division Office on",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label="Note (to whom, how)", required=False, max_length=4000)


class Form106Form(StyledForm):
    filed_on = forms.DateField(
        label="DEA Form 106 filed on", widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label="Confirmation number", max_length=100)


class ResolveForm(StyledForm):
    findings = forms.CharField(
        label="Findings that resolve it", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    adjust_balance = forms.BooleanField(
        label="Correct the ledger by the counted difference (an adjustment, signed off)",
        required=False,
    )
    approver = forms.ChoiceField(label="Signed off by", required=False)
    approver_password = forms.CharField(
        label="Their password",
        required=False,
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text="Typed by the person signing off the adjustment.",
    )

    def __init__(
        self, *args: Any, approvers: Sequence[User], can_adjust: bool = True, **kwargs: Any
    ) -> None:
        self.approvers = list(approvers)
        self.can_adjust = can_adjust
        super().__init__(*args, **kwargs)
        if not can_adjust:
            # Opened by a correction already on the ledger: there is nothing to adjust.
            for name in ("adjust_balance", "approver", "approver_password"):
                del self.fields[name]
            return
        approver_field = self.fields["approver"]
        assert isinstance(approver_field, forms.ChoiceField)
        approver_field.choices = _user_choices(self.approvers, "Choose who signs off")

    def clean_approver(self) -> User | None:
        return _chosen_user(self.approvers, self.cleaned_data.get("approver") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.can_adjust:
            cleaned.update(adjust_balance=False, approver=None, approver_password="")
        if cleaned.get("adjust_balance") and cleaned.get("approver") is None:
            self.add_error("approver", "An adjustment is signed off by a second person.")
        return cleaned


if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField[StockCount]
else:  # Django's form fields are not generic at run time; django-stubs' are.
    _ModelChoiceField = forms.ModelChoiceField


class InventoryChoiceField(_ModelChoiceField):
    """An initial or biennial inventory, named by its kind and the clinic's date."""

    zone: datetime.tzinfo = datetime.UTC

    def label_from_instance(self, obj: StockCount) -> str:
        return f"{obj.get_kind_display()}, {obj.counted_at.astimezone(self.zone):%Y-%m-%d}"


class ReportFilterForm(StyledForm):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    product = forms.ModelChoiceField(
        label="Product", queryset=Product.objects.none(), required=False, empty_label="All"
    )
    location = forms.ModelChoiceField(
        label="Location", queryset=StorageLocation.objects.none(), required=False, empty_label="All"
    )
    count = InventoryChoiceField(
        label="Inventory", queryset=StockCount.objects.none(), required=False, empty_label="Latest"
    )

    def __init__(
        self,
        *args: Any,
        clinic: Clinic,
        kind: ReportKind,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        today = clinic.local_today()
        self.fields["start"].initial = today.replace(day=1)
        self.fields["end"].initial = today
        if not kind.uses_period:
            del self.fields["start"], self.fields["end"]
        for name, model, used in (
            ("product", Product, kind.uses_product),
            ("location", StorageLocation, kind.uses_location),
        ):
            if used:
                choice_field = self.fields[name]
                assert isinstance(choice_field, forms.ModelChoiceField)
                choice_field.queryset = model.objects.filter(clinic=clinic)
            else:
                del self.fields[name]
        if kind.slug == "inventory":
            count_field = self.fields["count"]
            assert isinstance(count_field, InventoryChoiceField)
            count_field.queryset = StockCount.objects.filter(
                clinic=clinic, kind__in=INVENTORY_KINDS
            ).order_by("-counted_at", "-id")
            count_field.zone = clinic.zone
        else:
            del self.fields["count"]

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            start=data.get("start"),
            end=data.get("end"),
            product=data.get("product"),
            location=data.get("location"),
            count=data.get("count"),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: datetime.date | None = cleaned.get("start")
        end: datetime.date | None = cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "On or after the start.")
        return cleaned
