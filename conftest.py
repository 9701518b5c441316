"""Fixtures shared by every test package.

`shared/` (read-only reference data) sits beside the repository clone, both
on developer machines and in CI. Tests may read it; product code never does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

REPOSITORY_ROOT = Path(__file__).resolve().parent
SHARED_DIR = REPOSITORY_ROOT.parent / "shared"

# Tests expect a job to be done when `.enqueue()` returns: run jobs in process,
# here (Django's settings are loaded before this file, no job is declared yet)
# and in the `hiraku` processes tests start (they inherit the environment).
# A test of the queued modes sets HIRAKU_JOBS itself.
os.environ["HIRAKU_JOBS"] = "immediate"
os.environ.pop("HIRAKU_JOBS_IMMEDIATE", None)
settings.HIRAKU_JOBS = "immediate"
settings.HIRAKU_JOBS_IMMEDIATE = True


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference folder; its absence fails in CI and skips elsewhere."""
    if not SHARED_DIR.is_dir():
        message = f"reference data folder not found beside the repository: {SHARED_DIR}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DIR


@pytest.fixture
def isolated_media(settings, tmp_path):
    """Uploaded files go to a per-test folder instead of HIRAKU_DATA_DIR."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT
