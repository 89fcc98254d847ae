from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """The clinic dashboard and the de-identified research export."""

    name = "ketaclinic.analytics"
    label = "analytics"
    verbose_name = "Clinic dashboard"
    default_auto_field = "django.db.models.BigAutoField"
