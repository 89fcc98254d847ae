from django.urls import path

from ketaclinic.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.schedule_day, name="day"),
    path("patients/<int:patient_id>/book/", views.appointment_book_view, name="book"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="detail"),
]
