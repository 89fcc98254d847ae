"""Named, versioned treatment protocols (CLINICAL.md §2.1, §2.2, §2.6, §2.7, §2.8).

A protocol is data: route, dosing unit, starting dose, titration ladder, warning and cap, duration
and the dosing-weight rule. Clinics add their own through `custom_protocol`, which refuses any
figure outside the safety bounds below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from ketaclinic.medicine.body_weight import DosingWeightRule, WeightBasis
from ketaclinic.medicine.errors import InvalidProtocol, UnknownProtocol


class Route(StrEnum):
    INTRAVENOUS = "intravenous"
    INTRANASAL = "intranasal"


class DoseUnit(StrEnum):
    MG_PER_KG = "mg/kg"  # a weight-based dose over `duration_min`
    MG_PER_KG_PER_HOUR = "mg/kg/h"  # a weight-based rate over hours (pain)
    MG = "mg"  # a fixed dose (esketamine devices)


class Indication(StrEnum):
    TREATMENT_RESISTANT_DEPRESSION = "trd"
    DEPRESSION_WITH_SUICIDAL_IDEATION = "mdd_si"
    PTSD = "ptsd"
    OCD = "ocd"
    ANXIETY = "anxiety"
    ALCOHOL_USE_DISORDER = "aud"
    CHRONIC_PAIN = "chronic_pain"


@dataclass(frozen=True)
class Protocol:
    code: str
    version: int
    name: str
    route: Route
    dose_unit: DoseUnit
    indications: frozenset[Indication]
    starting_dose: Decimal
    titration_steps: tuple[Decimal, ...]
    warning_above: Decimal | None
    cap: Decimal
    duration_min: int
    weight_rule: DosingWeightRule = field(default_factory=DosingWeightRule)
    bolus_cap_mg_per_kg: Decimal | None = None
    minimum_total_mg: Decimal | None = None
    minimum_duration_min: int | None = None
    max_infusions_per_course: int = 12
    older_adult_starting_dose: Decimal | None = None  # esketamine TRD at 65 and over (§2.8)
    source: str = ""

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"


# Safety bounds for any protocol a clinic defines (CLINICAL.md §2.2: > 1 mg/kg over 40 min is
# outside most of the depression evidence; anesthetic induction is 1–4.5 mg/kg; §2.7: pain
# infusions 0.5–2 mg/kg/h, up to 7 mg/kg/h only in refractory ICU cases; §2.8: 28–84 mg).
PROTOCOL_BOUNDS = {
    DoseUnit.MG_PER_KG: (Decimal("0.05"), Decimal("1.5")),
    DoseUnit.MG_PER_KG_PER_HOUR: (Decimal("0.05"), Decimal("2")),
    DoseUnit.MG: (Decimal("28"), Decimal("84")),
}
DURATION_BOUNDS_MIN = {
    DoseUnit.MG_PER_KG: (20, 240),
    DoseUnit.MG_PER_KG_PER_HOUR: (30, 600),
    DoseUnit.MG: (0, 0),
}

IV_KETAMINE_DEPRESSION = Protocol(
    code="iv-ketamine-depression",
    version=1,
    name="IV racemic ketamine, 0.5 mg/kg over 40 minutes",
    route=Route.INTRAVENOUS,
    dose_unit=DoseUnit.MG_PER_KG,
    indications=frozenset(
        {
            Indication.TREATMENT_RESISTANT_DEPRESSION,
            Indication.DEPRESSION_WITH_SUICIDAL_IDEATION,
            Indication.ANXIETY,
        }
    ),
    # §2.1: 0.5 mg/kg over 40 min; §2.2: ladder 0.5 → 0.75 → 1.0, warn above 0.75, cap 1.0.
    starting_dose=Decimal("0.5"),
    titration_steps=(Decimal("0.5"), Decimal("0.75"), Decimal("1.0")),
    warning_above=Decimal("0.75"),
    cap=Decimal("1.0"),
    duration_min=40,
    # §2.3: landmark trials dosed on actual weight; APA 2017 suggested ideal weight at BMI ≥ 30.
    weight_rule=DosingWeightRule(basis=WeightBasis.ACTUAL),
    max_infusions_per_course=12,
    source="CLINICAL.md §2.1, §2.2, §2.3",
)

IV_KETAMINE_PTSD = Protocol(
    code="iv-ketamine-ptsd",
    version=1,
    name="IV ketamine for PTSD, 0.5 mg/kg over 40 minutes (6 infusions over 2 weeks)",
    route=Route.INTRAVENOUS,
    dose_unit=DoseUnit.MG_PER_KG,
    indications=frozenset({Indication.PTSD, Indication.OCD}),
    starting_dose=Decimal("0.5"),
    titration_steps=(Decimal("0.5"), Decimal("0.75")),
    warning_above=Decimal("0.75"),
    cap=Decimal("1.0"),
    duration_min=40,
    max_infusions_per_course=6,
    source="CLINICAL.md §2.6 (Feder 2021; Rodriguez 2013)",
)

IV_KETAMINE_ALCOHOL_USE = Protocol(
    code="iv-ketamine-aud",
    version=1,
    name="IV ketamine for alcohol use disorder, 0.8 mg/kg over 40 minutes, 3 weekly",
    route=Route.INTRAVENOUS,
    dose_unit=DoseUnit.MG_PER_KG,
    indications=frozenset({Indication.ALCOHOL_USE_DISORDER}),
    starting_dose=Decimal("0.8"),
    titration_steps=(Decimal("0.8"),),
    warning_above=None,
    cap=Decimal("0.8"),
    duration_min=40,
    max_infusions_per_course=3,
    source="CLINICAL.md §2.6 (KARE, Grabski 2022)",
)

IV_KETAMINE_CHRONIC_PAIN = Protocol(
    code="iv-ketamine-pain",
    version=1,
    name="IV ketamine for chronic pain, 0.5 mg/kg/h over 4 hours",
    route=Route.INTRAVENOUS,
    dose_unit=DoseUnit.MG_PER_KG_PER_HOUR,
    indications=frozenset({Indication.CHRONIC_PAIN}),
    # §2.7 (Cohen 2018): infusion 0.5–2 mg/kg/h; bolus ≤ 0.35 mg/kg; response with a total
    # ≥ 80 mg infused over > 2 h; outpatient protocols run 4-h infusions.
    starting_dose=Decimal("0.5"),
    titration_steps=(Decimal("0.5"), Decimal("1.0"), Decimal("1.5"), Decimal("2.0")),
    warning_above=Decimal("1.0"),
    cap=Decimal("2.0"),
    duration_min=240,
    bolus_cap_mg_per_kg=Decimal("0.35"),
    minimum_total_mg=Decimal("80"),
    minimum_duration_min=121,
    max_infusions_per_course=10,
    source="CLINICAL.md §2.7 (Cohen 2018)",
)

INTRANASAL_ESKETAMINE = Protocol(
    code="esketamine-trd",
    version=1,
    name="Esketamine nasal spray (SPRAVATO), 56 or 84 mg",
    route=Route.INTRANASAL,
    dose_unit=DoseUnit.MG,
    indications=frozenset(
        {
            Indication.TREATMENT_RESISTANT_DEPRESSION,
            Indication.DEPRESSION_WITH_SUICIDAL_IDEATION,
        }
    ),
    # §2.8: day 1 56 mg (28 mg at age ≥ 65), then 56 or 84 mg, in 28 mg devices.
    starting_dose=Decimal("56"),
    older_adult_starting_dose=Decimal("28"),
    titration_steps=(Decimal("28"), Decimal("56"), Decimal("84")),
    warning_above=None,
    cap=Decimal("84"),
    duration_min=0,
    max_infusions_per_course=8,
    source="CLINICAL.md §2.8 (SPRAVATO PI)",
)

INTRANASAL_ESKETAMINE_SUICIDAL_IDEATION = Protocol(
    code="esketamine-mdd-si",
    version=1,
    name="Esketamine nasal spray for depression with suicidal ideation, 84 mg twice weekly",
    route=Route.INTRANASAL,
    dose_unit=DoseUnit.MG,
    indications=frozenset({Indication.DEPRESSION_WITH_SUICIDAL_IDEATION}),
    # §2.8: 84 mg twice weekly for 4 weeks; may reduce to 56 mg; beyond 4 weeks not established.
    starting_dose=Decimal("84"),
    titration_steps=(Decimal("56"), Decimal("84")),
    warning_above=None,
    cap=Decimal("84"),
    duration_min=0,
    max_infusions_per_course=8,
    source="CLINICAL.md §2.8 (SPRAVATO PI)",
)

STANDARD_PROTOCOLS = (
    IV_KETAMINE_DEPRESSION,
    IV_KETAMINE_PTSD,
    IV_KETAMINE_ALCOHOL_USE,
    IV_KETAMINE_CHRONIC_PAIN,
    INTRANASAL_ESKETAMINE,
    INTRANASAL_ESKETAMINE_SUICIDAL_IDEATION,
)


def protocol_get(key: str, *, extra: tuple[Protocol, ...] = ()) -> Protocol:
    """A protocol by `code@version` (or `code` for its newest version); refuses unknown ones."""
    candidates = [*STANDARD_PROTOCOLS, *extra]
    code, _, version = key.partition("@")
    matches = [
        p for p in candidates if p.code == code and (not version or str(p.version) == version)
    ]
    if not matches:
        known = ", ".join(sorted({p.key for p in candidates}))
        raise UnknownProtocol(f"No protocol {key!r}. Known protocols: {known}.")
    return max(matches, key=lambda protocol: protocol.version)


def validate_protocol(protocol: Protocol) -> Protocol:
    """Refuse a protocol whose figures fall outside the safety bounds, naming the figure."""
    low, high = PROTOCOL_BOUNDS[protocol.dose_unit]
    unit = protocol.dose_unit.value
    figures = {
        "starting dose": protocol.starting_dose,
        "cap": protocol.cap,
        **{f"titration step {i + 1}": step for i, step in enumerate(protocol.titration_steps)},
    }
    if protocol.warning_above is not None:
        figures["warning threshold"] = protocol.warning_above
    for name, value in figures.items():
        if not value.is_finite() or not low <= value <= high:
            raise InvalidProtocol(
                f"{protocol.name}: {name} {value} {unit} is outside {low}–{high} {unit}."
            )
    if protocol.starting_dose > protocol.cap:
        raise InvalidProtocol(f"{protocol.name}: the starting dose is above the cap.")
    if any(step > protocol.cap for step in protocol.titration_steps):
        raise InvalidProtocol(f"{protocol.name}: a titration step is above the cap.")
    if list(protocol.titration_steps) != sorted(protocol.titration_steps):
        raise InvalidProtocol(f"{protocol.name}: titration steps must rise.")
    if protocol.dose_unit == DoseUnit.MG and any(step % 28 for step in protocol.titration_steps):
        raise InvalidProtocol(f"{protocol.name}: esketamine doses are whole 28 mg devices.")
    shortest, longest = DURATION_BOUNDS_MIN[protocol.dose_unit]
    if not shortest <= protocol.duration_min <= longest:
        raise InvalidProtocol(
            f"{protocol.name}: duration {protocol.duration_min} min is outside "
            f"{shortest}–{longest} min."
        )
    if not 1 <= protocol.max_infusions_per_course <= 12:
        raise InvalidProtocol(f"{protocol.name}: a course has between 1 and 12 treatments.")
    return protocol
