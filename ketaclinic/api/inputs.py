"""Request bodies of the journey's writes (issue 4) and of courses and scheduling (issue 5): JSON
types and lengths only.

What an entry must be to be accepted (a plausible weight, a known ICD-10 code, a phone number with
its area code, a consent that is the current version) is decided by the same forms and services the
staff pages use; these serializers only make sure each field has the right JSON type and a length
the database can hold, and refuse fields they do not know (a misspelt field on a PUT would
otherwise silently clear what it meant to set).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ketaclinic.api.fields import (
    InputSerializer,
    StrictBooleanField,
    StrictDecimalField,
)
from ketaclinic.api.fields import day_field as _day
from ketaclinic.api.fields import id_field as _id
from ketaclinic.api.fields import text_field as _text
from ketaclinic.api.fields import time_field as _time
from ketaclinic.consent.models import Treatment
from ketaclinic.consent.services import MAX_SIGNATURE_BYTES
from ketaclinic.courses.models import CourseStatus
from ketaclinic.intake.forms import HISTORY_CHOICES
from ketaclinic.intake.models import INDICATION_CHOICES, TRIAL_OUTCOME_CHOICES, EligibilityOutcome
from ketaclinic.inventory.models import BusinessTiming, CountKind, MovementKind
from ketaclinic.inventory.services import MAX_CONTAINERS_PER_RECEIPT
from ketaclinic.patients.models import SexAtBirth
from ketaclinic.scheduling.models import VISIT_KIND_CHOICES, AppointmentStatus

# Rows per list on the intake, as on the staff form (its formsets take at most 30).
MAX_ROWS = 30
# A drawn signature: at most MAX_SIGNATURE_BYTES of PNG, base64-encoded, after its data: prefix.
MAX_SIGNATURE_DATA_URL = len("data:image/png;base64,") + 4 * (MAX_SIGNATURE_BYTES // 3 + 1)


class TrialOutcomeField(serializers.ChoiceField):
    """A trial's outcome. Its schema is the `TrialOutcomeEnum` component (api/schema.py): left
    to drf-spectacular it would collide with the decision's `outcome` enum."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=TRIAL_OUTCOME_CHOICES, **kwargs)


class CourseStatusField(serializers.ChoiceField):
    """A course's state, as the `CourseStatusEnum` component (api/schema.py)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CourseStatus.choices, **kwargs)


class AppointmentStatusField(serializers.ChoiceField):
    """An appointment's state, as the `AppointmentStatusEnum` component (api/schema.py)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AppointmentStatus.choices, **kwargs)


# --- registration ------------------------------------------------------------------------------


class PatientRegistrationSerializer(InputSerializer):
    """A patient's details, as on the staff registration form (whose checks they pass too)."""

    legal_first_name = serializers.CharField(max_length=100)
    legal_last_name = serializers.CharField(max_length=100)
    preferred_name = _text(100)
    date_of_birth = serializers.DateField(help_text="YYYY-MM-DD; the patient must be an adult.")
    sex_at_birth = serializers.ChoiceField(choices=SexAtBirth.choices)
    gender_identity = _text(100)
    phone = _text(32, help_text="With its area code. A phone number or an email is needed.")
    email = _text(254)
    address_line1 = _text(200)
    address_line2 = _text(200)
    city = _text(100)
    state = _text(40, help_text="The two-letter state code, e.g. CO.")
    postal_code = _text(10, help_text="12345 or 12345-6789.")
    preferred_language = serializers.CharField(max_length=50, allow_blank=True, default="English")
    emergency_contact_name = _text(200)
    emergency_contact_relationship = _text(50)
    emergency_contact_phone = _text(32)
    escort_name = _text(200, help_text="The adult who usually drives the patient home.")
    escort_phone = _text(32)
    referring_clinician = _text(200)
    primary_care_clinician = _text(200)
    payment_note = _text(500)
    confirmed_not_duplicate = StrictBooleanField(
        default=False,
        help_text=(
            "Send true only after checking the possible duplicates a 409 listed: this is a "
            "different person."
        ),
    )


class InquiryRegistrationSerializer(PatientRegistrationSerializer):
    """As a direct registration; name, email and phone default to the inquiry's."""

    legal_first_name = serializers.CharField(
        max_length=100, required=False, help_text="Defaults to the inquiry's first name."
    )
    legal_last_name = serializers.CharField(
        max_length=100, required=False, help_text="Defaults to the rest of the inquiry's name."
    )
    phone = serializers.CharField(
        max_length=32, allow_blank=True, required=False, help_text="Defaults to the inquiry's."
    )
    email = serializers.CharField(
        max_length=254, allow_blank=True, required=False, help_text="Defaults to the inquiry's."
    )


# --- intake ------------------------------------------------------------------------------------


