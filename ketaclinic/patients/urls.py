from django.urls import path

from ketaclinic.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("register/", views.patient_register_view, name="register"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
]
