"""The patient's page and the course page, under the namespaces of the apps whose names they keep
(`patients:detail`, `courses:detail`): config/urls.py adds these lists to those apps' own
patterns."""

from django.urls import path

from ketaclinic.staff import patient_page, patient_page_course

patients_urlpatterns = [
    path("<int:patient_id>/", patient_page.patient_detail, name="detail"),
]
courses_urlpatterns = [
    path("<int:course_id>/", patient_page_course.course_detail, name="detail"),
]