class TrialInputSerializer(InputSerializer):
    """One antidepressant trial: the drug, its highest dose and for how long, and how it ended."""

    drug = serializers.CharField(max_length=100)
    highest_dose_mg = StrictDecimalField(
        max_digits=7, decimal_places=2, help_text="Highest daily dose, mg."
    )
    weeks_at_dose = serializers.IntegerField(min_value=0, help_text="Weeks at that dose.")
    is_dose_adequate = StrictBooleanField()
    is_adherent = StrictBooleanField(help_text="Taken as prescribed.")
    outcome = TrialOutcomeField()
    is_current_episode = StrictBooleanField()


class MedicationInputSerializer(InputSerializer):
    """A current medication (classified for interactions with ketamine by the rules)."""

    name = serializers.CharField(max_length=100)
    dose_mg = StrictDecimalField(
        max_digits=7, decimal_places=2, min_value=0, allow_null=True, default=None
    )
    frequency = _text(50)


KEPT = "Left out, the stored value is kept."


class IntakeInputSerializer(InputSerializer):
    """The intake's fields. A field left out keeps its stored value (send it empty, `null` or
    `[]` to clear it); a list sent replaces the stored list. Saves a draft, submits it, or, with
    `amendment_reason`, amends a submitted intake (a new version)."""

    submit = StrictBooleanField(
        required=False,
        help_text="On a draft: true submits it for eligibility review, false (or left out) "
        "saves the draft. A submitted intake never goes back to a draft: false is refused "
        "with 409 there.",
    )
    amendment_reason = serializers.CharField(
        max_length=2000,
        required=False,
        help_text="Amends a submitted intake (required for that): why it changes. The "
        "changes become a new version and every earlier version is kept.",
    )
    indication = serializers.ChoiceField(
        choices=INDICATION_CHOICES, allow_blank=True, required=False, help_text=KEPT
    )
    psychiatric_history = serializers.CharField(
        max_length=8000, allow_blank=True, required=False, help_text=KEPT
    )
    medical_history = serializers.ListField(
        child=serializers.ChoiceField(choices=HISTORY_CHOICES),
        max_length=len(HISTORY_CHOICES),
        required=False,
        help_text="The history that matters for ketamine (each item once). " + KEPT,
    )
    substance_use = serializers.CharField(
        max_length=4000, allow_blank=True, required=False, help_text=KEPT
    )
    allergies = serializers.CharField(
        max_length=1000,
        allow_blank=True,
        required=False,
        help_text="Write 'none known' if none. " + KEPT,
    )
    is_pregnant = StrictBooleanField(allow_null=True, required=False, help_text=KEPT)
    is_breastfeeding = StrictBooleanField(allow_null=True, required=False, help_text=KEPT)
    height_cm = StrictDecimalField(
        max_digits=5, decimal_places=1, allow_null=True, required=False, help_text=KEPT
    )
    weight_kg = StrictDecimalField(
        max_digits=5, decimal_places=1, allow_null=True, required=False, help_text=KEPT
    )
    baseline_systolic_mmhg = serializers.IntegerField(
        min_value=0, max_value=400, allow_null=True, required=False, help_text=KEPT
    )
    baseline_diastolic_mmhg = serializers.IntegerField(
        min_value=0, max_value=300, allow_null=True, required=False, help_text=KEPT
    )
    baseline_heart_rate_bpm = serializers.IntegerField(
        min_value=0, max_value=300, allow_null=True, required=False, help_text=KEPT
    )
    baseline_spo2_percent = serializers.IntegerField(
        min_value=0, max_value=100, allow_null=True, required=False, help_text=KEPT
    )
    diagnoses = serializers.ListField(
        child=serializers.CharField(max_length=10),
        max_length=MAX_ROWS,
        required=False,
        help_text="ICD-10 codes from the clinic's list, e.g. F33.2. " + KEPT,
    )
    trials = serializers.ListField(
        child=TrialInputSerializer(), max_length=MAX_ROWS, required=False, help_text=KEPT
    )
    medications = serializers.ListField(
        child=MedicationInputSerializer(), max_length=MAX_ROWS, required=False, help_text=KEPT
    )


# --- eligibility -------------------------------------------------------------------------------


class EligibilityDecisionInputSerializer(InputSerializer):
    """The physician's decision; the note is the reasoning that goes into the record."""

    outcome = serializers.ChoiceField(choices=EligibilityOutcome.choices)
    note = serializers.CharField(
        max_length=8000, allow_blank=True, help_text="The reasoning; it goes into the record."
    )
    protocol_key = serializers.CharField(
        max_length=64,
        allow_blank=True,
        default="",
        help_text="When approved: the protocol, e.g. iv-ketamine-depression@1.",
    )
    requested_items = _text(500, help_text="When more information is needed: ECG, labs, records…")


class AddendumInputSerializer(InputSerializer):
    """A dated addendum to a signed decision."""

    text = serializers.CharField(max_length=8000, allow_blank=True)


# --- consent -----------------------------------------------------------------------------------


