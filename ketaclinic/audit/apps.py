from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketaclinic.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from ketaclinic.audit.guards import AUDIT_TABLES
        from ketaclinic.core.append_only import append_only_register

        # Triggers created again after `migrate` (SQLite drops them when it rebuilds a table);
        # the test suite's flush switches every registered guard off for itself.
        append_only_register(AUDIT_TABLES, app=self)

        from ketaclinic.audit.health import audit_health
        from ketaclinic.core.health import health_check_register

        # /healthz says how many events wait to be sealed, and when the sealer is behind.
        health_check_register("audit", audit_health)
