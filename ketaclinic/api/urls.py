from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from ketaclinic.api import views

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("tokens/manage", views.api_tokens, name="api_tokens"),
]
