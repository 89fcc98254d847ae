"""A small, known dataset for the dashboard (rows written directly: analytics only reads them).

March 2025 at clinic A (America/Denver), one chair, open Mon–Fri 9:00–17:00, closed 31 March:

- Course A (pat, TRD, IV depression, maintenance, target 6): PHQ-9 20 before the first infusion,
  infusions 3, 5, 7, 10, 12, 14 March; PHQ-9 15 (5th), 9 (7th: response, after 2 infusions),
  latest 4 on the 20th (remission). A PHQ-9 of 19 on 5 April lies after the period.
- Course B (quinn, TRD, IV depression, stopped): PHQ-9 16, infusions 4, 6, 8 March, then 15, 14,
  latest 12 on the 25th (partial response); a side effect on the 4th, an alarm on the 6th; a
  no-show on the 11th and a cancelled booking on the 13th.
- Course C (rita, PTSD, IV PTSD, induction): PHQ-9 10, infusions 10 and 12 March, 5 on the 12th
  (response after 1 infusion, not remission); two side effects on the 12th; a treatment not given
  on the 17th (attended, not an infusion).
- Course D (sam, TRD, esketamine, completed): infusions in February only (outside the cohort).
- Course E (bea, at clinic B): an infusion in March (another clinic).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from ketaclinic.analytics.selectors import DashboardFilters
from ketaclinic.charting.models import (
    SessionAlarm,
    SessionRoute,
    SessionStatus,
    SideEffect,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome
from ketaclinic.medicine.protocols import (
    INTRANASAL_ESKETAMINE,
    IV_KETAMINE_DEPRESSION,
    IV_KETAMINE_PTSD,
    Protocol,
)
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext, ResponseSource
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, ClinicClosure
from ketaclinic.testing.factories import ChairFactory, PatientFactory
from ketaclinic.testing.personas import Personas

MARCH = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))


def at(clinic: Clinic, day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=clinic.zone)


@dataclass
class Builder:
    personas: Personas
    chair: Chair

    def course(
        self, patient: Patient, indication: str, protocol: Protocol, status: CourseStatus
    ) -> TreatmentCourse:
        decision = EligibilityDecision.objects.create(
            clinic=patient.clinic,
            patient=patient,
            outcome=EligibilityOutcome.APPROVED,
            protocol_key=protocol.key,
            note="Approved.",
            advice_snapshot={},
            signed_by=self.personas.alice,
            signed_at=at(patient.clinic, 1, 9, month=1),
        )
        return TreatmentCourse.objects.create(
            clinic=patient.clinic,
            patient=patient,
            decision=decision,
            protocol_key=protocol.key,
            indication=indication,
            target_infusions=6,
            maximum_infusions=12,
            minimum_interval_hours=24,
            maximum_per_week=3,
            review_checkpoints=[4],
            starting_dose=protocol.starting_dose,
            dose_unit=protocol.dose_unit,
            titration_plan="Per protocol.",
            booster_plan="On relapse.",
            status=status,
            signed_by=self.personas.alice,
            signed_at=at(patient.clinic, 2, 9, month=1),
        )

    def appointment(
        self,
        course: TreatmentCourse,
        day: int,
        hour: int,
        status: AppointmentStatus = AppointmentStatus.COMPLETED,
        month: int = 3,
    ) -> Appointment:
        clinic = course.clinic
        starts = at(clinic, day, hour, month=month)
        return Appointment.objects.create(
            clinic=clinic,
            patient=course.patient,
            kind="iv_infusion",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=90),
            chair=self.chair if clinic == self.chair.clinic else None,
            course=course,
            status=status,
            booked_by=self.personas.fran,
        )

    def infusion(
        self, course: TreatmentCourse, day: int, hour: int, *, given: bool = True, month: int = 3
    ) -> TreatmentSession:
        appointment = self.appointment(course, day, hour, month=month)
        starts = appointment.starts_at + datetime.timedelta(minutes=15)
        return TreatmentSession.objects.create(
            clinic=course.clinic,
            appointment=appointment,
            patient=course.patient,
            course=course,
            route=SessionRoute.INTRAVENOUS,
            protocol_key=course.protocol_key,
            status=SessionStatus.DISCHARGED if given else SessionStatus.NOT_GIVEN,
            checked_in_at=appointment.starts_at,
            checked_in_by=self.personas.nina,
            started_at=starts if given else None,
            stopped_at=starts + datetime.timedelta(minutes=40) if given else None,
            delivered_mg=Decimal("35") if given else None,
            observation_minimum_min=30,
            discharged_at=appointment.ends_at if given else None,
            discharged_by=self.personas.nina if given else None,
        )

    def phq9(self, patient: Patient, when: datetime.datetime, total: int) -> None:
        answers = {f"phq9.{n}": 0 for n in range(1, 10)}
        remaining = total
        for n in range(1, 9):
            answers[f"phq9.{n}"] = min(3, remaining)
            remaining -= answers[f"phq9.{n}"]
        QuestionnaireResponse.objects.create(
            clinic=patient.clinic,
            patient=patient,
            instrument="phq9",
            answers=answers,
            total=total,
            band="",
            context=ResponseContext.PRE_SESSION,
            source=ResponseSource.STAFF,
            completed_at=when,
            entered_by=self.personas.nina,
        )

    def side_effect(self, session: TreatmentSession, kind: str = "nausea") -> None:
        assert session.started_at is not None
        SideEffect.objects.create(
            clinic=session.clinic,
            session=session,
            kind=kind,
            onset_at=session.started_at + datetime.timedelta(minutes=10),
            severity="mild",
            action="none",
            recorded_by=self.personas.nina,
        )

    def alarm(self, session: TreatmentSession) -> None:
        assert session.started_at is not None
        reading = VitalSignReading.objects.create(
            clinic=session.clinic,
            session=session,
            measured_at=session.started_at,
            phase=VitalsPhase.INFUSION,
            systolic_mmhg=182,
            diastolic_mmhg=100,
            heart_rate_bpm=88,
            spo2_percent=97,
            alarm_level=1,
            recorded_by=self.personas.nina,
        )
        SessionAlarm.objects.create(
            clinic=session.clinic,
            session=session,
            reading=reading,
            level=1,
            parameter="systolic_mmhg",
            message="Systolic high.",
            suggested_action="Slow down.",
            raised_at=reading.measured_at,
            acknowledge_by=reading.measured_at + datetime.timedelta(minutes=5),
        )


def march_clinic(personas: Personas) -> Builder:
    clinic = personas.clinic
    OpeningHours.objects.filter(clinic=clinic).delete()
    for weekday in range(5):
        OpeningHours.objects.create(
            clinic=clinic, weekday=weekday, opens_at=datetime.time(9), closes_at=datetime.time(17)
        )
    ClinicClosure.objects.create(
        clinic=clinic, day=datetime.date(2025, 3, 31), reason="Staff day", created_by=personas.ada
    )
    return Builder(personas=personas, chair=cast(Chair, ChairFactory(room__clinic=clinic)))


def known_month(
    personas: Personas, builder: Builder | None = None, *, copies: int = 1, again: bool = False
) -> None:
    """The dataset above; `again` adds `copies` more of courses A–C with new patients only."""
    builder = builder or march_clinic(personas)
    clinic = personas.clinic
    for copy in range(copies):
        fresh = again or copy > 0
        pat = cast(Patient, PatientFactory(clinic=clinic)) if fresh else personas.pat
        quinn = cast(Patient, PatientFactory(clinic=clinic)) if fresh else personas.quinn
        rita = cast(Patient, PatientFactory(clinic=clinic, legal_first_name="Rita"))

        a = builder.course(pat, "trd", IV_KETAMINE_DEPRESSION, CourseStatus.MAINTENANCE)
        builder.phq9(pat, at(clinic, 3, 9, 50), 20)
        for day in (3, 5, 7, 10, 12, 14):
            builder.infusion(a, day, 10)
        builder.phq9(pat, at(clinic, 5, 9, 50), 15)
        builder.phq9(pat, at(clinic, 7, 9, 50), 9)
        builder.phq9(pat, at(clinic, 20, 18), 4)
        builder.phq9(pat, at(clinic, 5, 18, month=4), 19)

        b = builder.course(quinn, "trd", IV_KETAMINE_DEPRESSION, CourseStatus.STOPPED)
        builder.phq9(quinn, at(clinic, 4, 11, 50), 16)
        first = builder.infusion(b, 4, 12)
        builder.side_effect(first)
        builder.alarm(builder.infusion(b, 6, 12))
        builder.infusion(b, 8, 12)
        builder.phq9(quinn, at(clinic, 6, 11, 50), 15)
        builder.phq9(quinn, at(clinic, 8, 11, 50), 14)
        builder.phq9(quinn, at(clinic, 25, 18), 12)
        builder.appointment(b, 11, 12, AppointmentStatus.NO_SHOW)
        builder.appointment(b, 13, 12, AppointmentStatus.CANCELLED)

        c = builder.course(rita, "ptsd", IV_KETAMINE_PTSD, CourseStatus.INDUCTION)
        builder.phq9(rita, at(clinic, 10, 13, 50), 10)
        builder.infusion(c, 10, 14)
        second = builder.infusion(c, 12, 14)
        builder.side_effect(second, "dissociation")
        builder.side_effect(second, "headache")
        builder.phq9(rita, at(clinic, 12, 13, 50), 5)
        builder.infusion(c, 17, 14, given=False)
    if again:
        return

    sam = cast(Patient, PatientFactory(clinic=clinic, legal_first_name="Sam"))
    d = builder.course(sam, "trd", INTRANASAL_ESKETAMINE, CourseStatus.COMPLETED)
    builder.phq9(sam, at(clinic, 9, 9, month=2), 22)
    builder.side_effect(builder.infusion(d, 10, 10, month=2))
    builder.infusion(d, 12, 10, month=2)
    builder.phq9(sam, at(clinic, 20, 9), 3)

    bea = personas.bea
    e = builder.course(bea, "trd", IV_KETAMINE_DEPRESSION, CourseStatus.INDUCTION)
    builder.phq9(bea, at(bea.clinic, 4, 9), 20)
    builder.infusion(e, 5, 10)
    builder.phq9(bea, at(bea.clinic, 6, 9), 2)


def march_filters(personas: Personas) -> DashboardFilters:
    return DashboardFilters(clinic=personas.clinic, first_day=MARCH[0], last_day=MARCH[1])
