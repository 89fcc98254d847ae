from django.urls import path

from ketaclinic.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.schedule_day, name="day"),
    path("staffing/", views.staffing, name="staffing"),
    path("week/", views.schedule_week, name="week"),
    path("waitlist/", views.waitlist_view, name="waitlist"),
    path("patients/<int:patient_id>/book/", views.appointment_book_view, name="book"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="detail"),
]
