"""`openapi_check`: fail when docs/openapi.json differs from what the code generates.

Regenerate with `make openapi` and commit the result with the change that altered the API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer


def generated_schema() -> Any:
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


class Command(BaseCommand):
    help = "Check that the committed OpenAPI document (docs/openapi.json) is up to date."

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "openapi.json"
        if not path.exists():
            raise CommandError(f"{path} is missing: run `make openapi` and commit it.")
        committed = json.loads(path.read_text())
        if committed != generated_schema():
            raise CommandError(
                f"{path} is stale: the API changed. Run `make openapi` and commit the result."
            )
        self.stdout.write("OpenAPI document is up to date.")
