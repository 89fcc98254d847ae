"""The REST API's address book (/api/v1/): every app's endpoints under one prefix. It lives in
config, the top floor, because it imports every app's API module; the machinery those modules
share (authentication, the error shape, pagination, the endpoint base) is `ketaclinic.api`, on
the foundation floor (docs/architecture.md)."""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularJSONAPIView

from ketaclinic.analytics import api as api_dashboard
from ketaclinic.api import caller as api_caller
from ketaclinic.api.base import endpoint_not_found
from ketaclinic.care import api as api_outcomes_status
from ketaclinic.charting.api import views as api_sessions
from ketaclinic.charting.api import views_chart as api_session_chart
from ketaclinic.charting.api import views_close as api_session_close
from ketaclinic.charting.api import views_dose as api_session_dose
from ketaclinic.charting.api import views_patient_chart as api_patient_chart
from ketaclinic.consent import api as api_consents
from ketaclinic.courses.api import views as api_dose_orders
from ketaclinic.inquiries import api as api_inquiries
from ketaclinic.intake.api import views as api_intake
from ketaclinic.inventory.api import views_counts as api_inventory_counts
from ketaclinic.inventory.api import views_discrepancies as api_inventory_discrepancies
from ketaclinic.inventory.api import views_movements as api_inventory_movements
from ketaclinic.inventory.api import views_reports as api_inventory_reports
from ketaclinic.inventory.api import views_stock as api_inventory_stock
from ketaclinic.measures import api as api_measures
from ketaclinic.outcomes import api as api_outcomes
from ketaclinic.outcomes import api_courses
from ketaclinic.patients.api import views as api_patients
from ketaclinic.scheduling.api import views as api_appointments
from ketaclinic.scheduling.api import views_series as api_series

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("me", api_caller.MeView.as_view(), name="api_me"),
    path("clinics", api_caller.ClinicListView.as_view(), name="api_clinics"),
    path("patients", api_patients.PatientListView.as_view(), name="api_patients"),
    path("patients/<int:patient_id>", api_patients.PatientDetailView.as_view(), name="api_patient"),
    # The patient, the current course and the newest sessions with their vitals in one read.
    path(
        "patients/<int:patient_id>/chart",
        api_patient_chart.PatientChartView.as_view(),
        name="api_patient_chart",
    ),
    path(
        "patients/<int:patient_id>/intake",
        api_intake.PatientIntakeView.as_view(),
        name="api_patient_intake",
    ),
    path(
        "patients/<int:patient_id>/intake/versions",
        api_intake.PatientIntakeVersionsView.as_view(),
        name="api_patient_intake_versions",
    ),
    path(
        "patients/<int:patient_id>/questionnaire-responses",
        api_outcomes.PatientQuestionnaireResponsesView.as_view(),
        name="api_patient_responses",
    ),
    # Outcomes per course and measure (ketaclinic/care/api.py).
    path(
        "patients/<int:patient_id>/outcomes",
        api_outcomes_status.PatientOutcomeStatusView.as_view(),
        name="api_patient_outcomes",
    ),
    path(
        "patients/<int:patient_id>/outcomes/responses",
        api_outcomes_status.PatientOutcomeResponsesView.as_view(),
        name="api_patient_outcome_responses",
    ),
    path(
        "patients/<int:patient_id>/eligibility-decisions",
        api_intake.PatientEligibilityDecisionsView.as_view(),
        name="api_patient_decisions",
    ),
    path(
        "patients/<int:patient_id>/consents",
        api_consents.PatientConsentsView.as_view(),
        name="api_patient_consents",
    ),
    path(
        "eligibility-decisions/<int:decision_id>/addenda",
        api_intake.EligibilityDecisionAddendaView.as_view(),
        name="api_decision_addenda",
    ),
    path(
        "consents/<int:signature_id>/pdf",
        api_consents.ConsentPdfView.as_view(),
        name="api_consent_pdf",
    ),
    path(
        "patients/<int:patient_id>/courses",
        api_courses.PatientCoursesView.as_view(),
        name="api_patient_courses",
    ),
    path(
        "patients/<int:patient_id>/appointments",
        api_appointments.PatientAppointmentListView.as_view(),
        name="api_patient_appointments",
    ),
    path("courses/<int:course_id>", api_courses.CourseDetailView.as_view(), name="api_course"),
    path(
        "courses/<int:course_id>/status",
        api_courses.CourseStatusView.as_view(),
        name="api_course_status",
    ),
    path(
        "courses/<int:course_id>/dose-orders",
        api_dose_orders.CourseDoseOrdersView.as_view(),
        name="api_course_dose_orders",
    ),
    path(
        "courses/<int:course_id>/series/proposal",
        api_series.CourseSeriesProposalView.as_view(),
        name="api_course_series_proposal",
    ),
    path(
        "courses/<int:course_id>/series",
        api_series.CourseSeriesView.as_view(),
        name="api_course_series",
    ),
    path("appointments", api_appointments.AppointmentListView.as_view(), name="api_appointments"),
    path(
        "appointments/<int:appointment_id>",
        api_appointments.AppointmentDetailView.as_view(),
        name="api_appointment",
    ),
    path(
        "appointments/<int:appointment_id>/reschedule",
        api_appointments.AppointmentRescheduleView.as_view(),
        name="api_appointment_reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/cancel",
        api_appointments.AppointmentCancelView.as_view(),
        name="api_appointment_cancel",
    ),
    path(
        "appointments/<int:appointment_id>/no-show",
        api_appointments.AppointmentNoShowView.as_view(),
        name="api_appointment_no_show",
    ),
    path("availability", api_appointments.AvailabilityView.as_view(), name="api_availability"),
    path("inquiries", api_inquiries.InquiryListView.as_view(), name="api_inquiries"),
    path(
        "inquiries/<int:inquiry_id>", api_inquiries.InquiryDetailView.as_view(), name="api_inquiry"
    ),
    path(
        "inquiries/<int:inquiry_id>/register",
        api_patients.InquiryRegisterView.as_view(),
        name="api_inquiry_register",
    ),
    path(
        "inventory/products",
        api_inventory_stock.ProductListView.as_view(),
        name="api_inventory_products",
    ),
    path(
        "inventory/locations",
        api_inventory_stock.LocationListView.as_view(),
        name="api_inventory_locations",
    ),
    path("inventory/lots", api_inventory_stock.LotListView.as_view(), name="api_inventory_lots"),
    path(
        "inventory/containers",
        api_inventory_stock.ContainerListView.as_view(),
        name="api_inventory_containers",
    ),
    path(
        "inventory/containers/<int:container_id>",
        api_inventory_stock.ContainerDetailView.as_view(),
        name="api_inventory_container",
    ),
    path(
        "inventory/movements",
        api_inventory_movements.MovementListView.as_view(),
        name="api_inventory_movements",
    ),
    path(
        "inventory/movements/<int:movement_id>",
        api_inventory_movements.MovementDetailView.as_view(),
        name="api_inventory_movement",
    ),
    path(
        "inventory/receipts",
        api_inventory_movements.ReceiptCreateView.as_view(),
        name="api_inventory_receipts",
    ),
    path(
        "inventory/draws",
        api_inventory_movements.DrawCreateView.as_view(),
        name="api_inventory_draws",
    ),
    path(
        "inventory/draws/<int:draw_id>",
        api_inventory_movements.DrawDetailView.as_view(),
        name="api_inventory_draw",
    ),
    path(
        "inventory/draws/<int:draw_id>/administrations",
        api_inventory_movements.DrawAdministrationView.as_view(),
        name="api_inventory_draw_administrations",
    ),
    path(
        "inventory/draws/<int:draw_id>/waste",
        api_inventory_movements.DrawWasteView.as_view(),
        name="api_inventory_draw_waste",
    ),
    path(
        "inventory/counts",
        api_inventory_counts.CountListView.as_view(),
        name="api_inventory_counts",
    ),
    path(
        "inventory/counts/<int:count_id>",
        api_inventory_counts.CountDetailView.as_view(),
        name="api_inventory_count",
    ),
    path(
        "inventory/discrepancies",
        api_inventory_discrepancies.DiscrepancyListView.as_view(),
        name="api_inventory_discrepancies",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>",
        api_inventory_discrepancies.DiscrepancyDetailView.as_view(),
        name="api_inventory_discrepancy",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>/findings",
        api_inventory_discrepancies.DiscrepancyFindingsView.as_view(),
        name="api_inventory_discrepancy_findings",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>/dea-notice",
        api_inventory_discrepancies.DiscrepancyDeaNoticeView.as_view(),
        name="api_inventory_discrepancy_dea_notice",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>/form-106",
        api_inventory_discrepancies.DiscrepancyForm106View.as_view(),
        name="api_inventory_discrepancy_form_106",
    ),
    path(
        "inventory/discrepancies/<int:discrepancy_id>/resolve",
        api_inventory_discrepancies.DiscrepancyResolveView.as_view(),
        name="api_inventory_discrepancy_resolve",
    ),
    path(
        "inventory/reports/<str:report>",
        api_inventory_reports.ReportView.as_view(),
        name="api_inventory_report",
    ),
    # The session day (ketaclinic/charting/api/).
    path(
        "sessions",
        api_sessions.SessionDayView.as_view(),
        name="api_sessions",
    ),
    path(
        "sessions/arrivals",
        api_sessions.ArrivalsView.as_view(),
        name="api_session_arrivals",
    ),
    path(
        "sessions/<int:session_id>",
        api_sessions.SessionDetailView.as_view(),
        name="api_session",
    ),
    path(
        "appointments/<int:appointment_id>/check-in",
        api_sessions.CheckInView.as_view(),
        name="api_appointment_check_in",
    ),
    path(
        "sessions/<int:session_id>/checklist",
        api_sessions.ChecklistAnswerView.as_view(),
        name="api_session_checklist",
    ),
    path(
        "sessions/<int:session_id>/measurements",
        api_sessions.MeasurementsView.as_view(),
        name="api_session_measurements",
    ),
    path(
        "sessions/<int:session_id>/escort",
        api_sessions.EscortView.as_view(),
        name="api_session_escort",
    ),
    path(
        "sessions/<int:session_id>/checklist-override",
        api_sessions.ChecklistOverrideView.as_view(),
        name="api_session_checklist_override",
    ),
    path(
        "sessions/<int:session_id>/dose",
        api_session_dose.DosePrepareView.as_view(),
        name="api_session_dose",
    ),
    path(
        "sessions/<int:session_id>/dose/verify",
        api_session_dose.DoseVerifyView.as_view(),
        name="api_session_dose_verify",
    ),
    path(
        "sessions/<int:session_id>/events",
        api_session_dose.SessionEventsView.as_view(),
        name="api_session_events",
    ),
    path(
        "sessions/<int:session_id>/devices",
        api_session_dose.DeviceView.as_view(),
        name="api_session_devices",
    ),
    path(
        "sessions/<int:session_id>/vitals",
        api_session_chart.SessionVitalsView.as_view(),
        name="api_session_vitals",
    ),
    path(
        "alarms/<int:alarm_id>/acknowledge",
        api_session_chart.AlarmAcknowledgeView.as_view(),
        name="api_alarm_acknowledge",
    ),
    path(
        "sessions/<int:session_id>/side-effects",
        api_session_chart.SideEffectView.as_view(),
        name="api_session_side_effects",
    ),
    path(
        "side-effects/<int:side_effect_id>/resolve",
        api_session_chart.SideEffectResolveView.as_view(),
        name="api_side_effect_resolve",
    ),
    path(
        "sessions/<int:session_id>/prns",
        api_session_chart.PrnView.as_view(),
        name="api_session_prns",
    ),
    path(
        "sessions/<int:session_id>/scores",
        api_session_chart.ScoreView.as_view(),
        name="api_session_scores",
    ),
    path(
        "sessions/<int:session_id>/controlled-substance",
        api_session_close.ControlledSubstanceView.as_view(),
        name="api_session_controlled_substance",
    ),
    path(
        "sessions/<int:session_id>/discharge",
        api_session_close.DischargeView.as_view(),
        name="api_session_discharge",
    ),
    path(
        "sessions/<int:session_id>/note/sign",
        api_session_close.NoteSignView.as_view(),
        name="api_session_note_sign",
    ),
    path(
        "sessions/<int:session_id>/note/addenda",
        api_session_close.NoteAddendumView.as_view(),
        name="api_session_note_addenda",
    ),
    path("measures", api_measures.MeasureListView.as_view(), name="api_measures"),
    path(
        "patients/<int:patient_id>/measures",
        api_measures.PatientMeasuresView.as_view(),
        name="api_patient_measures",
    ),
    path("dashboard", api_dashboard.DashboardView.as_view(), name="api_dashboard"),
    path("safety-tasks", api_outcomes.SafetyTaskListView.as_view(), name="api_safety_tasks"),
    path(
        "safety-tasks/<int:task_id>/acknowledge",
        api_outcomes.SafetyTaskAcknowledgeView.as_view(),
        name="api_safety_task_acknowledge",
    ),
    path(
        "safety-tasks/<int:task_id>/complete",
        api_outcomes.SafetyTaskCompleteView.as_view(),
        name="api_safety_task_complete",
    ),
    # Last: anything else under /api/v1/ answers in the error shape (a plain view, so it is not
    # part of the OpenAPI document). Exempt from the CSRF check, which would otherwise answer a
    # POST/PUT/PATCH/DELETE here with Django's HTML 403 page: the view changes nothing.
    re_path(r"^(?P<path>.*)$", csrf_exempt(endpoint_not_found), name="api_not_found"),
]
