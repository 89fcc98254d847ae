from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketaclinic.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and credentials"

    def ready(self) -> None:
        from ketaclinic.accounts import signals  # noqa: F401  (sign-in events into the audit trail)
