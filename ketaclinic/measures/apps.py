from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    """Measurement-based care: which scales each course collects and when, reminders, misses."""

    name = "ketaclinic.measures"
    label = "measures"
    verbose_name = "Measurement schedule"
    default_auto_field = "django.db.models.BigAutoField"
