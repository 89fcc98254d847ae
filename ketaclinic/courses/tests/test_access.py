"""The doors to courses: who may read one, what a read records, and that a change is not a read."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import NotFound, PermissionRefused
from ketaclinic.courses.access import (
    course_get_for_change,
    course_get_for_staff,
    course_list_for_staff,
)
from ketaclinic.courses.selectors import course_reading_action
from ketaclinic.courses.tests.support import course_for
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _chart_views(personas: Personas) -> list[dict[str, object]]:
    return list(
        AuditEvent.objects.filter(
            patient_id=personas.pat.pk, action=AuditAction.PATIENT_CHART_VIEWED
        ).values_list("detail", flat=True)
    )


@pytest.mark.parametrize("role", list(Role))
def test_a_course_read_follows_the_matrix_for_every_role(personas: Personas, role: Role) -> None:
    course = course_for(personas)
    user = personas.staff_by_role()[role]
    action = course_reading_action(user=user, clinic=personas.clinic)
    before = len(_chart_views(personas))
    if role in PERMISSIONS[action].roles:
        read = course_get_for_staff(
            user=user, clinic=personas.clinic, course_id=course.pk, action=action
        )
        assert read == course
        assert read.patient == personas.pat
        assert _chart_views(personas)[before:] == [{"purpose": action.value}]
    else:
        with pytest.raises(PermissionRefused):
            course_get_for_staff(
                user=user, clinic=personas.clinic, course_id=course.pk, action=action
            )
        assert len(_chart_views(personas)) == before


def test_another_clinics_course_and_a_missing_one_look_the_same(personas: Personas) -> None:
    course = course_for(personas)  # at clinic A; charlie is a physician at the other clinic
    with pytest.raises(NotFound) as other_clinic:
        course_get_for_staff(
            user=personas.charlie,
            clinic=personas.other_clinic,
            course_id=course.pk,
            action=Action.PATIENT_CHART_VIEW,
        )
    with pytest.raises(NotFound) as missing:
        course_get_for_staff(
            user=personas.charlie,
            clinic=personas.other_clinic,
            course_id=999_999,
            action=Action.PATIENT_CHART_VIEW,
        )
    assert other_clinic.value.message == missing.value.message


def test_a_course_fetched_to_change_is_not_recorded_as_a_read(personas: Personas) -> None:
    course = course_for(personas)
    before = len(_chart_views(personas))
    fetched = course_get_for_change(
        user=personas.bob, clinic=personas.clinic, course_id=course.pk, action=Action.COURSE_SIGN
    )
    assert fetched == course
    assert len(_chart_views(personas)) == before
    with pytest.raises(PermissionRefused):
        course_get_for_change(
            user=personas.nina,
            clinic=personas.clinic,
            course_id=course.pk,
            action=Action.COURSE_SIGN,
        )


def test_a_patients_courses_are_read_through_the_patients_door(personas: Personas) -> None:
    course = course_for(personas)
    before = len(_chart_views(personas))
    courses = course_list_for_staff(
        user=personas.bob,
        clinic=personas.clinic,
        patient_id=personas.pat.pk,
        action=Action.PATIENT_CHART_VIEW,
    )
    assert list(courses) == [course]
    assert _chart_views(personas)[before:] == [{"purpose": Action.PATIENT_CHART_VIEW.value}]
    with pytest.raises(NotFound):
        course_list_for_staff(
            user=personas.bob,
            clinic=personas.clinic,
            patient_id=personas.bea.pk,
            action=Action.PATIENT_CHART_VIEW,
        )
