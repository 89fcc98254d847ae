"""The Schedule III ledger (CLINICAL.md §11): products, lots, each physical container (a vial or a
device kit), what was drawn for a session, and the append-only movements between them.

Quantities are whole base units: microlitres for vials, devices for esketamine kits, so sums are
exact. A container's and a draw's `balance` is the sum of their movements, kept in the same
transaction as each movement and guarded by a database constraint that it is never negative;
database triggers refuse UPDATE and DELETE of movements and counts, and TRUNCATE on PostgreSQL
(inventory/guards.py; a correction is a reversing entry).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel
from ketaclinic.medicine.amounts import ledger_ml_text


class ProductForm(models.TextChoices):
    VIAL = "vial", "Multi-dose vial (injection)"
    DEVICE_KIT = "device_kit", "Nasal spray device kit"


class Product(ClinicScopedModel):
    """A stocked presentation, e.g. ketamine HCl 50 mg/mL × 10 mL vial, or esketamine 56 mg kit."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    form = models.CharField(max_length=16, choices=ProductForm.choices)
    ndc = models.CharField(max_length=16, help_text="National Drug Code of the package.")
    dea_schedule = models.CharField(max_length=4, default="CIII")
    strength_mg_per_ml = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    volume_ml = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True, help_text="Per vial."
    )
    devices_per_kit = models.PositiveSmallIntegerField(null=True, blank=True)
    mg_per_device = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "ndc"], name="product_ndc_per_clinic"),
            models.CheckConstraint(
                condition=(
                    Q(
                        form="vial",
                        strength_mg_per_ml__gt=0,
                        volume_ml__gt=0,
                        devices_per_kit__isnull=True,
                    )
                    | Q(
                        form="device_kit",
                        devices_per_kit__gt=0,
                        mg_per_device__gt=0,
                        strength_mg_per_ml__isnull=True,
                    )
                ),
                name="product_form_has_its_sizes",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_vial(self) -> bool:
        return self.form == ProductForm.VIAL

    @property
    def units_per_container(self) -> int:
        """Base units in a full container: microlitres in a vial, devices in a kit."""
        if self.is_vial:
            assert self.volume_ml is not None
            return int(self.volume_ml * 1000)
        assert self.devices_per_kit is not None
        return self.devices_per_kit

    @property
    def unit_label(self) -> str:
        return "mL" if self.is_vial else "devices"

    def mg_for(self, units: int) -> Decimal:
        """Milligrams of drug (as base) in `units` base units."""
        if self.is_vial:
            assert self.strength_mg_per_ml is not None
            return self.strength_mg_per_ml * Decimal(units) / 1000
        assert self.mg_per_device is not None
        return self.mg_per_device * units

    def display_amount(self, units: int) -> str:
        if self.is_vial:
            return ledger_ml_text(units)
        return f"{units} device{'' if abs(units) == 1 else 's'}"


class StorageLocation(ClinicScopedModel):
    """Where stock is kept under the clinic's DEA registration: the safe, a locked cart."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="location_name_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name


class Lot(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()

    class Meta:
        ordering = ["expires_on"]
        constraints = [
            models.UniqueConstraint(fields=["product", "lot_number"], name="lot_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.product} lot {self.lot_number}"


class ContainerStatus(models.TextChoices):
    SEALED = "sealed", "Sealed"
    OPEN = "open", "Opened"
    EMPTY = "empty", "Empty"
    REMOVED = "removed", "Returned or destroyed"


class Container(ClinicScopedModel):
    """One vial or one kit, labelled when received; its balance is the sum of its movements."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="containers")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=32, help_text="Written on the vial or kit when received.")
    received_units = models.PositiveIntegerField(
        help_text="Base units it was received with (its label's volume or devices): the most "
        "its balance may ever be."
    )
    balance = models.IntegerField(help_text="Base units left: the sum of its movements.")
    status = models.CharField(
        max_length=16, choices=ContainerStatus.choices, default=ContainerStatus.SEALED
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    beyond_use_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "label"], name="container_label_per_clinic"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="container_never_negative"),
            # No entry fills a container past what it was received with (issue 13 item 4).
            models.CheckConstraint(
                condition=Q(balance__lte=models.F("received_units")),
                name="container_never_above_received",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Draw(ClinicScopedModel):
    """What a nurse drew from a container for one session; it is then administered and the
    rest wasted with a witness. Its balance (drawn, not yet accounted for) is never negative."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    container = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="draws")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="draws"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField()
    quantity = models.PositiveIntegerField(help_text="Base units drawn.")
    balance = models.IntegerField(help_text="Drawn and not yet administered or wasted.")

    class Meta:
        ordering = ["-drawn_at"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="draw_never_negative"),
        ]

    def __str__(self) -> str:
        return f"Draw {self.pk} from {self.container}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    DRAW = "draw", "Drawn for a session"
    ADMINISTRATION = "administration", "Administered"
    WASTE = "waste", "Wasted (witnessed)"
    TRANSFER = "transfer", "Transfer between locations"
    RETURN = "return", "Returned to a reverse distributor"
    DESTRUCTION = "destruction", "Destroyed (DEA Form 41)"
    BREAKAGE = "breakage", "Breakage or spillage"
    ADJUSTMENT = "adjustment", "Adjustment"
    REVERSAL = "reversal", "Reversal of an entry"


class Movement(ClinicScopedModel):
    """One append-only ledger line. `container_delta` and `draw_delta` are what it does to the
    container's and the draw's balances (a draw moves units from one to the other)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    container = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="movements")
    container_delta = models.IntegerField(default=0)
    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    draw_delta = models.IntegerField(default=0)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_location = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_location = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(
        default=dict,
        blank=True,
        help_text="Receipt: supplier, address, DEA number, invoice, date received. Return and "
        "destruction: the reverse distributor or DEA Form 41 details.",
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "product", "occurred_at"], name="movement_product_time"),
            models.Index(fields=["clinic", "kind", "occurred_at"], name="movement_kind_time"),
        ]
        constraints = [
            # A waste, a destruction and a breakage are witnessed by someone else; two people
            # for destruction and breakage (21 CFR 1317; DEA Pharmacist's Manual).
            models.CheckConstraint(
                condition=~Q(kind__in=["waste", "destruction", "breakage"])
                | (Q(witness__isnull=False) & ~Q(witness=models.F("recorded_by"))),
                name="movement_witness_is_someone_else",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["destruction", "breakage"])
                | (
                    Q(second_witness__isnull=False)
                    & ~Q(second_witness=models.F("witness"))
                    & ~Q(second_witness=models.F("recorded_by"))
                ),
                name="movement_two_witnesses",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.container} {self.container_delta:+d}"


