"""What every report is made of: its filters, tables of cells (text, whole numbers or
decimals) and the cells themselves, amounts as staff read them, and the ledger's movements
as the reports read them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inventory.models import Movement, Product, StockCount, StorageLocation
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.scheduling.selectors import day_bounds

Cell = str | int | Decimal

# Records are kept two years (21 CFR 1304.04); a report covers at most that, plus a leap day.
MAX_PERIOD_DAYS = 731


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    # The table the CSV holds (one per file, so it opens cleanly in a spreadsheet).
    is_primary: bool = True
    empty_text: str = "No entries."


@dataclass(frozen=True)
class ReportFilters:
    start: datetime.date | None = None
    end: datetime.date | None = None
    product: Product | None = None
    location: StorageLocation | None = None
    count: StockCount | None = None

    def check(self, *, clinic: Clinic) -> None:
        problems: dict[str, list[str]] = {}
        if self.start and self.end:
            if self.end < self.start:
                problems["end"] = ["On or after the start."]
            elif (self.end - self.start).days >= MAX_PERIOD_DAYS:
                problems["end"] = ["At most two years at a time."]
        for name, row in (("product", self.product), ("location", self.location)):
            if row is not None and row.clinic_id != clinic.pk:
                problems[name] = ["Not at this clinic."]
        if problems:
            raise InvalidInput(
                "Check the report's filters: " + " ".join(v[0] for v in problems.values()),
                fields=problems,
            )

    def as_detail(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "product_id": self.product.pk if self.product else None,
            "location_id": self.location.pk if self.location else None,
            "count_id": self.count.pk if self.count else None,
        }


@dataclass(frozen=True)
class ReportData:
    tables: list[Table]
    notes: list[str] = field(default_factory=list)
    # Patients named: reading it is recorded in the audit trail.
    names_patients: bool = False

    @property
    def primary(self) -> Table:
        return next(table for table in self.tables if table.is_primary)


@dataclass(frozen=True)
class ReportKind:
    slug: str
    title: str
    description: str
    uses_period: bool
    uses_product: bool
    uses_location: bool
    build: Callable[[Clinic, ReportFilters], ReportData]


# --- Cells --------------------------------------------------------------------------------------


def _trimmed(value: Decimal) -> Decimal:
    """A decimal exactly as it is, without trailing zeros (1.500 → 1.5) and never rounded."""
    return Decimal(plain_decimal(value))


def cell_text(value: Cell) -> str | int:
    """A cell as the CSV and the API write it: a decimal as plain digits ("100", "0.8"), never
    in exponent form ("1E+2") as `str()` may write one."""
    return plain_decimal(value) if isinstance(value, Decimal) else value


def quantity(product: Product, units: int) -> Decimal | int:
    """Base units as staff read them: mL for a vial, devices for a kit."""
    return _trimmed(Decimal(units) / 1000) if product.is_vial else units


def milligrams(product: Product, units: int) -> Decimal:
    return _trimmed(product.mg_for(units))


def _local(moment: datetime.datetime | None, zone: datetime.tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _name(user: User | None) -> str:
    return (user.full_name or user.email) if user else ""


def form_and_strength(product: Product) -> str:
    if product.is_vial:
        return f"Injection {_trimmed(product.strength_mg_per_ml or Decimal(0))} mg/mL"
    return f"Nasal spray {_trimmed(product.mg_per_device or Decimal(0))} mg per device"


def per_container(product: Product) -> str:
    return product.display_amount(product.units_per_container)


def _period_bounds(
    clinic: Clinic, filters: ReportFilters
) -> tuple[datetime.datetime, datetime.datetime]:
    if filters.start is None or filters.end is None:
        raise InvalidInput("Choose the period.", fields={"start": ["Required."]})
    start, _ = day_bounds(clinic=clinic, day=filters.start)
    _, end = day_bounds(clinic=clinic, day=filters.end)
    return start, end


def _movements(clinic: Clinic, filters: ReportFilters) -> QuerySet[Movement]:
    movements = Movement.objects.filter(clinic=clinic).select_related(
        "product", "lot", "container", "recorded_by", "witness", "second_witness", "reverses"
    )
    if filters.product is not None:
        movements = movements.filter(product=filters.product)
    return movements


def _patient_name(movement: Movement) -> str:
    patient = movement.patient
    return f"{patient.legal_first_name} {patient.legal_last_name}" if patient else ""


def _patient_address(movement: Movement) -> str:
    patient = movement.patient
    if patient is None:
        return ""
    place = " ".join(
        part for part in (f"{patient.city}," if patient.city else "", patient.state) if part
    )
    parts = [patient.address_line1, patient.address_line2, f"{place} {patient.postal_code}".strip()]
    return ", ".join(part for part in parts if part)
