from django.urls import path

from ketaclinic.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures.csv", views.dashboard_csv, name="figures_csv"),
    path("research.csv", views.research_csv, name="research_csv"),
]
