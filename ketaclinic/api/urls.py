from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from ketaclinic.api import (
    appointments,
    clinical,
    courses,
    endpoints,
    inventory,
    inventory_counts,
)

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("me", endpoints.MeView.as_view(), name="api_me"),
    path("clinics", endpoints.ClinicListView.as_view(), name="api_clinics"),
    path("patients", endpoints.PatientListView.as_view(), name="api_patients"),
    path("patients/<int:patient_id>", endpoints.PatientDetailView.as_view(), name="api_patient"),
    path(
        "patients/<int:patient_id>/intake",
        clinical.PatientIntakeView.as_view(),
        name="api_patient_intake",
    ),
    path(
        "patients/<int:patient_id>/questionnaire-responses",
        clinical.PatientQuestionnaireResponsesView.as_view(),
        name="api_patient_responses",
    ),
    path(
        "patients/<int:patient_id>/eligibility-decisions",
        clinical.PatientEligibilityDecisionsView.as_view(),
        name="api_patient_decisions",
    ),
    path(
        "patients/<int:patient_id>/consents",
        clinical.PatientConsentsView.as_view(),
        name="api_patient_consents",
    ),
    path(
        "eligibility-decisions/<int:decision_id>/addenda",
        clinical.EligibilityDecisionAddendaView.as_view(),
        name="api_decision_addenda",
    ),
    path(
        "consents/<int:signature_id>/pdf",
        clinical.ConsentPdfView.as_view(),
        name="api_consent_pdf",
    ),
    path(
        "patients/<int:patient_id>/courses",
        courses.PatientCoursesView.as_view(),
        name="api_patient_courses",
    ),
    path(
        "patients/<int:patient_id>/appointments",
        appointments.PatientAppointmentListView.as_view(),
        name="api_patient_appointments",
    ),
    path("courses/<int:course_id>", courses.CourseDetailView.as_view(), name="api_course"),
    path(
        "courses/<int:course_id>/status",
        courses.CourseStatusView.as_view(),
        name="api_course_status",
    ),
    path(
        "courses/<int:course_id>/dose-orders",
        courses.CourseDoseOrdersView.as_view(),
        name="api_course_dose_orders",
    ),
    path(
        "courses/<int:course_id>/series/proposal",
        courses.CourseSeriesProposalView.as_view(),
        name="api_course_series_proposal",
    ),
    path(
        "courses/<int:course_id>/series",
        courses.CourseSeriesView.as_view(),
        name="api_course_series",
    ),
    path("appointments", appointments.AppointmentListView.as_view(), name="api_appointments"),
    path(
        "appointments/<int:appointment_id>",
        appointments.AppointmentDetailView.as_view(),
        name="api_appointment",
    ),
    path(
        "appointments/<int:appointment_id>/reschedule",
        appointments.AppointmentRescheduleView.as_view(),
        name="api_appointment_reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/cancel",
        appointments.AppointmentCancelView.as_view(),
        name="api_appointment_cancel",
    ),
    path(
        "appointments/<int:appointment_id>/no-show",
        appointments.AppointmentNoShowView.as_view(),
        name="api_appointment_no_show",
    ),
    path("availability", appointments.AvailabilityView.as_view(), name="api_availability"),
    path("inquiries", endpoints.InquiryListView.as_view(), name="api_inquiries"),
    path("inquiries/<int:inquiry_id>", endpoints.InquiryDetailView.as_view(), name="api_inquiry"),
    path(
        "inquiries/<int:inquiry_id>/register",
        endpoints.InquiryRegisterView.as_view(),
        name="api_inquiry_register",
    ),
    path("inventory/products", inventory.ProductListView.as_view(), name="api_inventory_products"),
    path(
        "inventory/locations",
        inventory.LocationListView.as_view(),
        name="api_inventory_locations",
    ),
    path("inventory/lots", inventory.LotListView.as_view(), name="api_inventory_lots"),
    path(
        "inventory/containers",
        inventory.ContainerListView.as_view(),
        name="api_inventory_containers",
    ),
    path(
        "inventory/containers/<int:container_id>",
        inventory.ContainerDetailView.as_view(),
        name="api_inventory_container",
    ),
    path(
        "inventory/movements",
        inventory.MovementListView.as_view(),
        name="api_inventory_movements",
    ),
    path(
        "inventory/movements/<int:movement_id>",
        inventory.MovementDetailView.as_view(),
        name="api_inventory_movement",
    ),
    path(
        "inventory/receipts",
        inventory.ReceiptCreateView.as_view(),
        name="api_inventory_receipts",
    ),
    path("inventory/draws", inventory.DrawCreateView.as_view(), name="api_inventory_draws"),
    path(
        "inventory/draws/<int:draw_id>",
        inventory.DrawDetailView.as_view(),
        name="api_inventory_draw",
    ),
    path(
        "inventory/draws/<int:draw_id>/administrations",
        inventory.DrawAdministrationView.as_view(),
        name="api_inventory_draw_administrations",
    ),
    path(
        "inventory/draws/<int:draw_id>/waste",
        inventory.DrawWasteView.as_view(),
        name="api_inventory_draw_waste",
    ),
    path(
        "inventory/counts",
        inventory_counts.CountListView.as_view(),
        name="api_inventory_counts",
    ),
    path(
        "inventory/counts/<int:count_id>",
        inventory_counts.CountDetailView.as_view(),
        name="api_inventory_count",
    ),
    path(
        "inventory/discrepancies",
        inventory_counts.DiscrepancyListView.as_view(),
        name="api_inventory_discrepancies",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>",
        inventory_counts.DiscrepancyDetailView.as_view(),
        name="api_inventory_discrepancy",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>/findings",
        inventory_counts.DiscrepancyFindingsView.as_view(),
        name="api_inventory_discrepancy_findings",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>/dea-notice",
        inventory_counts.DiscrepancyDeaNoticeView.as_view(),
        name="api_inventory_discrepancy_dea_notice",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>/form-106",
        inventory_counts.DiscrepancyForm106View.as_view(),
        name="api_inventory_discrepancy_form_106",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>/resolve",
        inventory_counts.DiscrepancyResolveView.as_view(),
        name="api_inventory_discrepancy_resolve",
    ),
    path(
        "inventory/reports/<str:report>",
        inventory_counts.ReportView.as_view(),
        name="api_inventory_report",
    ),
    # Last: anything else under /api/v1/ answers in the error shape (a plain view, so it is not
    # part of the OpenAPI document).
    re_path(r"^(?P<path>.*)$", endpoints.endpoint_not_found, name="api_not_found"),
]
