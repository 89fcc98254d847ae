from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from ketaclinic.api import appointments, clinical, courses, endpoints

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
    # Last: anything else under /api/v1/ answers in the error shape (a plain view, so it is not
    # part of the OpenAPI document).
    re_path(r"^(?P<path>.*)$", endpoints.endpoint_not_found, name="api_not_found"),
]
