"""Counts, discrepancies and reports (under /staff/inventory/counts/, namespace "inventory")."""

from django.urls import path

from ketaclinic.inventory import count_views

urlpatterns = [
    path("", count_views.count_home, name="count_home"),
    path("record/", count_views.count_record, name="count_record"),
    path("<int:count_id>/", count_views.count_detail, name="count_detail"),
    path("discrepancies/", count_views.discrepancy_list, name="discrepancy_list"),
    path(
        "discrepancies/<int:discrepancy_id>/",
        count_views.discrepancy_detail,
        name="discrepancy_detail",
    ),
    path("reports/", count_views.report_index, name="report_index"),
    path("reports/<slug:report>/", count_views.report_view, {"fmt": "html"}, name="report"),
    path("reports/<slug:report>/csv/", count_views.report_view, {"fmt": "csv"}, name="report_csv"),
    path("reports/<slug:report>/pdf/", count_views.report_view, {"fmt": "pdf"}, name="report_pdf"),
]
