"""The schedule pages that live in reminders (`schedule_pages`), under scheduling's namespace:
config/urls.py includes them with `ketaclinic.scheduling.urls` as `scheduling`."""

from django.urls import path

from ketaclinic.reminders import schedule_pages

urlpatterns = [
    path("", schedule_pages.schedule_day, name="day"),
    path("appointments/<int:appointment_id>/", schedule_pages.appointment_detail, name="detail"),
]
