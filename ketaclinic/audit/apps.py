from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _reinstall_guards(using: str = "default", **kwargs: Any) -> None:
    from ketaclinic.audit.guards import audit_guards_install

    audit_guards_install(connections[using])


class AuditConfig(AppConfig):
    name = "ketaclinic.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from ketaclinic.audit.guards import AUDIT_TABLES
        from ketaclinic.core.append_only import append_only_register

        # The test suite's flush switches every registered guard off for itself.
        append_only_register(AUDIT_TABLES)
        # SQLite drops a table's triggers when a migration rebuilds it: create them again.
        post_migrate.connect(_reinstall_guards, sender=self, dispatch_uid="audit_guards")
