from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "ketaclinic.reminders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Scheduling sits below reminders and may not import them: its services announce each
        # booking, move and cancellation, and reminders plan from that (scheduling/signals.py).
        from ketaclinic.reminders.receivers import reminders_plan_on_appointment_changed
        from ketaclinic.scheduling.signals import appointment_changed

        appointment_changed.connect(
            reminders_plan_on_appointment_changed,
            dispatch_uid="reminders_plan_on_appointment_changed",
        )
