from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ketaclinic.intake"
    label = "intake"
    verbose_name = "Intake"
