"""The datastore's service layer: the web UI, the API and the jobs call these.

Ingestion runs as a background job per resource. The published Parquet
version stays in place until a new one is complete, so a failed or running
job never takes data away from readers.
"""

from __future__ import annotations

import logging
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey.signals import SIGNAL_INTERRUPTED

from hiraku.catalog import permissions
from hiraku.catalog import services as catalog
from hiraku.catalog.files import local_file
from hiraku.catalog.models import Resource, State
from hiraku.core.jobs import get_huey, job
from hiraku.search.service import index_dataset

from . import dictionary, dumps, geo, mapped, profile, push, store, versions
from . import search as table_search
from . import sql as sql_engine
from .errors import IngestError, Problem
from .ingest import ingest_file
from .models import DatastoreTable
from .signals import announce_table

logger = logging.getLogger(__name__)

# Formats the ingestion understands (CKAN's resource format strings, upper case).
TABULAR_FORMATS = {"CSV", "TSV", "TXT", "XLSX", "XLSM", "XLS", "ODS", "JSON", "GEOJSON"}
PROGRESS_INTERVAL = 0.5
# How often a table without a mapped copy asks for one again (a copy that failed is retried).
COPY_RETRY_SECONDS = 3600


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
        with local_file(resource) as path:
            result = ingest_file(path, str(resource.pk), data_dir(), format=resource.format or None,
                                 progress=_progress_recorder(table.pk),
                                 type_overrides=dictionary.type_overrides(table.fields_info))
    except IngestError as error:
        _finish_with_error(table.pk, error.problem)
        return
    except Exception:  # the queue must survive any file; the error is recorded on the resource
        logger.exception("datastore ingestion of %s failed", resource_id)
        _finish_with_error(table.pk, Problem("internal_error"))
        return
    sidecar = store.read_sidecar(data_dir(), str(resource.pk), result.version)
    _record_changes(resource, result.version, table.primary_key)
    _warm_profile(resource, result.version)
    _build_copies(resource, result.version, len(result.tables))
    DatastoreTable.objects.filter(pk=table.pk).update(
        status=DatastoreTable.Status.DONE, version=result.version, row_count=result.table.row_count,
        schema=sidecar, error=None, source_hash=f"sha256:{result.sha256}", finished_at=timezone.now(),
        seconds=result.seconds, phase="", progress_done=result.table.row_count,
        progress_total=result.table.row_count,
    )
    _drop_lost_overrides(table.pk, sidecar)
    if result.encoding_label and not resource.encoding:
        Resource.objects.filter(pk=resource.pk).update(encoding=result.encoding_label)
    # The stored package dict carries datastore_active.
    index_dataset(resource.dataset_id)
    announce_table(resource.pk, result.version)


@get_huey().signal(SIGNAL_INTERRUPTED)
def _show_interrupted_ingestion_as_pending(signal_name, task, *args, **kwargs) -> None:
    """A consumer that stops mid-ingestion queues the job again (run_huey); say so on the table."""
    if task.name == ingest_resource.enqueue.name and task.args:
        DatastoreTable.objects.filter(resource_id=task.args[0], status=DatastoreTable.Status.RUNNING).update(
            status=DatastoreTable.Status.PENDING, phase="")


def _drop_lost_overrides(table_pk, sidecar: dict) -> None:
    """Forget the type overrides of columns the new version no longer has (a new file may differ)."""
    known = {c["id"] for t in sidecar.get("tables", []) for c in t.get("columns", [])}
    with transaction.atomic():
        table = DatastoreTable.objects.select_for_update().get(pk=table_pk)
        info = {column: dict(entry) for column, entry in (table.fields_info or {}).items()}
        lost = [column for column, entry in info.items() if "type_override" in entry and column not in known]
        if not lost:
            return
        for column in lost:
            info[column].pop("type_override")
            if not info[column]:
                del info[column]
        DatastoreTable.objects.filter(pk=table_pk).update(fields_info=info)


def save_dictionary(actor, table: DatastoreTable, entries: dict[str, dict]) -> bool:
    """Save data dictionary entries (see ``dictionary.update_dictionary``); True when the table is re-typed.

    A changed type override ingests the kept original file again with the
    same job as an upload, so its progress and its outcome (a new version, or
    an error while the previous version stays published) show as usual.
    """
    with transaction.atomic():
        table.fields_info = DatastoreTable.objects.select_for_update().get(pk=table.pk).fields_info
        before = dictionary.type_overrides(table.fields_info)
        info = dictionary.update_dictionary(actor, table, entries)
        if dictionary.type_overrides(info) == before:
            return False
        return schedule_ingest(str(table.resource_id)) is not None


