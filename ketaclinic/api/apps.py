from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ketaclinic.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from ketaclinic.api import schema  # noqa: F401  (registers the OpenAPI token scheme)
