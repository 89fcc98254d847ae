from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "ketaclinic.reminders"
    default_auto_field = "django.db.models.BigAutoField"