class CountKind(models.TextChoices):
    SHIFT = "shift", "Shift count"
    DAILY = "daily", "Daily count"
    INITIAL = "initial", "Initial inventory"
    BIENNIAL = "biennial", "Biennial inventory"


class BusinessTiming(models.TextChoices):
    OPENING = "opening", "Opening of business"
    CLOSE = "close", "Close of business"


class StockCount(ClinicScopedModel):
    """A count of what is on hand against the ledger; initial and biennial inventories record
    whether they were taken at the opening or close of business (21 CFR 1304.11)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=CountKind.choices)
    location = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counted_at = models.DateTimeField()
    timing = models.CharField(max_length=16, choices=BusinessTiming.choices, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-counted_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.counted_at:%Y-%m-%d %H:%M}"


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.PROTECT, related_name="lines")
    container = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField(help_text="Base units by the ledger when counted.")
    counted = models.IntegerField(help_text="Base units found.")
    is_estimate = models.BooleanField(
        default=False, help_text="An opened container's contents, estimated (allowed for CIII)."
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0), name="count_never_negative")
        ]

    def __str__(self) -> str:
        return f"{self.container}: {self.counted} counted, {self.expected} expected"

    @property
    def difference(self) -> int:
        return self.counted - self.expected


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", "Open: investigate"
    RESOLVED = "resolved", "Resolved"


class Discrepancy(ClinicScopedModel):
    """A count that did not match, or a large correction of the ledger (an adjustment or a
    reversal): a task to investigate.
    Theft or significant loss must be reported to the DEA in writing within one business day of
    discovery and on Form 106 within 45 days (21 CFR 1301.76(b)); the deadlines are kept here
    and shown until met."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    count_line = models.OneToOneField(
        StockCountLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discrepancy",
    )
    correction = models.OneToOneField(
        Movement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discrepancy",
        help_text="The large adjustment or reversal that opened it "
        "(services.LARGE_CORRECTION_PERCENT).",
    )
    discovered_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN
    )
    is_theft_or_significant_loss = models.BooleanField(null=True, blank=True)
    dea_notice_due_on = models.DateField(null=True, blank=True)
    dea_notice_sent_on = models.DateField(null=True, blank=True)
    form_106_due_on = models.DateField(null=True, blank=True)
    form_106_filed_on = models.DateField(null=True, blank=True)
    findings = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-discovered_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(count_line__isnull=False, correction__isnull=True)
                    | Q(count_line__isnull=True, correction__isnull=False)
                ),
                name="discrepancy_from_a_count_or_a_correction",
            ),
        ]

    def __str__(self) -> str:
        return f"Discrepancy on {self.container} ({self.get_status_display()})"

    @property
    def container(self) -> Container:
        if self.count_line is not None:
            return self.count_line.container
        assert self.correction is not None
        return self.correction.container
