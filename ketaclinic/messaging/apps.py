from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """Messages between patients (in the portal) and the clinic's staff inbox."""

    name = "ketaclinic.messaging"
    label = "messaging"
    verbose_name = "Patient messages"
    default_auto_field = "django.db.models.BigAutoField"
