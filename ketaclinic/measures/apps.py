from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    """Measurement-based care: which scales each course collects and when, reminders, misses."""

    name = "ketaclinic.measures"
    label = "measures"
    verbose_name = "Measurement schedule"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Scheduling sits below measures and may not import them: its services announce each
        # booking, move and cancellation, and measures replan the course from that
        # (scheduling/signals.py). Without it a booked course waited for the daily round.
        from ketaclinic.measures.receivers import measures_plan_on_appointment_changed
        from ketaclinic.scheduling.signals import appointment_changed

        appointment_changed.connect(
            measures_plan_on_appointment_changed,
            dispatch_uid="measures_plan_on_appointment_changed",
        )