class ConsentSignInputSerializer(InputSerializer):
    """A consent signed in the clinic: the version read, the typed name and the drawn signature."""

    treatment = serializers.ChoiceField(choices=Treatment.choices)
    version = serializers.IntegerField(
        min_value=1, help_text="The version the patient read; only the current one can be signed."
    )
    typed_name = serializers.CharField(
        max_length=200, help_text="The patient's legal name, typed by the patient."
    )
    drawn_signature = serializers.CharField(
        max_length=MAX_SIGNATURE_DATA_URL,
        help_text="The signature drawn by the patient: `data:image/png;base64,...`.",
    )
    has_read = StrictBooleanField(
        help_text="true: the patient has read the consent, asked their questions, and agrees."
    )


# --- courses and scheduling (issue 5) ----------------------------------------------------------
# The ranges are the staff forms' (courses/forms.py, scheduling/forms.py); whether a plan, a dose
# or a time is allowed is for the services to say.

# Rows in a series, as on the staff page.
MAX_SERIES_ROWS = 12


class CourseInputSerializer(InputSerializer):
    """The physician's plan, under the protocol the patient was approved for."""

    target_infusions = serializers.IntegerField(
        min_value=1, max_value=12, help_text="Induction infusions (the protocol may allow fewer)."
    )
    starting_dose = StrictDecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0.001"),
        help_text="In the protocol's dose unit (e.g. mg/kg).",
    )
    titration_plan = serializers.CharField(max_length=500)
    booster_plan = serializers.CharField(max_length=500)
    rems_patient_enrollment = _text(
        32, help_text="Esketamine only: the SPRAVATO REMS patient enrolment, before the first dose."
    )
    note = _text(2000)


class CourseStatusInputSerializer(InputSerializer):
    """Move the course along its lifecycle; extending or stopping it needs a reason."""

    to_status = CourseStatusField()
    reason = _text(500)


class DoseOrderInputSerializer(InputSerializer):
    """A physician's order for the dose to give under the course."""

    dose = StrictDecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0.001"),
        help_text="In the course's dose unit.",
    )
    valid_days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        allow_null=True,
        default=None,
        help_text="How long the order is valid; the clinic's maximum when left out.",
    )
    override_reason = _text(
        500, help_text="The physician's reason to exceed the protocol's cap (otherwise refused)."
    )
    note = _text(500)


class AppointmentInputSerializer(InputSerializer):
    """A visit booked at the clinic's wall-clock `day` and `time`."""

    patient_id = _id("The patient (of the acting clinic).")
    kind = serializers.ChoiceField(choices=VISIT_KIND_CHOICES)
    day = _day()
    time = _time()
    chair_id = _id("The chair; a treatment needs one.", allow_null=True, default=None)
    clinician_id = _id(
        "Who sees the patient: a physician, nurse or therapist of the clinic.",
        allow_null=True,
        default=None,
    )
    note = _text(500, help_text="A note for the team.")


class RescheduleInputSerializer(InputSerializer):
    """The new wall-clock time; the chair stays unless `chair_id` is sent (null: no chair)."""

    day = _day()
    time = _time()
    chair_id = _id(
        "The chair; left out, the appointment keeps its chair.", allow_null=True, required=False
    )
    reason = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Why it is moved (recorded in the audit)."
    )


class ReasonInputSerializer(InputSerializer):
    """Why the appointment is cancelled or was missed."""

    reason = serializers.CharField(max_length=500, allow_blank=True)


class SeriesProposalInputSerializer(InputSerializer):
    """What the patient prefers; the series is proposed in free chairs from `first_day` on."""

    first_day = _day("The first day the series may start, YYYY-MM-DD.")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="Preferred weekdays, 0 = Monday … 6 = Sunday.",
    )
    preferred_time = _time(
        "The preferred wall-clock time, HH:MM or HH:MM:SS with :00 seconds; the nearest free "
        "one otherwise."
    )
    count = serializers.IntegerField(
        min_value=1, max_value=MAX_SERIES_ROWS, help_text="How many treatments to propose."
    )


class SeriesSlotInputSerializer(InputSerializer):
    """One treatment of the series, as proposed or as adjusted by the front desk."""

    day = _day()
    time = _time()
    chair_id = _id("The chair.")


class SeriesInputSerializer(InputSerializer):
    """The series to book: every row, or none."""

    slots = serializers.ListField(
        child=SeriesSlotInputSerializer(), min_length=1, max_length=MAX_SERIES_ROWS
    )


# --- controlled-substance stock (issue 6) ------------------------------------------------------


class MovementKindField(serializers.ChoiceField):
    """A ledger movement's kind, as the `MovementKindEnum` component (api/inventory.py)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MovementKind.choices, **kwargs)


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


class CountKindField(serializers.ChoiceField):
    """A count's kind, as the `CountKindEnum` component (api/inventory_counts.py)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CountKind.choices, **kwargs)


class BusinessTimingField(serializers.ChoiceField):
    """Opening or close of business, as the `BusinessTimingEnum` component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=BusinessTiming.choices, **kwargs)


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
