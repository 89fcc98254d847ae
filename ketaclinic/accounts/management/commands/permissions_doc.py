"""`ketaclinic permissions-doc`: write docs/permissions.md from the permission matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from ketaclinic.accounts.roles import permissions_markdown


class Command(BaseCommand):
    help = "Regenerate docs/permissions.md from ketaclinic/accounts/roles.py."

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "permissions.md"
        path.write_text(permissions_markdown())
        self.stdout.write(f"Wrote {path}")
