from django.urls import path

from ketaclinic.clinics import views

urlpatterns = [
    path("switch-clinic", views.clinic_switch, name="clinic_switch"),
    path("clinic/", views.clinic_settings, name="clinic_settings"),
    path("clinic/rules/", views.clinic_rules, name="clinic_rules"),
    path("team/", views.staff_list, name="staff_list"),
    path("team/add/", views.staff_add, name="staff_add"),
    path("team/<int:membership_id>/", views.staff_detail, name="staff_detail"),
]
