from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _reinstall_guards(using: str = "default", **kwargs: Any) -> None:
    from ketaclinic.inventory.guards import ledger_guards_install

    ledger_guards_install(connections[using])


class InventoryConfig(AppConfig):
    name = "ketaclinic.inventory"
    label = "inventory"
    verbose_name = "Controlled-substance inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ketaclinic.core.append_only import append_only_register
        from ketaclinic.inventory.guards import LEDGER_TABLES

        # The test suite's flush switches every registered guard off for itself.
        append_only_register(LEDGER_TABLES)
        # SQLite drops a table's triggers when a migration rebuilds it: create them again.
        post_migrate.connect(_reinstall_guards, sender=self, dispatch_uid="inventory_guards")
