"""ASGI entry point, for servers that speak ASGI (uvicorn)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.settings")
application = get_asgi_application()
