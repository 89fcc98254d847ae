from django.urls import path

from ketaclinic.courses import views

app_name = "courses"
urlpatterns = [
    path("patients/<int:patient_id>/new/", views.course_new, name="new"),
    path("<int:course_id>/", views.course_detail, name="detail"),
]
