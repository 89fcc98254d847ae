from django.urls import path

from ketaclinic.measures import views

app_name = "measures"

urlpatterns = [
    path("", views.measure_list, name="list"),
    path("patients/<int:patient_id>/", views.patient_measures, name="patient"),
]
