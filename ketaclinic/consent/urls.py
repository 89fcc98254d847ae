from django.urls import path

from ketaclinic.consent import views

app_name = "consent"
urlpatterns = [
    path("patients/<int:patient_id>/", views.consent_overview, name="overview"),
    path("patients/<int:patient_id>/sign/<str:treatment>/", views.consent_sign_view, name="sign"),
    path("signatures/<int:signature_id>.pdf", views.consent_pdf, name="pdf"),
    path(
        "signatures/<int:signature_id>/witnessed.pdf",
        views.consent_witness_pdf,
        name="witness_pdf",
    ),
    path("signatures/<int:signature_id>/witness/", views.consent_witness_view, name="witness"),
    path(
        "signatures/<int:signature_id>/decline/",
        views.consent_witness_decline_view,
        name="witness_decline",
    ),
]
