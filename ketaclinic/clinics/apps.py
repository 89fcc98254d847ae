from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "ketaclinic.clinics"
    label = "clinics"
    verbose_name = "Organizations, clinics, rooms and chairs"
