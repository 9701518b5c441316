"""The datastore's service layer: the web UI, the API and the jobs call these.

Ingestion runs as a background job per resource. The published Parquet
version stays in place until a new one is complete, so a failed or running
job never takes data away from readers.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hiraku.catalog import services as catalog
from hiraku.catalog.models import Resource, State
from hiraku.core.jobs import job

from . import dumps, store
from . import search as table_search
from .errors import IngestError, Problem
from .ingest import ingest_file
from .models import DatastoreTable

logger = logging.getLogger(__name__)

# Formats the ingestion understands (CKAN's resource format strings, upper case).
TABULAR_FORMATS = {"CSV", "TSV", "TXT", "XLSX", "XLSM", "XLS", "ODS"}
PROGRESS_INTERVAL = 0.5


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def is_tabular(resource: Resource) -> bool:
    return bool(resource.file) and (resource.format or "").upper() in TABULAR_FORMATS


# --- ingestion --------------------------------------------------------------

def schedule_ingest(resource_id: str) -> DatastoreTable | None:
    """Queue (re)ingestion of the resource's file; None when it is not a table."""
    resource = Resource.objects.filter(pk=resource_id, state=State.ACTIVE).first()
    if resource is None or not is_tabular(resource):
        return None
    table, _ = DatastoreTable.objects.update_or_create(
        resource=resource,
        defaults={"status": DatastoreTable.Status.PENDING, "phase": "", "progress_done": 0,
                  "progress_total": None, "queued_at": timezone.now(), "origin": DatastoreTable.Origin.UPLOAD},
    )
    transaction.on_commit(lambda: ingest_resource.enqueue(str(resource.pk)))
    return table


@job
def ingest_resource(resource_id: str) -> None:
    """Background job: ingest the resource's current file as a new version."""
    resource = Resource.objects.filter(pk=resource_id).first()
    table = DatastoreTable.objects.filter(resource_id=resource_id).first()
    if resource is None or table is None or not resource.file:
        return
    DatastoreTable.objects.filter(pk=table.pk).update(status=DatastoreTable.Status.RUNNING,
                                                      started_at=timezone.now(), error=None)
    try:
        with _local_file(resource) as path:
            result = ingest_file(path, str(resource.pk), data_dir(), format=resource.format or None,
                                 progress=_progress_recorder(table.pk))
    except IngestError as error:
        _finish_with_error(table.pk, error.problem)
        return
    except Exception:  # the queue must survive any file; the error is recorded on the resource
        logger.exception("datastore ingestion of %s failed", resource_id)
        _finish_with_error(table.pk, Problem("internal_error"))
        return
    sidecar = store.read_sidecar(data_dir(), str(resource.pk), result.version)
    DatastoreTable.objects.filter(pk=table.pk).update(
        status=DatastoreTable.Status.DONE, version=result.version, row_count=result.table.row_count,
        schema=sidecar, error=None, source_hash=f"sha256:{result.sha256}", finished_at=timezone.now(),
        seconds=result.seconds, phase="", progress_done=result.table.row_count,
        progress_total=result.table.row_count,
    )
    if result.encoding_label and not resource.encoding:
        Resource.objects.filter(pk=resource.pk).update(encoding=result.encoding_label)


def _finish_with_error(table_pk, problem: Problem) -> None:
    DatastoreTable.objects.filter(pk=table_pk).update(
        status=DatastoreTable.Status.ERROR, error=problem.as_dict(), finished_at=timezone.now(), phase="")


def _progress_recorder(table_pk):
    last = [0.0]

    def record(phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_INTERVAL:
            return
        last[0] = now
        DatastoreTable.objects.filter(pk=table_pk).update(phase=phase[:20], progress_done=done,
                                                          progress_total=total)

    return record


@contextmanager
def _local_file(resource: Resource) -> Iterator[Path]:
    """A local path to the resource's file; remote storage (S3) is copied to a temporary file."""
    try:
        yield Path(resource.file.path)
        return
    except NotImplementedError:
        pass
    suffix = Path(resource.file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=_scratch_dir()) as tmp:
        with resource.file.open("rb") as source:
            shutil.copyfileobj(source, tmp, 1 << 20)
        tmp.flush()
        yield Path(tmp.name)


def _scratch_dir() -> Path:
    path = data_dir() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- reading ----------------------------------------------------------------

def get_table(resource_id: str, user=None) -> DatastoreTable:
    """The resource's datastore table, if the user may see the resource and it is queryable."""
    resource = catalog.get_resource(str(resource_id), user)
    table = DatastoreTable.objects.filter(resource=resource).first()
    if table is None or not table.is_queryable:
        raise catalog.NotFound(str(resource_id))
    table.resource = resource
    return table


def table_status(resource: Resource) -> DatastoreTable | None:
    return DatastoreTable.objects.filter(resource=resource).first()


def parquet_path(table: DatastoreTable, index: int = 0) -> Path:
    typed, _ = store.table_file_names(table.version, index)
    return store.resource_dir(data_dir(), str(table.resource_id)) / typed


def table_index(table: DatastoreTable, name: str | None) -> int:
    """Index of the sheet called ``name`` (default: the first table)."""
    if not name:
        return 0
    for index, entry in enumerate(table.tables):
        if entry.get("name") == name:
            return index
    raise catalog.NotFound(name)


def search(table: DatastoreTable, request: table_search.SearchRequest, index: int = 0) -> table_search.SearchResult:
    return table_search.search(parquet_path(table, index), request)


def fields(table: DatastoreTable, index: int = 0) -> list[dict]:
    """Columns as CKAN's datastore reports them, with the ingested header, type and data dictionary."""
    described = table_search.describe(parquet_path(table, index))
    by_id = {c["id"]: c for c in table.columns(index)}
    out = []
    for column in described:
        entry = {"id": column["id"], "type": column["type"]}
        source = by_id.get(column["id"])
        info = dict(table.fields_info.get(column["id"], {}))
        if source:
            info.setdefault("label", source.get("header") or column["id"])
            entry["schema"] = {"native_type": column["native_type"], "inferred_type": source.get("type"),
                               "role": source.get("role")}
        if info:
            entry["info"] = info
        out.append(entry)
    return out


def dump_file(table: DatastoreTable, fmt: str, index: int = 0) -> Path:
    """The table as a file in ``fmt`` (see dumps.FORMATS); raises dumps.DumpError."""
    return dumps.dump_path(parquet_path(table, index), fmt, table.columns(index))


def download_name(table: DatastoreTable, fmt: str, index: int = 0) -> str:
    stem = Path(table.resource.file.name).stem if table.resource.file else str(table.resource_id)
    if index:
        stem += f"-{table.tables[index].get('name', index + 1)}"
    return f"{stem}.{dumps.FORMATS[fmt].extension}"
