"""Where ingested tables live on disk, and how versions are published atomically.

Layout under the data directory::

    datastore/<resource_id>/v<N>.json          schema sidecar (written last)
    datastore/<resource_id>/v<N>.parquet       typed table
    datastore/<resource_id>/v<N>.t2.parquet    further tables (other sheets)
    datastore/<resource_id>/v<N>.arrow         the current version's mapped copy (mapped.py), derived

A version is staged in a private ``.v<N>.staging`` directory (created with an
exclusive mkdir, which also reserves the number), moved in with atomic
renames, and becomes visible when its sidecar appears. Readers therefore
never see a half-written table.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

_RESOURCE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_VERSION_RE = re.compile(r"v(\d+)\.json")
_STAGING_RE = re.compile(r"\.v(\d+)\.staging")


def resource_dir(data_dir: str | Path, resource_id: str) -> Path:
    rid = str(resource_id)
    if not _RESOURCE_ID_RE.fullmatch(rid):
        raise ValueError(f"invalid resource id: {rid!r}")
    return Path(data_dir) / "datastore" / rid


def versions(directory: Path) -> list[int]:
    """Published versions, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(int(m.group(1)) for p in directory.iterdir() if (m := _VERSION_RE.fullmatch(p.name)))


def latest_version(directory: Path) -> int | None:
    found = versions(directory)
    return found[-1] if found else None


def reserve_version(directory: Path) -> tuple[int, Path]:
    """The next version number and its private staging directory."""
    directory.mkdir(parents=True, exist_ok=True)
    taken = set(versions(directory))
    taken.update(int(m.group(1)) for p in directory.iterdir() if (m := _STAGING_RE.fullmatch(p.name)))
    n = max(taken, default=0) + 1
    while True:
        staging = directory / f".v{n}.staging"
        try:
            staging.mkdir()
        except FileExistsError:
            n += 1
            continue
        if (directory / f"v{n}.json").exists():
            staging.rmdir()
            n += 1
            continue
        return n, staging


def table_file_name(version: int, index: int) -> str:
    """Parquet file name of the table at ``index`` (0-based)."""
    return f"v{version}.parquet" if index == 0 else f"v{version}.t{index + 1}.parquet"


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def publish(directory: Path, staging: Path, version: int, sidecar: dict) -> Path:
    """Move staged files in place, then write the sidecar that makes the version visible."""
    for item in sorted(staging.iterdir()):
        _fsync_file(item)
        os.replace(item, directory / item.name)
    fd, tmp = tempfile.mkstemp(prefix=f".v{version}.", suffix=".json.tmp", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(sidecar, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    target = directory / f"v{version}.json"
    os.replace(tmp, target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def read_sidecar(data_dir: str | Path, resource_id: str, version: int | None = None) -> dict:
    directory = resource_dir(data_dir, resource_id)
    version = version if version is not None else latest_version(directory)
    if version is None:
        raise FileNotFoundError(f"no datastore table for resource {resource_id}")
    return json.loads((directory / f"v{version}.json").read_text(encoding="utf-8"))
