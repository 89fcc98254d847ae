"""URL map: public website at /, staff app at /staff/, portal at /portal/, API at /api/v1/."""

from django.urls import include, path

from ketaclinic.core.views import healthz
from ketaclinic.courses import urls as courses_urls
from ketaclinic.outcomes.views import questionnaire_link_page
from ketaclinic.patients import urls as patients_urls
from ketaclinic.reminders import schedule_urls
from ketaclinic.reminders.views import attendance_link_page
from ketaclinic.scheduling import urls as scheduling_urls
from ketaclinic.staff import patient_page_urls

# Pages that gather several areas live above the app whose URL names they keep (in staff, or in
# reminders for the schedule pages that show the driver home): each namespace is the app's own
# patterns plus theirs.
patients_urlconf = (patients_urls.urlpatterns + patient_page_urls.patients_urlpatterns, "patients")
scheduling_urlconf = (scheduling_urls.urlpatterns + schedule_urls.urlpatterns, "scheduling")
courses_urlconf = (courses_urls.urlpatterns + patient_page_urls.courses_urlpatterns, "courses")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("ketaclinic.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("ketaclinic.staff.clinic_urls")),  # home, screening sets
    path("staff/", include("ketaclinic.clinics.urls")),
    path("staff/patients/", include(patients_urlconf)),
    path("staff/inquiries/", include("ketaclinic.inquiries.urls")),
    path("staff/audit/", include(("ketaclinic.staff.audit_urls", "audit"))),
    path("staff/outcomes/", include("ketaclinic.outcomes.urls")),
    path("staff/intake/", include("ketaclinic.intake.urls")),
    path("staff/consent/", include("ketaclinic.consent.urls")),
    path("staff/schedule/", include(scheduling_urlconf)),
    path("staff/courses/", include(courses_urlconf)),
    path("staff/inventory/", include("ketaclinic.inventory.urls")),
    path("staff/sessions/", include("ketaclinic.charting.urls")),
    path("staff/measures/", include("ketaclinic.measures.urls")),
    path("staff/care/", include("ketaclinic.care.urls")),
    path("staff/dashboard/", include("ketaclinic.analytics.urls")),
    path("staff/messages/", include("ketaclinic.messaging.urls")),
    path("q/<str:token>/", questionnaire_link_page, name="questionnaire_link"),
    path("r/<str:token>/", attendance_link_page, name="attendance_link"),
    path("", include("ketaclinic.reminders.urls")),  # staff/calendar-feed/, calendar/<token>.ics
    path("staff/api-tokens/", include("ketaclinic.api.staff_urls")),
    path("portal/", include("ketaclinic.portal.urls")),
    path("api/v1/", include("ketaclinic.config.api_urls")),
    path("", include("ketaclinic.website.urls")),
]

handler400 = "ketaclinic.core.views.bad_request"
handler403 = "ketaclinic.core.views.permission_denied"
handler404 = "ketaclinic.core.views.page_not_found"
handler500 = "ketaclinic.core.views.server_error"