def is_uploaded_table(resource_id: str) -> bool:
    """Whether the resource has a table built from its uploaded file."""
    return catalog.looks_like_uuid(str(resource_id)) and DatastoreTable.objects.filter(
        resource_id=resource_id, origin=DatastoreTable.Origin.UPLOAD).exists()


def dictionary_from_fields(actor, resource_id: str, raw_fields) -> tuple[DatastoreTable, bool]:
    """datastore_create without records on an uploaded table: CKAN's Data Dictionary update.

    ``raw_fields`` is CKAN's list of ``{"id", "type", "info": {"label",
    "notes", "type_override"}}``; a field without ``info`` changes nothing,
    ``type`` must be the column's current type (types change through
    ``type_override``). Returns the table and whether it is being re-typed.
    """
    table = get_table(resource_id, actor)
    if not permissions.can_edit_dataset(actor, table.resource.dataset):
        raise PermissionDenied
    if not isinstance(raw_fields, list) or not all(isinstance(f, dict) for f in raw_fields):
        raise push.PushError("fields", _("Must be a list of objects with an id and a type"))
    columns = {c["id"]: c for t in table.tables for c in t.get("columns", [])}
    entries = {}
    for field in raw_fields:
        name = field.get("id")
        if name not in columns:
            raise push.PushError("fields", _("No such column: %(column)s") % {"column": name})
        given = str(field.get("type") or "").lower()
        if given and push.TYPES.get(given, (None,))[0] != columns[name].get("type"):
            raise push.PushError("fields", _("The type of column %(name)s is changed with info.type_override")
                                 % {"name": name})
        if "info" not in field:
            continue
        if not isinstance(field["info"], dict):
            raise push.PushError("fields", _("The info of column %(name)s must be an object") % {"name": name})
        entries[name] = field["info"]
    try:
        retyping = save_dictionary(actor, table, entries)
    except dictionary.DictionaryError as error:
        raise push.PushError("fields", error.message) from error
    return table, retyping


def _record_changes(resource: Resource, version: int, primary_key: list[str]) -> None:
    try:
        versions.record_changes(_directory(resource), version, primary_key)
    except Exception:  # a missing summary must not fail the new version
        logger.exception("change summary of %s v%s failed", resource.pk, version)


def _warm_profile(resource: Resource, version: int) -> None:
    """Compute the column profile now, so the first visitor of the resource page does not wait for it."""
    try:
        profile.profile_table(_directory(resource) / store.table_file_name(version, 0))
    except Exception:  # the page computes it on demand instead
        logger.exception("profile of %s v%s failed", resource.pk, version)


def _build_copies(resource: Resource, version: int, table_count: int, first: int = 0) -> None:
    """Write the mapped copies that datastore_search answers from (see mapped.py)."""
    for index in range(first, table_count):
        path = _directory(resource) / store.table_file_name(version, index)
        try:
            mapped.build(path)
        except Exception:  # searches read the Parquet file instead
            logger.exception("mapped copy of %s failed", path)


def version_history(table: DatastoreTable) -> list[dict]:
    """Published versions, newest first: row count, publication time, change summary."""
    entries = versions.history(_directory(table.resource))
    for entry in entries:
        entry["published"] = datetime.fromtimestamp(entry["published"], tz=UTC).isoformat()
    return entries


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
    typed = store.table_file_name(table.version, index)
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
    """From the table's mapped copy when it can answer, else from its Parquet file (same results)."""
    path = parquet_path(table, index)
    answered = mapped.search(path, request)
    if answered is not None:
        return answered
    if not mapped.copy_path(path).exists() and cache.add(f"hiraku:datastore:copy:{path}", 1, COPY_RETRY_SECONDS):
        # A table published before copies existed, or whose copy failed: build it in the background.
        transaction.on_commit(lambda: build_copy.enqueue(str(table.resource_id), table.version, index))
    return table_search.search(path, request, geo.coordinate_columns(table.columns(index)))


@job
def build_copy(resource_id: str, version: int, index: int) -> None:
    """Background job: the mapped copy of one table of a version, if that version is still current."""
    table = DatastoreTable.objects.filter(resource_id=resource_id, version=version).first()
    if table is not None:
        _build_copies(table.resource, version, index + 1, first=index)


