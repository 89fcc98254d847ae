"""The patient's page and the course page, under the namespaces of the apps whose names they keep
(`patients:detail`, `courses:detail`): config/urls.py adds these lists to those apps' own
patterns."""

from django.urls import path

from ketaclinic.staff import patient_page, patient_page_course, patient_page_portal

patients_urlpatterns = [
    path("<int:patient_id>/", patient_page.patient_detail, name="detail"),
    path(
        "<int:patient_id>/portal/invite/",
        patient_page_portal.patient_portal_invite,
        name="portal_invite",
    ),
    path(
        "<int:patient_id>/portal/resend/",
        patient_page_portal.patient_portal_resend,
        name="portal_resend",
    ),
    path(
        "<int:patient_id>/portal/revoke/",
        patient_page_portal.patient_portal_revoke,
        name="portal_revoke",
    ),
]
courses_urlpatterns = [
    path("<int:course_id>/", patient_page_course.course_detail, name="detail"),
]
