from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def inquiry_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"title": "Inquiries", "message": ""})
