from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketaclinic.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and credentials"

    def ready(self) -> None:
        from ketaclinic.accounts import signals  # noqa: F401  (sign-in events into the audit trail)
        from ketaclinic.accounts.permissions import membership_role_at
        from ketaclinic.audit.hooks import role_lookup_register

        # audit sits below accounts and may not import it: it asks for the actor's role here.
        role_lookup_register(membership_role_at)
