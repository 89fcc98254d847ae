from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """The clinic dashboard and the de-identified research export."""

    name = "ketaclinic.analytics"
    label = "analytics"
    verbose_name = "Clinic dashboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Each course's outcome summary follows its course, sessions and PHQ-9 scores.
        from ketaclinic.analytics.course_summaries import connect_receivers

        connect_receivers()
