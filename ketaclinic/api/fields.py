"""The fields every app's API inputs are made of: strict JSON types (true/false, plain decimals,
instants with their offset, the clinic's wall-clock time), input serializers that refuse fields
they do not declare, choice fields whose enum is a named component of the OpenAPI document, and
the few output fields several apps share (a list's count).
What an entry must be to be accepted is the services' question; these only check types and sizes.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ketaclinic.core.validators import PLAIN_DECIMAL_PATTERN

if TYPE_CHECKING:
    from ketaclinic.clinics.models import Clinic

UNKNOWN_FIELD = "Unknown field."


class StrictBooleanField(serializers.BooleanField):
    """true or false (or null where allowed): not "yes", "1" or 0."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")
        raise AssertionError  # pragma: no cover - fail() raises


PLAIN_DECIMAL = (
    "A number, e.g. 4 or 0.5: digits with an optional decimal point, no spaces or exponent."
)


class StrictDecimalField(serializers.DecimalField):
    """A number that becomes a dose or a quantity: a JSON number, or a string that is exactly a
    plain decimal ("0.5", "-2"). Refused: spaces (" 0.5 "), an exponent ("5e1"), "NaN",
    "Infinity", thousands separators, true/false. DRF's own field would trim the spaces and read
    the exponent. Every decimal input of the API uses this field."""

    default_error_messages = {
        **serializers.DecimalField.default_error_messages,
        "invalid": PLAIN_DECIMAL,
    }

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not (
            isinstance(data, int | float)
            or (isinstance(data, str) and PLAIN_DECIMAL_PATTERN.fullmatch(data))
        ):
            self.fail("invalid")
        if isinstance(data, float) and not math.isfinite(data):
            self.fail("invalid")
        number: Decimal = super().to_internal_value(data)
        return number


class InputSerializer(serializers.Serializer):
    # (A comment, not a docstring: drf-spectacular would give it to every input component.)
    # Refuses fields it does not declare.

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key)[:100] for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD] for key in unknown[:20]})
        return super().to_internal_value(data)


def text_field(max_length: int, **kwargs: Any) -> serializers.CharField:
    """An optional text field: blank when left out."""
    return serializers.CharField(max_length=max_length, allow_blank=True, default="", **kwargs)


# A time sent: `HH:MM`, or `HH:MM:SS` with :00 seconds (what every time of day the API answers
# with looks like, `WallClockTimeField` below, so a time read can be sent back).
# Bookings are to the minute: other seconds are refused rather than kept or dropped.
WALL_CLOCK_INPUT_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$"


@extend_schema_field(
    # Not `format: time`: RFC 3339's partial-time has no HH:MM, and a client validating against
    # it would refuse what this field takes. The pattern says exactly what it takes.
    {"type": "string", "pattern": WALL_CLOCK_INPUT_PATTERN, "example": "09:30"}
)
class ClinicTimeField(serializers.TimeField):
    """A wall-clock time at the clinic: `HH:MM`, or `HH:MM:SS` with :00 seconds. An offset is
    refused, not dropped: it would say another clock is meant."""

    default_error_messages = {
        "wall_clock": "Give the clinic's wall-clock time as HH:MM (or HH:MM:00), without an "
        "offset.",
    }
    _WALL_CLOCK = re.compile(WALL_CLOCK_INPUT_PATTERN)

    def to_internal_value(self, value: Any) -> datetime.time:
        if not isinstance(value, str) or not self._WALL_CLOCK.fullmatch(value):
            self.fail("wall_clock")
        return datetime.time(int(value[:2]), int(value[3:5]))


def day_field(help_text: str = "The clinic's day, YYYY-MM-DD.") -> serializers.DateField:
    return serializers.DateField(help_text=help_text)


def time_field(
    help_text: str = "The clinic's wall-clock time, HH:MM or HH:MM:SS with :00 seconds, no offset.",
) -> ClinicTimeField:
    return ClinicTimeField(help_text=help_text)


def id_field(help_text: str, **kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, help_text=help_text, **kwargs)


class NamedEnum(OpenApiSerializerFieldExtension):
    """A choice field's enum as its own named component: drf-spectacular names enums by field
    name, and several fields share a name (`outcome`, `status`) with different choices."""

    component_name = ""
    choices: list[tuple[str, str]] = []

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, str]:
        component = ResolvedComponent(
            name=self.component_name,
            type=ResolvedComponent.SCHEMA,
            object=self.component_name,
            schema={
                "type": "string",
                "enum": [value for value, _ in self.choices],
                "description": "\n".join(f"* `{value}` - {label}" for value, label in self.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        ref: dict[str, str] = component.ref
        return ref


def named_choice(component: str, choices: Sequence[tuple[str, str]]) -> type[Any]:
    """A choice field whose schema is its own named enum component (see `NamedEnum`)."""
    values = list(choices)

    def __init__(self: serializers.ChoiceField, **kwargs: Any) -> None:
        serializers.ChoiceField.__init__(self, choices=values, **kwargs)

    field = type(f"{component}Field", (serializers.ChoiceField,), {"__init__": __init__})
    field.__module__ = __name__
    type(
        component,
        (NamedEnum,),
        {"target_class": field, "component_name": component, "choices": values},
    )
    return field


def labels(values: Sequence[str]) -> list[tuple[str, str]]:
    return [(value, value.replace("_", " ").capitalize()) for value in values]


class AwareDateTimeField(serializers.DateTimeField):
    """An instant with its UTC offset (a late entry keeps its true time)."""

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "naive": "Give the time with its UTC offset, e.g. 2027-03-15T09:40:00-06:00.",
    }

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


def decimal_field(
    max_digits: int, decimal_places: int, help_text: str, **kwargs: Any
) -> StrictDecimalField:
    return StrictDecimalField(
        max_digits=max_digits, decimal_places=decimal_places, help_text=help_text, **kwargs
    )


@extend_schema_field(
    {
        "type": "string",
        "format": "time",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        "example": "09:00:00",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A time of day on the clinic's wall clock, always `HH:MM:SS` (RFC 3339 partial-time, the
    schema's `format: time`, with no offset: the clinic's offset changes with the season). The
    one shape of every time of day the API answers with (issue 13 item 11d)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M:%S", **kwargs)


class ClinicDateTimeField(serializers.DateTimeField):
    """An instant as ISO 8601 with the clinic's UTC offset: `2027-03-15T09:00:00-06:00`."""

    def to_representation(self, value: datetime.datetime) -> str:
        zone = self.context.get("zone")
        return (value.astimezone(zone) if zone else value).isoformat()


class CountField(serializers.IntegerField):
    """How many items a list holds (an integer in the document, as a plain IntegerField)."""

    def to_representation(self, value: Any) -> int:
        return len(value)


def clinic_context(clinic: Clinic) -> dict[str, Any]:
    """The serializer context that shows instants in the clinic's zone."""
    return {"zone": clinic.zone}
