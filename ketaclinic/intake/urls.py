from django.urls import path

from ketaclinic.intake import views

app_name = "intake"
urlpatterns = [path("patients/<int:patient_id>/", views.intake_edit, name="edit")]
