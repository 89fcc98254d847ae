from django.urls import path

from ketaclinic.scheduling import views

# The namespace is given in config/urls.py, which adds the day and appointment pages that live in
# reminders (`ketaclinic.reminders.schedule_urls`) to these under `scheduling`.
urlpatterns = [
    path("staffing/", views.staffing, name="staffing"),
    path("week/", views.schedule_week, name="week"),
    path("waitlist/", views.waitlist_view, name="waitlist"),
    path("patients/<int:patient_id>/book/", views.appointment_book_view, name="book"),
]
