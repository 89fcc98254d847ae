"""Questionnaire scoring (CLINICAL.md §6, §7, §9): totals, bands, flags and refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.body_weight import Sex
from ketaclinic.medicine.errors import AnswerOutOfRange, IncompleteQuestionnaire, UnknownItem
from ketaclinic.medicine.questionnaires import (
    INSTRUMENTS,
    instrument_get,
    parse_wording_csv,
    score_audit_c,
)
from ketaclinic.medicine.questionnaires.base import Instrument


def answers(instrument: Instrument, *values: int) -> dict[str, int]:
    return dict(zip(instrument.item_codes, values, strict=True))


def same(instrument: Instrument, value: int) -> dict[str, int]:
    return dict.fromkeys(instrument.item_codes, value)


@pytest.mark.parametrize(
    ("code", "values", "total", "band"),
    [
        ("phq9", (0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "minimal"),
        ("phq9", (1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild"),
        ("phq9", (2, 2, 2, 2, 2, 0, 0, 0, 0), 10, "moderate"),
        ("phq9", (3, 3, 3, 3, 3, 0, 0, 0, 0), 15, "moderately severe"),
        ("phq9", (3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "severe"),
        ("gad7", (3, 3, 3, 3, 3, 0, 0), 15, "severe"),
        ("gad7", (1, 1, 1, 1, 0, 0, 0), 4, "minimal"),
        ("madrs", (3, 3, 3, 3, 3, 3, 3, 3, 3, 3), 30, "moderate"),
        ("madrs", (4, 4, 4, 4, 4, 4, 4, 4, 4, 0), 36, "severe"),
        ("ybocs", (4, 4, 4, 4, 4, 4, 0, 0, 0, 0), 24, "severe"),
        ("pain_nrs", (7,), 7, "severe"),
        ("audit", (4, 4, 4, 0, 0, 0, 0, 0, 4, 4), 20, "probable dependence"),
        ("audit", (2, 1, 1, 1, 1, 0, 1, 1, 0, 0), 8, "hazardous"),
        ("moaa_s", (5,), 5, "awake"),
        ("moaa_s", (0,), 0, "unresponsive"),
    ],
)
def test_totals_and_severity_bands(
    code: str, values: tuple[int, ...], total: int, band: str
) -> None:
    instrument = instrument_get(code)
    result = instrument.score(answers(instrument, *values))
    assert (result.total, result.band) == (total, band)


def test_phq9_item_9_raises_the_suicide_risk_flag_at_any_score() -> None:
    phq9 = instrument_get("phq9")
    assert phq9.score(answers(phq9, 0, 0, 0, 0, 0, 0, 0, 0, 1)).flags == ("suicide_risk",)
    assert phq9.score(answers(phq9, 3, 3, 3, 3, 3, 3, 3, 3, 0)).flags == ()


def test_pcl5_probable_ptsd_at_33() -> None:
    pcl5 = instrument_get("pcl5")
    assert (
        pcl5.score(
            {**same(pcl5, 1), "pcl5.1": 4, "pcl5.2": 4, "pcl5.3": 3, "pcl5.4": 4, "pcl5.5": 3}
        ).band
        == "probable PTSD"
    )
    assert pcl5.score(same(pcl5, 1)).band == "below threshold"


def test_qids_sr16_scores_by_its_nine_domains() -> None:
    qids = instrument_get("qids_sr16")
    values = {
        **same(qids, 0),
        "qids.1": 1,
        "qids.3": 3,
        "qids.6": 2,
        "qids.9": 1,
        "qids.12": 1,
        "qids.15": 2,
        "qids.16": 3,
    }
    result = qids.score(values)
    assert result.domains["sleep"] == 3
    assert result.domains["appetite_weight"] == 2
    assert result.domains["psychomotor"] == 3
    assert result.total == 3 + 2 + 1 + 3  # sleep, appetite/weight, suicidality, psychomotor
    assert result.band == "mild"
    assert result.flags == ("suicide_risk",)


@pytest.mark.parametrize(
    ("sex", "total", "positive"),
    [(Sex.MALE, 3, False), (Sex.MALE, 4, True), (Sex.FEMALE, 3, True), (Sex.FEMALE, 2, False)],
)
def test_audit_c_uses_the_sex_specific_cut_off(sex: Sex, total: int, positive: bool) -> None:
    audit_c = instrument_get("audit_c")
    values = answers(audit_c, min(total, 4), max(0, total - 4), 0)
    result = score_audit_c(values, sex=sex)
    assert result.total == total
    assert (result.band == "positive") is positive


def test_audit_c_without_sex_says_three_is_positive_for_women_only() -> None:
    audit_c = instrument_get("audit_c")
    assert audit_c.score(answers(audit_c, 1, 1, 1)).band == "positive for women, negative for men"


def test_audit_items_9_and_10_take_only_0_2_or_4() -> None:
    audit = instrument_get("audit")
    with pytest.raises(AnswerOutOfRange, match=r"audit\.9: 1 is not an allowed answer \(0, 2, 4\)"):
        audit.score({**same(audit, 0), "audit.9": 1})


def test_dast10_item_3_is_reverse_scored() -> None:
    dast = instrument_get("dast10")
    assert dast.score(same(dast, 0)).total == 1  # "no" to "able to stop" scores 1
    assert dast.score({**same(dast, 1), "dast10.3": 0}).total == 10
    assert dast.score({**same(dast, 0), "dast10.3": 1}).band == "none"


@pytest.mark.parametrize(
    ("yes", "level", "flags"),
    [
        ((), "none", ()),
        ((1,), "low", ()),
        ((1, 2), "low", ()),
        ((1, 2, 3), "moderate", ("suicide_risk",)),
        ((4,), "high", ("suicide_risk", "immediate_safety_protocol")),
        ((6,), "high", ("suicide_risk", "immediate_safety_protocol")),
    ],
)
def test_cssrs_screener_triage(yes: tuple[int, ...], level: str, flags: tuple[str, ...]) -> None:
    cssrs = instrument_get("cssrs_screener")
    result = cssrs.score({code: int(int(code.split(".")[1]) in yes) for code in cssrs.item_codes})
    assert (result.band, result.flags) == (level, flags)


def test_cadss6_uses_items_1_2_6_7_15_22_of_the_full_scale() -> None:
    assert instrument_get("cadss6").item_codes == (
        "cadss.1",
        "cadss.2",
        "cadss.6",
        "cadss.7",
        "cadss.15",
        "cadss.22",
    )
    assert instrument_get("cadss").score(same(instrument_get("cadss"), 4)).total == 92


@pytest.mark.parametrize("code", ["modified_aldrete", "padss", "modified_padss"])
def test_discharge_scores_flag_nine_or_more(code: str) -> None:
    instrument = instrument_get(code)
    values = same(instrument, 2)
    assert instrument.score(values).flags == ("meets_discharge_score",)
    first, second = instrument.item_codes[:2]
    values.update({first: 1, second: 1})
    assert instrument.score(values).flags == ()
    assert instrument.score(values).total == 8


def test_an_incomplete_questionnaire_is_refused_naming_the_items() -> None:
    phq9 = instrument_get("phq9")
    with pytest.raises(IncompleteQuestionnaire, match=r"no answer for phq9\.8, phq9\.9"):
        phq9.score(dict.fromkeys(phq9.item_codes[:7], 0))


@pytest.mark.parametrize("bad", [4, -1, True, "2", 1.5])
def test_out_of_range_answers_are_refused_naming_the_item(bad: object) -> None:
    phq9 = instrument_get("phq9")
    with pytest.raises(AnswerOutOfRange, match=r"item phq9\.3"):
        phq9.score({**same(phq9, 0), "phq9.3": bad})  # type: ignore[dict-item]


def test_unknown_items_and_instruments_are_refused() -> None:
    phq9 = instrument_get("phq9")
    with pytest.raises(UnknownItem, match=r"phq9\.10"):
        phq9.score({**same(phq9, 0), "phq9.10": 0})
    with pytest.raises(UnknownItem, match="No instrument 'hamd'"):
        instrument_get("hamd")


def test_licensed_instruments_ship_without_wording_and_free_ones_with_it() -> None:
    licensed = {code for code, instrument in INSTRUMENTS.items() if instrument.is_wording_licensed}
    assert licensed == {
        "qids_sr16",
        "dast10",
        "cssrs_screener",
        "madrs",
        "ybocs",
        "cadss",
        "cadss6",
    }
    for code, instrument in INSTRUMENTS.items():
        texts = [item.text for item in instrument.items]
        assert all(texts) if code not in licensed else not any(texts), code


def test_clinic_wording_is_loaded_from_a_file_and_checked() -> None:
    madrs = instrument_get("madrs")
    csv_text = "item_code,text\n" + "\n".join(f'{code},"Item, {code}"' for code in madrs.item_codes)
    worded = madrs.with_wording(parse_wording_csv(csv_text))
    assert worded.items[0].text == "Item, madrs.1"
    with pytest.raises(IncompleteQuestionnaire, match="no text for"):
        madrs.with_wording({"madrs.1": "Apparent sadness"})
    with pytest.raises(UnknownItem, match="unknown items"):
        madrs.with_wording({**dict.fromkeys(madrs.item_codes, "x"), "madrs.11": "x"})
    with pytest.raises(IncompleteQuestionnaire, match="has no text"):
        parse_wording_csv("madrs.1\n")


def test_loinc_codes_of_clinical_md_9_1() -> None:
    assert (instrument_get("phq9").panel_loinc, instrument_get("phq9").total_loinc) == (
        "44249-1",
        "44261-6",
    )
    assert instrument_get("phq9").items[8].loinc == "44260-8"
    assert instrument_get("gad7").total_loinc == "70274-6"
    assert instrument_get("audit_c").total_loinc == "75626-2"
    assert instrument_get("pain_nrs").total_loinc == "72514-3"


@given(data=st.data(), code=st.sampled_from(sorted(INSTRUMENTS)))
def test_every_complete_answer_set_scores_within_the_instruments_range(
    data: st.DataObject, code: str
) -> None:
    instrument = INSTRUMENTS[code]
    values = {item.code: data.draw(st.sampled_from(item.allowed)) for item in instrument.items}
    result = instrument.score(values)
    low, high = instrument.total_range
    assert low <= result.total <= high
    assert result.band


def test_a_total_outside_every_band_is_refused() -> None:
    with pytest.raises(AnswerOutOfRange, match="outside every band"):
        instrument_get("phq9").band_for(28)
