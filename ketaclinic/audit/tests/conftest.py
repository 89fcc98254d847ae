"""Every audit test writes its checkpoints into its own directory, never into var/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def checkpoint_directory(settings: Any, tmp_path: Path) -> Path:
    directory = tmp_path / "audit-checkpoints"
    settings.AUDIT_CHECKPOINT_DIR = directory
    return directory
