"""Request bodies and query parameters of the stock API: JSON types and lengths only.

What an entry must be to be accepted (a lot not yet expired, a supplier DEA number whose check
digit holds, an amount the container holds) is decided by the services the staff pages use;
these serializers only make sure each field has the right JSON type and a length the database can
hold, and refuse fields they do not know.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ketaclinic.api.fields import InputSerializer, StrictBooleanField, StrictDecimalField
from ketaclinic.api.fields import day_field as _day
from ketaclinic.api.fields import id_field as _id
from ketaclinic.inventory.api.fields import (
    BusinessTimingField,
    ContainerStatusField,
    CountKindField,
    DiscrepancyFilterField,
    MovementKindField,
    ReportFormatField,
)
from ketaclinic.inventory.services import MAX_CONTAINERS_PER_RECEIPT

# --- stock movements (issue 6) -----------------------------------------------------------------


def _stock_amount(help_text: str) -> StrictDecimalField:
    return StrictDecimalField(
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0.001"),
        help_text=help_text
        + " In mL for a vial (to 0.001 mL), in whole devices for a kit; a number or a numeric "
        'string ("0.8").',
    )


class ReceiptInputSerializer(InputSerializer):
    """Containers received into a location, as on the invoice (21 CFR 1304.22(c))."""

    product_id = _id("The product (of the acting clinic).")
    location_id = _id("Where the stock is put (a location in service at the acting clinic).")
    lot_number = serializers.CharField(max_length=40)
    expires_on = serializers.DateField(help_text="The lot's expiry, YYYY-MM-DD.")
    container_count = serializers.IntegerField(
        min_value=1, max_value=MAX_CONTAINERS_PER_RECEIPT, help_text="How many vials or kits."
    )
    received_on = serializers.DateField(
        help_text="The date the stock actually arrived, YYYY-MM-DD (not in the future)."
    )
    supplier_name = serializers.CharField(max_length=200)
    supplier_address = serializers.CharField(max_length=500)
    supplier_dea_number = serializers.CharField(max_length=9, help_text="E.g. BR1234563.")
    invoice_number = serializers.CharField(max_length=100)


class DrawInputSerializer(InputSerializer):
    """A draw from a container for one treatment session."""

    container_id = _id("The vial or kit drawn from.")
    appointment_id = _id("The treatment session (a booked appointment) it is drawn for.")
    quantity = _stock_amount("How much is drawn.")


class AdministrationInputSerializer(InputSerializer):
    """What the patient received from a draw."""

    quantity = _stock_amount("How much was administered.")


class WasteInputSerializer(InputSerializer):
    """What is left of a draw, wasted before a witness who signs with their own password."""

    quantity = _stock_amount("How much is wasted.")
    reason = serializers.CharField(max_length=500)
    witness_id = _id(
        "The witness: another member of staff at the clinic with a current licence to witness."
    )
    witness_password = serializers.CharField(
        max_length=200,
        trim_whitespace=False,
        write_only=True,
        help_text=(
            "The witness's own password, typed by the witness: their signature. Wrong ones "
            "pause signing as the witness (never their sign-in); never stored or echoed."
        ),
    )


# --- counts and discrepancies (issue 6) --------------------------------------------------------

# Entries per count: every container on hand at the location (or, for an inventory, the clinic).
MAX_COUNT_ENTRIES = 2000


def _signature(whose: str) -> serializers.CharField:
    return serializers.CharField(
        max_length=200,
        trim_whitespace=False,
        write_only=True,
        required=False,
        help_text=(
            f"The {whose}'s own password, typed by the {whose}: their signature. Wrong ones "
            f"pause signing as the {whose} (never their sign-in); never stored or echoed."
        ),
    )


class CountEntryInputSerializer(InputSerializer):
    """What was found of one container on the sheet."""

    container_id = _id("A container on hand (`GET /inventory/containers?status=…`).")
    is_found = StrictBooleanField(
        help_text="false: not found (counted as zero). A sealed container found counts whole."
    )
    amount = StrictDecimalField(
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        help_text="For an opened container: what is left, in mL for a vial (an estimated "
        "measure, to 0.001 mL) or whole devices for a kit. Ignored for a sealed one.",
    )


class CountInputSerializer(InputSerializer):
    """A count: every container on hand, each found or not, opened ones with what is left."""

    kind = CountKindField()
    location_id = _id(
        "The location counted (a shift or daily count); left out or null for an initial or "
        "biennial inventory, which covers every location.",
        required=False,
        allow_null=True,
    )
    timing = BusinessTimingField(
        required=False,
        help_text="Opening or close of business: required for an initial or biennial inventory.",
    )
    witness_id = _id(
        "Who witnesses the count (required for an inventory): another member of staff with a "
        "current licence to witness.",
        required=False,
        allow_null=True,
    )
    witness_password = _signature("witness")
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    entries = serializers.ListField(
        child=CountEntryInputSerializer(),
        max_length=MAX_COUNT_ENTRIES,
        help_text="One entry for each container on hand, none twice.",
    )


class DiscrepancyFindingsInputSerializer(InputSerializer):
    """What the investigation found, and the judgement the DEA's deadlines hang on."""

    is_theft_or_significant_loss = StrictBooleanField(
        help_text="true: the DEA notice is due one business day after discovery and Form 106 "
        "within 45 days."
    )
    findings = serializers.CharField(max_length=4000)


