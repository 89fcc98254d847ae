from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def api_tokens(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"title": "API", "message": ""})
