"""The staff pages at the top of /staff/ that gather several areas (the rest of /staff/ is
clinics' own pages, `ketaclinic.clinics.urls`); config/urls.py mounts both there."""

from django.urls import path

from ketaclinic.staff import views

urlpatterns = [
    path("", views.home, name="home"),
    path("clinic/screening/", views.screening_sets, name="screening_sets"),
]
