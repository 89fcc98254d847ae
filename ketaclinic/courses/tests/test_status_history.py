"""A course's status changes are kept, each with its reason, who and when (issue 13 item 2): a
later change never overwrites an earlier reason, and the course page lists them all; courses
changed before the history was kept get theirs from the audit trail."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.courses.services import course_transition
from ketaclinic.courses.tests.support import course_for
from ketaclinic.testing.personas import Personas, make_personas

pytestmark = pytest.mark.django_db

EXTENDED = "Partial response at infusion 6; two more per the protocol."
STOPPED = "Blood pressure above the limit at three visits."
BEFORE_HISTORY = ("courses", "0001_courses_and_orders")


def _through_three_changes(personas: Personas, course: TreatmentCourse) -> TreatmentCourse:
    with time_machine.travel(course.signed_at + datetime.timedelta(days=1), tick=False) as clock:
        for to_status, reason in (
            (CourseStatus.INDUCTION, ""),
            (CourseStatus.EXTENDED, EXTENDED),
            (CourseStatus.STOPPED, STOPPED),
        ):
            course = course_transition(
                acting_user=personas.bob, course=course, to_status=to_status, reason=reason
            )
            clock.shift(datetime.timedelta(days=7))
    return course


def test_each_status_change_is_kept_with_its_reason(personas: Personas) -> None:
    course = _through_three_changes(personas, course_for(personas))
    changes = list(course.status_changes.order_by("changed_at", "id"))
    assert [(c.from_status, c.to_status, c.reason) for c in changes] == [
        (CourseStatus.PLANNED, CourseStatus.INDUCTION, ""),
        (CourseStatus.INDUCTION, CourseStatus.EXTENDED, EXTENDED),
        (CourseStatus.EXTENDED, CourseStatus.STOPPED, STOPPED),
    ]
    assert {c.changed_by for c in changes} == {personas.bob}
    assert changes[2].changed_at - changes[1].changed_at == datetime.timedelta(days=7)
    assert course.status_reason == STOPPED  # the current status's reason


def test_the_course_page_shows_every_status_change(personas: Personas, client_for: Any) -> None:
    course = _through_three_changes(personas, course_for(personas))
    page = client_for(personas.bob).get(reverse("courses:detail", args=[course.pk]))
    html = page.content.decode()
    assert EXTENDED in html
    assert STOPPED in html


@pytest.mark.django_db(transaction=True)
def test_courses_changed_before_the_history_get_it_from_the_audit_trail() -> None:
    personas = make_personas()
    changed = _through_three_changes(personas, course_for(personas))
    expected = [
        (c.from_status, c.to_status, c.reason, c.changed_by_id, c.changed_at)
        for c in changed.status_changes.order_by("changed_at", "id")
    ]

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_HISTORY])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    course = TreatmentCourse.objects.get(pk=changed.pk)
    migrated = [
        (c.from_status, c.to_status, c.reason, c.changed_by_id, c.changed_at)
        for c in course.status_changes.order_by("changed_at", "id")
    ]
    assert migrated == expected
