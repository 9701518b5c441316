"""Reading a resource's uploaded file wherever the storage keeps it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from .models import Resource


@contextmanager
def local_file(resource: Resource) -> Iterator[Path]:
    """A local path to the resource's file for the duration of the block.

    Local storage gives the file itself; remote storage (S3) has no paths, so the file is
    copied to a temporary file under the data directory, removed after the block."""
    try:
        yield Path(resource.file.path)
        return
    except NotImplementedError:
        pass
    scratch = Path(settings.DATA_DIR) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=Path(resource.file.name).suffix, dir=scratch) as copy:
        with resource.file.open("rb") as source:
            shutil.copyfileobj(source, copy, 1 << 20)
        copy.flush()
        yield Path(copy.name)
