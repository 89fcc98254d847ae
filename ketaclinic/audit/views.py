from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def audit_event_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"title": "Audit", "message": ""})
