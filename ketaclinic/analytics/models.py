"""What the dashboard keeps so that it need not recount a clinic's history on every visit."""

from __future__ import annotations

from django.db import models


class CourseOutcomeSummary(models.Model):
    """One course's PHQ-9 facts as `selectors.course_facts.course_facts_live` reads them with no
    period end, kept up to date by `analytics.course_summaries` whenever the course, one of its
    sessions, one of its patient's PHQ-9 scores or the patient's other courses change (in the
    same transaction). The dashboard counts these instead of recomputing every course; it
    recomputes a course itself wherever a row cannot answer its period (module docstring of
    `selectors/course_outcomes.py`)."""

    course = models.OneToOneField(
        "courses.TreatmentCourse", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    # The course's group and induction, copied so that the dashboard counts the cohort from this
    # table alone (a course's save refreshes its summary).
    indication = models.CharField(max_length=32)
    protocol_key = models.CharField(max_length=64)
    induction_ended = models.BooleanField()  # maintenance, completed or stopped
    induction_completed = models.BooleanField()  # given at least min(target, maximum) infusions
    first_infusion_at = models.DateTimeField(null=True, blank=True)  # None: none given yet
    infusions_given = models.PositiveIntegerField(default=0)
    baseline = models.IntegerField(null=True, blank=True)
    latest = models.IntegerField(null=True, blank=True)  # after infusion 1 only
    latest_at = models.DateTimeField(null=True, blank=True)
    infusions_to_response = models.PositiveIntegerField(null=True, blank=True)
    # The clinic's baseline window the baseline was read with: a row read with another one is
    # recomputed by the dashboard, not trusted.
    baseline_window_days = models.PositiveSmallIntegerField()
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "first_infusion_at"], name="course_summary_cohort"),
            # The summaries that cannot answer a period (another baseline window, scores after
            # its end): found without reading the cohort's rows.
            models.Index(
                fields=["clinic", "baseline_window_days", "latest_at"],
                name="course_summary_recompute",
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome summary of course {self.course_id}"
