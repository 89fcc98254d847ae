"""The charted rows the session's endpoints read back: readings with their alarms, an alarm or a
side effect by id, a PRN with its responses, the dose being prepared, the signed note with its
addenda. Each keeps the order and the joins the responses were pinned with (query counts are
tested), so moving a read here changes no SQL.
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects

from ketaclinic.charting.models import (
    DosePreparation,
    PrnDose,
    PrnResponse,
    SessionAddendum,
    SessionAlarm,
    SessionNote,
    SideEffect,
    TreatmentSession,
    VitalSignReading,
)
from ketaclinic.clinics.models import Clinic


def vital_sign_reading_list_for_session(*, session: TreatmentSession) -> list[VitalSignReading]:
    """The readings in time order, each with its alarms in the order they were raised."""
    alarms = SessionAlarm.objects.select_related("acknowledged_by").order_by("raised_at", "id")
    return list(
        session.readings.select_related("recorded_by")
        .order_by("measured_at", "id")
        .prefetch_related(Prefetch("alarms", queryset=alarms))
    )


def vital_sign_reading_with_alarms(*, reading: VitalSignReading) -> VitalSignReading:
    """The reading with the alarms it raised, the most serious first."""
    alarms = SessionAlarm.objects.select_related("acknowledged_by").order_by("-level", "id")
    prefetch_related_objects([reading], Prefetch("alarms", queryset=alarms))
    return reading


def session_alarm_get_for_clinic(*, clinic: Clinic, alarm_id: int) -> SessionAlarm | None:
    """None for missing and for another clinic's alarm alike: the caller answers one 404."""
    return SessionAlarm.objects.filter(clinic=clinic, pk=alarm_id).first()


def side_effect_get_for_clinic(*, clinic: Clinic, side_effect_id: int) -> SideEffect | None:
    """None for missing and for another clinic's side effect alike: the caller answers one 404."""
    return SideEffect.objects.filter(clinic=clinic, pk=side_effect_id).first()


def side_effect_get_for_session(
    *, session: TreatmentSession, side_effect_id: int
) -> SideEffect | None:
    """None when the side effect is not one of this session's (a PRN may treat only those)."""
    return SideEffect.objects.filter(session=session, pk=side_effect_id).first()


def prn_dose_with_responses(*, prn: PrnDose) -> PrnDose:
    """The PRN with its recorded responses and who recorded each."""
    responses = PrnResponse.objects.select_related("recorded_by")
    prefetch_related_objects([prn], Prefetch("responses", queryset=responses))
    return prn


def dose_preparation_get(*, preparation_id: int) -> DosePreparation:
    """The preparation with its draw's lot and both signers (raises DoesNotExist when missing)."""
    return DosePreparation.objects.select_related(
        "draw__container__lot", "prepared_by", "verified_by"
    ).get(pk=preparation_id)


def session_note_get_for_session(*, session: TreatmentSession) -> SessionNote | None:
    """The signed note, or None before it is signed."""
    return SessionNote.objects.filter(session=session).first()


def session_note_with_addenda(*, note: SessionNote) -> SessionNote:
    """The note with its addenda read in the order they were written."""
    addenda = SessionAddendum.objects.select_related("author").order_by("written_at", "id")
    prefetch_related_objects([note], Prefetch("addenda", queryset=addenda))
    return note
