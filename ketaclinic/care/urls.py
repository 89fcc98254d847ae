from django.urls import path

from ketaclinic.care import views

app_name = "care"

urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_outcomes, name="patient"),
    path("patients/<int:patient_id>/notes/new/", views.therapy_note_new, name="note_new"),
    path(
        "patients/<int:patient_id>/medications/new/",
        views.medication_change_new,
        name="medication_new",
    ),
]