def column_info(table: DatastoreTable, column_id: str) -> dict:
    """The data dictionary entry of a column as CKAN reports it (``info``): label, description
    (also as CKAN's ``notes``) and type_override, where set."""
    info = dict((table.fields_info or {}).get(column_id, {}))
    if "description" in info:
        info.setdefault("notes", info["description"])
    return info


def fields(table: DatastoreTable, index: int = 0) -> list[dict]:
    """Columns as CKAN's datastore reports them, with the ingested header, type and data dictionary."""
    described = table_search.describe(parquet_path(table, index))
    by_id = {c["id"]: c for c in table.columns(index)}
    out = []
    for column in described:
        entry = {"id": column["id"], "type": column["type"]}
        source = by_id.get(column["id"])
        info = column_info(table, column["id"])
        if source:
            info.setdefault("label", source.get("header") or column["id"])
            entry["schema"] = {"native_type": column["native_type"],
                               "inferred_type": source.get("inferred") or source.get("type"),
                               "role": source.get("role")}
        if info:
            entry["info"] = info
        out.append(entry)
    return out


def dump_file(table: DatastoreTable, fmt: str, index: int = 0) -> Path:
    """The table as a file in ``fmt`` (see dumps.FORMATS); raises dumps.DumpError."""
    return dumps.dump_path(parquet_path(table, index), fmt, table.columns(index))


@contextmanager
def selected_rows_file(table: DatastoreTable, fmt: str, request: table_search.SearchRequest, index: int = 0):
    """The rows ``request`` selects, as a temporary file in ``fmt`` that is removed on leaving.

    Raises dumps.DumpError, search.SearchInputError or search.ExportTooLarge. An open handle keeps
    reading the file after it is removed, so a response may stream it.
    """
    spec = dumps.format_spec(fmt)
    columns = table.columns(index)
    with tempfile.TemporaryDirectory(prefix="hiraku-dump-") as work:
        rows = Path(work) / "rows.parquet"
        table_search.export(parquet_path(table, index), request, rows, coordinates=geo.coordinate_columns(columns))
        target = Path(work) / f"selected.{spec.extension}"
        dumps.write_rows(rows, fmt, target, columns)
        yield target


def download_name(table: DatastoreTable, fmt: str, index: int = 0) -> str:
    stem = Path(table.resource.file.name).stem if table.resource.file else str(table.resource_id)
    if index:
        stem += f"-{table.tables[index].get('name', index + 1)}"
    return f"{stem}.{dumps.FORMATS[fmt].extension}"


# --- tables pushed through the API -------------------------------------------

def _editable_table(actor, resource_id: str, *, force: bool, create: bool = False):
    resource = catalog.get_resource(str(resource_id), actor)
    if not permissions.can_edit_dataset(actor, resource.dataset):
        raise PermissionDenied
    table = DatastoreTable.objects.select_for_update().filter(resource=resource).first()
    if table is None and not create:
        raise catalog.NotFound(str(resource_id))
    if table is not None and table.origin == DatastoreTable.Origin.UPLOAD and not force:
        raise push.PushError("force", _("This table is built from the uploaded file and is read-only; "
                                        "pass force=true to change it anyway."))
    return resource, table


def _publish_pushed(resource: Resource, table: DatastoreTable | None, fields, rows, primary_key) -> DatastoreTable:
    directory = store.resource_dir(data_dir(), str(resource.pk))
    version = push.write_version(directory, fields, rows, primary_key)
    _record_changes(resource, version, primary_key)
    _build_copies(resource, version, 1)
    sidecar = store.read_sidecar(data_dir(), str(resource.pk), version)
    values = {"version": version, "row_count": len(rows), "schema": sidecar, "status": DatastoreTable.Status.DONE,
              "error": None, "primary_key": primary_key, "finished_at": timezone.now(), "phase": ""}
    if table is None:
        table = DatastoreTable.objects.create(resource=resource, origin=DatastoreTable.Origin.API, **values)
    else:
        DatastoreTable.objects.filter(pk=table.pk).update(**values)
        table.refresh_from_db()
    transaction.on_commit(lambda: index_dataset(resource.dataset_id))
    announce_table(resource.pk, version)
    table.resource = resource
    return table


