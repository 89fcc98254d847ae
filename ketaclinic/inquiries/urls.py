from django.urls import path

from ketaclinic.inquiries import views

app_name = "inquiries"
urlpatterns = [
    path("", views.inquiry_queue, name="queue"),
    path("<int:inquiry_id>/", views.inquiry_detail, name="detail"),
]
