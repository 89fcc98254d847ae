"""The clinic admin's page for API tokens (a staff page, so it lives under /staff/)."""

from django.urls import path

from ketaclinic.api import views

urlpatterns = [
    path("", views.api_tokens, name="api_tokens"),
    path("<int:token_id>/revoke", views.api_token_revoke_view, name="api_token_revoke"),
]
