from django.urls import path

from ketaclinic.accounts import views

urlpatterns = [
    path("me/", views.my_account, name="my_account"),
]
