"""The clinic's licensed questionnaire wording (CLINICAL.md §9.2): reads and the one write.

ketaclinic ships item codes and scoring only for licensed instruments (C-SSRS, DAST-10, QIDS,
MADRS, Y-BOCS, CADSS); the clinic loads the item wording from its own licensed copy. Every page
that offers a questionnaire (the link, the patient's page, the portal, entry at the chair)
takes the instrument from `instruments_for_clinic`, and offers one without wording as
`WORDING_NOT_LOADED` instead of showing item codes.
"""

from __future__ import annotations

import contextlib
import csv
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.questionnaires import INSTRUMENTS, Instrument, parse_wording_csv
from ketaclinic.outcomes.models import InstrumentWording

WORDING_NOT_LOADED = "wording not loaded — ask your clinic admin"
MAX_WORDING_CHARS = 100_000  # a whole licensed scale is a few thousand characters
MAX_ITEM_CHARS = 2000


def instrument_has_wording(instrument: Instrument) -> bool:
    """Every item has its question: it can be asked on a screen."""
    return all(item.text for item in instrument.items)


def instruments_for_clinic(*, clinic: Clinic) -> dict[str, Instrument]:
    """Every instrument, the licensed ones with the clinic's wording attached (one query)."""
    loaded = dict(
        InstrumentWording.objects.filter(clinic=clinic).values_list("instrument", "item_texts")
    )
    instruments: dict[str, Instrument] = {}
    for code, instrument in INSTRUMENTS.items():
        texts = loaded.get(code)
        if texts and not instrument_has_wording(instrument):
            # Stored for an older item list: not loaded until the admin loads it again.
            with contextlib.suppress(ClinicalRuleError):
                instrument = instrument.with_wording(texts)
        instruments[code] = instrument
    return instruments


def instrument_for_clinic(*, clinic: Clinic, code: str) -> Instrument:
    """One instrument as the clinic asks it; NotFound for an unknown code."""
    instrument = instruments_for_clinic(clinic=clinic).get(code)
    if instrument is None:
        raise NotFound("No such questionnaire.")
    return instrument


@dataclass(frozen=True)
class WordingStatus:
    instrument: Instrument  # with the clinic's wording when loaded
    loaded: InstrumentWording | None

    @property
    def has_wording(self) -> bool:
        return instrument_has_wording(self.instrument)

    @property
    def template_csv(self) -> str:
        """The file to fill: one line per item, the text to copy from the licensed copy."""
        lines = ["item_code,text"] + [f"{item.code}," for item in self.instrument.items]
        return "\n".join(lines) + "\n"


def instrument_wording_status_list(*, clinic: Clinic) -> list[WordingStatus]:
    """The licensed instruments, each with the clinic's wording if loaded; missing ones first."""
    rows = {
        row.instrument: row
        for row in InstrumentWording.objects.filter(clinic=clinic).select_related("loaded_by")
    }
    instruments = instruments_for_clinic(clinic=clinic)
    statuses = [
        WordingStatus(instrument=instruments[code], loaded=rows.get(code))
        for code, shipped in INSTRUMENTS.items()
        if shipped.is_wording_licensed
    ]
    return sorted(statuses, key=lambda status: (status.has_wording, status.instrument.name))


@transaction.atomic
def instrument_wording_load(
    *, acting_user: User, clinic: Clinic, instrument_code: str, wording_csv: str
) -> InstrumentWording:
    """Load (or replace) a licensed instrument's wording from `item_code,text` lines. Refused
    whole when an item is missing, unknown or empty, so a scale is never half-worded."""
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=clinic)
    instrument = INSTRUMENTS.get(instrument_code)
    if instrument is None or not instrument.is_wording_licensed:
        raise InvalidInput(
            "Choose one of the licensed questionnaires listed.",
            fields={"instrument": ["Not a licensed questionnaire."]},
        )
    if len(wording_csv) > MAX_WORDING_CHARS:
        raise InvalidInput(
            "That file is too long for a questionnaire's wording.",
            fields={"wording": ["Too long."]},
        )
    try:
        worded = instrument.with_wording(parse_wording_csv(wording_csv))
    except ClinicalRuleError as error:
        raise InvalidInput(error.message, fields={"wording": [error.message]}) from error
    except csv.Error as error:
        message = f"The file could not be read as item_code,text lines ({error})."
        raise InvalidInput(message, fields={"wording": [message]}) from error
    long_items = [item.code for item in worded.items if len(item.text) > MAX_ITEM_CHARS]
    if long_items:
        message = f"Each question is at most {MAX_ITEM_CHARS} characters: {', '.join(long_items)}."
        raise InvalidInput(message, fields={"wording": [message]})
    row, created = InstrumentWording.objects.update_or_create(
        clinic=clinic,
        instrument=instrument.code,
        defaults={
            "item_texts": {item.code: item.text for item in worded.items},
            "loaded_by": acting_user,
            "loaded_at": timezone.now(),
        },
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.QUESTIONNAIRE_WORDING_LOADED,
        clinic=clinic,
        subject=row,
        detail={"instrument": instrument.code, "items": len(worded.items), "replaced": not created},
    )
    return row
