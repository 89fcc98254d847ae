"""The audit log's URLs, mounted at /staff/audit/ in the `audit` namespace (config/urls.py)."""

from django.urls import path

from ketaclinic.staff import audit_log

urlpatterns = [
    path("", audit_log.audit_event_list, name="events"),
    path("export.csv", audit_log.audit_event_export, name="export"),
]
