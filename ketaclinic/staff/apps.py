from django.apps import AppConfig


class StaffConfig(AppConfig):
    """The staff app's pages that gather several areas of work: the home page, the patient's page,
    the treatment course page, the screening questionnaires per condition and the audit log (the
    dashboard is analytics'). An interface: it reads the apps below it through their selectors
    and changes nothing except through their services (docs/architecture.md)."""

    name = "ketaclinic.staff"
    label = "staff"
    verbose_name = "Staff pages"
    default_auto_field = "django.db.models.BigAutoField"
