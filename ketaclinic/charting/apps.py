from django.apps import AppConfig


class ChartingConfig(AppConfig):
    """The session day: check-in, checklist, dose, infusion, vitals, side effects, recovery,
    discharge and the signed session note."""

    name = "ketaclinic.charting"
    label = "charting"
    verbose_name = "Session charting"
    default_auto_field = "django.db.models.BigAutoField"
