from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "ketaclinic.inventory"
    label = "inventory"
    verbose_name = "Controlled-substance inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ketaclinic.core.append_only import append_only_register
        from ketaclinic.inventory.guards import LEDGER_TABLES

        # Triggers created again after `migrate` (SQLite drops them when it rebuilds a table);
        # the test suite's flush switches every registered guard off for itself.
        append_only_register(LEDGER_TABLES, app=self)
