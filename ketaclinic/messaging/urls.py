from django.urls import path

from ketaclinic.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:patient_id>/", views.thread, name="thread"),
]
