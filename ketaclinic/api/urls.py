from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from ketaclinic.api import endpoints

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("me", endpoints.MeView.as_view(), name="api_me"),
    path("clinics", endpoints.ClinicListView.as_view(), name="api_clinics"),
    path("patients", endpoints.PatientListView.as_view(), name="api_patients"),
    path("patients/<int:patient_id>", endpoints.PatientDetailView.as_view(), name="api_patient"),
    path("inquiries", endpoints.InquiryListView.as_view(), name="api_inquiries"),
    path("inquiries/<int:inquiry_id>", endpoints.InquiryDetailView.as_view(), name="api_inquiry"),
]
