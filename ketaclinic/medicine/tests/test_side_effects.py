"""Side effects and their PRN drugs (CLINICAL.md §6.5, §5.4)."""

from __future__ import annotations

from decimal import Decimal

from ketaclinic.medicine.side_effects import (
    PRN_SUGGESTIONS,
    Severity,
    SideEffectAction,
    SideEffectKind,
    prn_suggestions_for,
)


def test_side_effect_kinds_labels_and_prn_drugs() -> None:
    assert SideEffectKind.SEDATION.label == "Drowsiness or sedation"
    assert SideEffectKind.DISSOCIATION.label == "Dissociation or hallucinations"
    assert SideEffectKind.ANXIETY.label == "Anxiety or emergence reaction"
    assert all(kind.label for kind in SideEffectKind)
    assert [s.value for s in Severity] == ["mild", "moderate", "severe"]
    assert [a.value for a in SideEffectAction] == ["none", "slow", "pause", "stop", "prn"]
    assert [s.drug for s in prn_suggestions_for(SideEffectKind.HYPERTENSION)] == [
        "clonidine",
        "labetalol",
    ]
    assert [s.drug for s in prn_suggestions_for(SideEffectKind.TACHYCARDIA)] == [
        "labetalol",
        "metoprolol tartrate",
    ]
    (ondansetron,) = prn_suggestions_for(SideEffectKind.VOMITING)
    assert (ondansetron.dose, ondansetron.unit, ondansetron.route) == (Decimal("4"), "mg", "IV")
    assert prn_suggestions_for(SideEffectKind.HEADACHE) == ()
    assert len(PRN_SUGGESTIONS) == 6
