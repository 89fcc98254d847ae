from django.urls import path

from ketaclinic.intake import views

app_name = "intake"
urlpatterns = [
    path("patients/<int:patient_id>/", views.intake_edit, name="edit"),
    path("patients/<int:patient_id>/decision/", views.eligibility_decision_create, name="decide"),
    path(
        "decisions/<int:decision_id>/addendum/", views.eligibility_addendum_create, name="addendum"
    ),
    path(
        "decisions/<int:decision_id>/referral-letter.pdf",
        views.referral_letter,
        name="referral_letter",
    ),
]