def push_create(actor, resource_id: str, raw_fields, records, primary_key: list[str], *,
                force: bool = False) -> DatastoreTable:
    """datastore_create: define (or extend) the table's columns and add rows."""
    with transaction.atomic():
        resource, table = _editable_table(actor, resource_id, force=force, create=True)
        existing_fields = push.fields_from_sidecar(table.schema) if table and table.is_queryable else []
        fields = _combined_fields(existing_fields, push.parse_fields(raw_fields or []))
        if not fields:
            raise push.PushError("fields", _("Give at least one column"))
        for key in primary_key:
            if key not in {f.id for f in fields}:
                raise push.PushError("primary_key", _("No such column: %(column)s") % {"column": key})
        existing = push.read_rows(_directory(resource), table.version if table else None)
        rows = push.merge(existing, push.check_records(records or [], fields), primary_key, "insert")
        return _publish_pushed(resource, table, fields, rows, primary_key or (table.primary_key if table else []))


def _combined_fields(existing: list, new: list) -> list:
    by_id = {f.id: f for f in existing}
    for field in new:
        if field.id in by_id and by_id[field.id].type != field.type:
            raise push.PushError("fields", _("Column %(name)s already exists with the type %(type)s")
                                 % {"name": field.id, "type": by_id[field.id].type})
        by_id.setdefault(field.id, field)
    return list(by_id.values())


def push_upsert(actor, resource_id: str, records, method: str, *, force: bool = False) -> DatastoreTable:
    """datastore_upsert: insert, update or upsert rows by the table's primary key."""
    if method not in ("upsert", "insert", "update"):
        raise push.PushError("method", _("Must be upsert, insert or update"))
    with transaction.atomic():
        resource, table = _editable_table(actor, resource_id, force=force)
        fields = push.fields_from_sidecar(table.schema)
        existing = push.read_rows(_directory(resource), table.version)
        rows = push.merge(existing, push.check_records(records or [], fields), table.primary_key, method)
        return _publish_pushed(resource, table, fields, rows, table.primary_key)


def push_delete(actor, resource_id: str, filters: dict | None, *, force: bool = False,
                keep_table: bool = False) -> DatastoreTable | None:
    """datastore_delete: remove matching rows, or the whole table when no filters are given.

    With ``keep_table`` (datastore_records_delete) no filters remove every row
    and the table stays, with its columns and primary key.
    """
    with transaction.atomic():
        resource, table = _editable_table(actor, resource_id, force=force)
        if not filters and not keep_table:
            table.delete()
            transaction.on_commit(lambda: index_dataset(resource.dataset_id))
            return None
        fields = push.fields_from_sidecar(table.schema)
        rows = push.delete_rows(push.read_rows(_directory(resource), table.version), filters, fields) if filters else []
        return _publish_pushed(resource, table, fields, rows, table.primary_key)


def _directory(resource: Resource) -> Path:
    return store.resource_dir(data_dir(), str(resource.pk))


# --- SQL ----------------------------------------------------------------------

def public_table_path(name: str) -> Path | None:
    """The Parquet file behind a table name in datastore_search_sql: published, public resources only."""
    if not catalog.looks_like_uuid(name):
        return None
    table = (DatastoreTable.objects.select_related("resource__dataset")
             .filter(resource_id=name, version__isnull=False, resource__state=State.ACTIVE,
                     resource__dataset__state=State.ACTIVE, resource__dataset__private=False).first())
    return parquet_path(table) if table else None


def search_sql(sql: str) -> sql_engine.SQLResult:
    return sql_engine.execute_sql(sql, public_table_path, row_cap=settings.HIRAKU_DATASTORE_SQL_ROW_CAP,
                                  timeout=settings.HIRAKU_DATASTORE_SQL_TIMEOUT)


def job_status(resource_id: str, user=None) -> dict:
    """Where the resource's ingestion stands (CKAN's xloader_status, in Hiraku's words)."""
    resource = catalog.get_resource(str(resource_id), user)
    table = DatastoreTable.objects.filter(resource=resource).first()
    if table is None:
        return {"resource_id": str(resource.pk), "status": None, "tabular": is_tabular(resource)}
    warnings = [w for t in table.tables for w in t.get("warnings", [])]
    return {
        "resource_id": str(resource.pk), "status": table.status, "tabular": True,
        "phase": table.phase or None, "progress": {"done": table.progress_done, "total": table.progress_total},
        "version": table.version, "row_count": table.row_count, "error": table.error, "warnings": warnings,
        "queued": table.queued_at.isoformat(), "started": table.started_at and table.started_at.isoformat(),
        "finished": table.finished_at and table.finished_at.isoformat(), "seconds": table.seconds,
    }
