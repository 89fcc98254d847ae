"""Questionnaires and clinical scales: definitions, scoring, bands and LOINC codes (§6, §7, §9)."""

from __future__ import annotations

from ketaclinic.medicine.errors import UnknownItem
from ketaclinic.medicine.questionnaires.aldrete import MODIFIED_ALDRETE
from ketaclinic.medicine.questionnaires.audit import AUDIT, AUDIT_C, score_audit_c
from ketaclinic.medicine.questionnaires.base import Instrument, ScoreResult, parse_wording_csv
from ketaclinic.medicine.questionnaires.cadss import CADSS, CADSS6
from ketaclinic.medicine.questionnaires.cssrs import CSSRS_SCREENER
from ketaclinic.medicine.questionnaires.dast10 import DAST10
from ketaclinic.medicine.questionnaires.gad7 import GAD7
from ketaclinic.medicine.questionnaires.madrs import MADRS
from ketaclinic.medicine.questionnaires.moaa_s import MOAA_S
from ketaclinic.medicine.questionnaires.padss import MODIFIED_PADSS, PADSS
from ketaclinic.medicine.questionnaires.pain_nrs import PAIN_NRS
from ketaclinic.medicine.questionnaires.pcl5 import PCL5
from ketaclinic.medicine.questionnaires.phq9 import PHQ9
from ketaclinic.medicine.questionnaires.qids_sr16 import QIDS_SR16
from ketaclinic.medicine.questionnaires.ybocs import YBOCS

INSTRUMENTS: dict[str, Instrument] = {
    instrument.code: instrument
    for instrument in (
        PHQ9,
        GAD7,
        PCL5,
        QIDS_SR16,
        AUDIT,
        AUDIT_C,
        DAST10,
        PAIN_NRS,
        CSSRS_SCREENER,
        MADRS,
        YBOCS,
        CADSS,
        CADSS6,
        MOAA_S,
        MODIFIED_ALDRETE,
        PADSS,
        MODIFIED_PADSS,
    )
}


def instrument_get(code: str) -> Instrument:
    if code not in INSTRUMENTS:
        raise UnknownItem(f"No instrument {code!r}. Known: {', '.join(sorted(INSTRUMENTS))}.")
    return INSTRUMENTS[code]


__all__ = [
    "INSTRUMENTS",
    "Instrument",
    "ScoreResult",
    "instrument_get",
    "parse_wording_csv",
    "score_audit_c",
]