class DeaNoticeInputSerializer(InputSerializer):
    """The written notice to the DEA Field Division Office."""

    sent_on = _day("The day the notice was sent, YYYY-MM-DD (not in the future).")
    note = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")


class Form106InputSerializer(InputSerializer):
    """DEA Form 106, filed electronically."""

    filed_on = _day("The day Form 106 was filed, YYYY-MM-DD (not in the future).")
    reference = serializers.CharField(max_length=100, help_text="The confirmation number.")


class DiscrepancyResolveInputSerializer(InputSerializer):
    """The findings that close the discrepancy, and whether the ledger is corrected."""

    findings = serializers.CharField(max_length=4000)
    adjust_balance = StrictBooleanField(
        required=False,
        default=False,
        help_text="true: correct the container by the counted difference (an adjustment), "
        "signed off by a second person who signs with their own password.",
    )
    approver_id = _id(
        "Who signs off the adjustment: another member of staff who records stock.",
        required=False,
        allow_null=True,
    )
    approver_password = _signature("approver")


# --- query parameters --------------------------------------------------------------------------


class LotListQuerySerializer(serializers.Serializer):
    product_id = serializers.IntegerField(required=False, min_value=1, help_text="One product.")


class ContainerListQuerySerializer(LotListQuerySerializer):
    status = ContainerStatusField(required=False, help_text="One status; every one by default.")
    location_id = serializers.IntegerField(required=False, min_value=1, help_text="One location.")


class MovementListQuerySerializer(LotListQuerySerializer):
    kind = MovementKindField(required=False, help_text="One kind of movement.")
    since = serializers.DateField(
        required=False, help_text="From this clinic day on, YYYY-MM-DD (inclusive)."
    )
    until = serializers.DateField(
        required=False, help_text="Up to this clinic day, YYYY-MM-DD (inclusive)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError({"until": ["Must not be before `since`."]})
        return attrs


class DiscrepancyListQuerySerializer(serializers.Serializer):
    status = DiscrepancyFilterField(
        required=False, default="open", help_text="`open` (the default), `resolved` or `all`."
    )


class ReportQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False,
        help_text="First clinic day of the period, YYYY-MM-DD (dispensing, receipts, waste); "
        "the first of `end`'s month by default.",
    )
    end = serializers.DateField(
        required=False,
        help_text="Last clinic day of the period, inclusive; today by default. At most two years.",
    )
    product_id = serializers.IntegerField(
        required=False, min_value=1, help_text="One product (all but the inventory)."
    )
    location_id = serializers.IntegerField(
        required=False, min_value=1, help_text="One location (current balances)."
    )
    count_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="One initial or biennial inventory (the inventory report); the latest by "
        "default.",
    )
    format = ReportFormatField(
        required=False,
        default="json",
        help_text="`json` (the default), or `csv`: the main table as a spreadsheet file. The "
        "PDF is on the staff report page.",
    )
