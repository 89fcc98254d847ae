"""The de-identified research export: the clinic's courses, scores and side effects for its own
registry, with nothing that names a patient.

- No names, MRN, date of birth, contact details, addresses, escorts, free text or database ids.
- Each patient gets a random study id for this export only (two exports cannot be joined).
- Every date of a patient is shifted by one random offset of ±1–30 days, the same for all of
  that patient's rows, so intervals within a patient are true; only dates are given, no times.
- Age is given as a band at the course's first infusion (HIPAA Safe Harbor treats exact ages over
  89 as identifying; bands are coarser still).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from ketaclinic.analytics.selectors import indication_label, protocol_label
from ketaclinic.charting.models import SessionStatus, SideEffect, TreatmentSession
from ketaclinic.clinics.models import Clinic
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.medicine.age import age_years
from ketaclinic.outcomes.models import QuestionnaireResponse

COLUMNS = [
    "study_id",
    "record",
    "course",
    "age_band",
    "indication",
    "protocol",
    "course_status",
    "infusions_given",
    "date",
    "instrument",
    "score",
    "band",
    "side_effect",
    "severity",
    "action",
]
_BANDS = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 74), (75, 84))
MAX_SHIFT_DAYS = 30


def age_band(age: int) -> str:
    if age < 18:
        return "under 18"
    for low, high in _BANDS:
        if age <= high:
            return f"{low}–{high}"
    return "85+"


@dataclass
class _Pseudonyms:
    """Study ids and date offsets, made fresh for one export and never stored."""

    random: secrets.SystemRandom = field(default_factory=secrets.SystemRandom)
    ids: dict[int, str] = field(default_factory=dict)
    offsets: dict[int, datetime.timedelta] = field(default_factory=dict)

    def study_id(self, patient_id: int) -> str:
        if patient_id not in self.ids:
            used = set(self.ids.values())
            candidate = f"S-{secrets.token_hex(4)}"
            while candidate in used:
                candidate = f"S-{secrets.token_hex(4)}"
            self.ids[patient_id] = candidate
            days = self.random.randint(1, MAX_SHIFT_DAYS) * self.random.choice((-1, 1))
            self.offsets[patient_id] = datetime.timedelta(days=days)
        return self.ids[patient_id]

    def shifted(self, patient_id: int, day: datetime.date) -> str:
        self.study_id(patient_id)
        return (day + self.offsets[patient_id]).isoformat()


@dataclass(frozen=True)
class ResearchExport:
    courses: int
    patients: int
    rows: Iterator[list[object]]


def research_export(*, clinic: Clinic) -> ResearchExport:
    """The export's rows (header first), streamed; three queries, the later two lazily."""
    pseudonyms = _Pseudonyms()
    zone = clinic.zone
    given = (
        TreatmentSession.objects.filter(course=OuterRef("pk"), status=SessionStatus.DISCHARGED)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    first = (
        TreatmentSession.objects.filter(course=OuterRef("pk"), status=SessionStatus.DISCHARGED)
        .order_by("started_at")
        .values("started_at")[:1]
    )
    courses = list(
        TreatmentCourse.objects.filter(clinic=clinic)
        .annotate(
            given=Coalesce(Subquery(given, output_field=IntegerField()), 0),
            first_infusion=Subquery(first),
        )
        .order_by("patient_id", "signed_at", "pk")
        .values_list(
            "pk",
            "patient_id",
            "patient__date_of_birth",
            "indication",
            "protocol_key",
            "status",
            "given",
            "signed_at",
            "first_infusion",
        )
    )
    patient_ids = sorted({row[1] for row in courses})
    # Shuffle the order study ids are drawn in, so ids carry no trace of registration order.
    for patient_id in pseudonyms.random.sample(patient_ids, len(patient_ids)):
        pseudonyms.study_id(patient_id)
    course_numbers: dict[int, int] = {}

    def rows() -> Iterator[list[object]]:
        yield list[object](COLUMNS)
        per_patient: dict[int, int] = {}
        for (
            pk,
            patient_id,
            birth,
            indication,
            protocol_key,
            status,
            count,
            signed,
            first_at,
        ) in courses:
            per_patient[patient_id] = per_patient.get(patient_id, 0) + 1
            course_numbers[pk] = per_patient[patient_id]
            day = (first_at or signed).astimezone(zone).date()
            yield [
                pseudonyms.study_id(patient_id),
                "course",
                course_numbers[pk],
                age_band(age_years(born=birth, on=day)),
                indication_label(indication),
                protocol_label(protocol_key),
                status,
                count,
                pseudonyms.shifted(patient_id, day),
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        responses = (
            QuestionnaireResponse.objects.filter(clinic=clinic, patient_id__in=patient_ids)
            .order_by("patient_id", "completed_at", "pk")
            .values_list("patient_id", "instrument", "total", "band", "completed_at")
        )
        for patient_id, instrument, total, band, completed in responses.iterator(2000):
            yield [
                pseudonyms.study_id(patient_id),
                "score",
                "",
                "",
                "",
                "",
                "",
                "",
                pseudonyms.shifted(patient_id, completed.astimezone(zone).date()),
                instrument,
                total,
                band,
                "",
                "",
                "",
            ]
        side_effects = (
            SideEffect.objects.filter(clinic=clinic, session__course__clinic=clinic)
            .order_by("session__patient_id", "onset_at", "pk")
            .values_list(
                "session__patient_id",
                "session__course_id",
                "kind",
                "severity",
                "action",
                "onset_at",
            )
        )
        for patient_id, course_id, kind, severity, action, onset in side_effects.iterator(2000):
            yield [
                pseudonyms.study_id(patient_id),
                "side_effect",
                course_numbers.get(course_id, ""),
                "",
                "",
                "",
                "",
                "",
                pseudonyms.shifted(patient_id, onset.astimezone(zone).date()),
                "",
                "",
                "",
                kind,
                severity,
                action,
            ]

    return ResearchExport(courses=len(courses), patients=len(patient_ids), rows=rows())
