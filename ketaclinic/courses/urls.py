from django.urls import path

from ketaclinic.courses import views

# The namespace is given in config/urls.py, which adds the course page that lives in staff
# (`ketaclinic.staff.patient_page_urls`) to these under `courses`.
urlpatterns = [
    path("patients/<int:patient_id>/new/", views.course_new, name="new"),
]
