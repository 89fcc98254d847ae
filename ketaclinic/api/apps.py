from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ketaclinic.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from ketaclinic.accounts.models import Credential, StaffMembership, User
        from ketaclinic.api import (
            schema,  # noqa: F401  (registers the OpenAPI token scheme)
            token_cache,
        )
        from ketaclinic.api.models import ApiToken
        from ketaclinic.clinics.models import Clinic

        # A change to what a cached token was resolved from drops it in every worker.
        for signal in (post_save, post_delete):
            signal.connect(
                token_cache.on_token_saved, sender=ApiToken, dispatch_uid=f"tc-token-{id(signal)}"
            )
            for model in (User, StaffMembership, Credential):
                signal.connect(
                    token_cache.on_person_changed,
                    sender=model,
                    dispatch_uid=f"tc-{model.__name__}-{id(signal)}",
                )
            signal.connect(
                token_cache.on_clinic_saved, sender=Clinic, dispatch_uid=f"tc-clinic-{id(signal)}"
            )
