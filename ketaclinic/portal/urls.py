from django.urls import path

from ketaclinic.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("intake/", views.portal_intake, name="intake"),
    path("consent/<str:treatment>/", views.portal_consent_sign, name="consent_sign"),
    path("consents/<int:signature_id>.pdf", views.portal_consent_pdf, name="consent_pdf"),
    path("questionnaires/<int:due_id>/", views.portal_questionnaire, name="questionnaire"),
    path("messages/", views.portal_messages, name="messages"),
    # The invitation link (no sign-in: the token is the proof; portal/invitations.py).
    path("welcome/<str:token>/", views.portal_invitation_accept, name="invitation"),
]
