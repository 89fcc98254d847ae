from django.urls import path

from ketaclinic.patients import views

# The namespace is given in config/urls.py, which adds the patient's page that lives in staff
# (`ketaclinic.staff.patient_page_urls`) to these under `patients`.
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("search/", views.patient_search, name="search"),
    path("register/", views.patient_register_view, name="register"),
]
