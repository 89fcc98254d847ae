from django.apps import AppConfig


class CareConfig(AppConfig):
    """The patient's outcomes and combined care: score trends with response and remission,
    therapy and integration notes, medication changes, on one timeline with the infusions."""

    name = "ketaclinic.care"
    label = "care"
    verbose_name = "Outcomes and combined care"
    default_auto_field = "django.db.models.BigAutoField"
