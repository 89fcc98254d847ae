from django.urls import path

from ketaclinic.reminders import views

app_name = "reminders"
urlpatterns = [
    path("staff/calendar-feed/", views.calendar_feed_settings, name="feed_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]
