from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "ketaclinic.jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Each app registers its job functions in its own `tasks.py` (see registry.job).
        autodiscover_modules("tasks")
