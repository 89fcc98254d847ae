from django.urls import path

from ketaclinic.website import views

app_name = "website"
urlpatterns = [
    path("", views.home, name="home"),
    path("ketamine-therapy/", views.ketamine_therapy, name="ketamine_therapy"),
    path("conditions/", views.conditions, name="conditions"),
    path("what-to-expect/", views.what_to_expect, name="what_to_expect"),
    path("side-effects-and-safety/", views.safety, name="safety"),
    path("contact/", views.contact, name="contact"),
    path("contact/thank-you/", views.thank_you, name="thank_you"),
]
