"""CKAN's datastore actions over Hiraku's Parquet datastore."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from hiraku.catalog import services as catalog
from hiraku.datastore import push, services, spatial
from hiraku.datastore import search as table_search
from hiraku.datastore import sql as sql_engine

from .. import registry
from ..errors import ValidationError
from ..params import Params

RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")


def _json_param(params: Params, name: str, expected: type | tuple[type, ...]):
    """A parameter that is a JSON value, given either as JSON or (GET, form) as a JSON string."""
    value = params.data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        value = value[0]
    if isinstance(value, str) and expected is not str:
        try:
            value = json.loads(value)
        except ValueError:
            if str in (expected if isinstance(expected, tuple) else (expected,)):
                return value
            params.add_error(name, _("Must be valid JSON"))
            return None
    if not isinstance(value, expected):
        params.add_error(name, _("Invalid value"))
        return None
    return value


def _fields_param(params: Params) -> list[str] | None:
    value = params.data.get("fields")
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            return params.string_list("fields") or None
        return [name.strip() for name in value.split(",") if name.strip()]
    return params.string_list("fields") or None


def _search_request(params: Params) -> tuple[table_search.SearchRequest, str]:
    q = _json_param(params, "q", (dict, str))
    if q is None:
        q = _json_param(params, "full_text", str)
    filters = _json_param(params, "filters", dict) or {}
    sort = _json_param(params, "sort", (list, str))
    records_format = params.string("records_format", "objects")
    if records_format not in RECORDS_FORMATS:
        params.add_error("records_format", _("Must be one of: %(choices)s") % {"choices": ", ".join(RECORDS_FORMATS)})
    request = table_search.SearchRequest(
        spatial=_spatial_param(params),
        fields=_fields_param(params),
        filters=filters,
        q=q,
        distinct=params.boolean("distinct", False),
        sort=sort,
        limit=params.integer("limit", table_search.DEFAULT_LIMIT, minimum=0, maximum=table_search.MAX_LIMIT),
        offset=params.integer("offset", 0, minimum=0),
        include_total=params.boolean("include_total", True),
    )
    return request, records_format


def _spatial_param(params: Params) -> spatial.Spatial | None:
    """``near`` ("lat,lon", [lat, lon] or {"lat", "lon"}), ``radius`` (metres) and ``bbox``
    ("west,south,east,north"), given as JSON or as plain text."""
    values = {}
    for name in ("near", "radius", "bbox"):
        value = params.data.get(name)
        if isinstance(value, str) and value.lstrip().startswith(("[", "{")):
            value = _json_param(params, name, (list, dict))
        values[name] = value
    try:
        return spatial.parse(**values)
    except spatial.SpatialInputError as error:
        params.add_error(error.field, str(error.message))
        return None


def _links(data: dict, request: table_search.SearchRequest) -> dict:
    base = {k: v for k, v in data.items() if k not in ("offset", "callback", "_") and isinstance(v, str)}
    start = "/api/3/action/datastore_search?" + urlencode(base)
    following = "/api/3/action/datastore_search?" + urlencode({**base, "offset": request.offset + request.limit})
    return {"start": start, "next": following}


@registry.action()
def datastore_search(context, data):
    """Rows of a resource's table.

    :param resource_id: the resource (alias: ``id``)
    :param filters: JSON object, column → value or list of values (equality)
    :param q: full-text terms across text columns, or a JSON object column → terms
    :param distinct: distinct rows only (default false)
    :param fields: columns to return (list or comma-separated)
    :param sort: e.g. ``"名称" desc, _id``
    :param limit: rows to return (default 100, at most 32000)
    :param offset: rows to skip
    :param include_total: count the matching rows (default true)
    :param records_format: objects (default), lists, csv or tsv
    :param sheet: for workbooks with several tables, the sheet to read (default: the first)
    :param near: a point, ``"34.3428,134.0466"`` (latitude, longitude): rows with coordinates only,
        nearest first unless ``sort`` says otherwise, each with ``_distance`` in metres (Hiraku's extension)
    :param radius: with ``near``, only rows within this many metres
    :param bbox: ``"west,south,east,north"`` in degrees: only rows inside the box
    """
    params = Params(data)
    resource_id = params.string("resource_id") or params.string("id")
    if not resource_id:
        params.add_error("resource_id", _("Missing value"))
    request, records_format = _search_request(params)
    sheet = params.string("sheet")
    params.raise_if_invalid()
    table = services.get_table(resource_id, context.user)
    index = services.table_index(table, sheet or None)
    try:
        result = services.search(table, request, index)
    except table_search.SearchInputError as error:
        raise ValidationError({error.field: [str(error.message)]}) from error
    # The data dictionary, as CKAN reports it with the fields (label, notes, type_override).
    fields = [{**f, "info": info} if (info := services.column_info(table, f["id"])) else f for f in result.fields]
    response = {
        "resource_id": str(table.resource_id),
        "fields": fields,
        "records": result.records(records_format),
        "limit": request.limit,
        "offset": request.offset,
        "records_format": records_format,
        "include_total": request.include_total,
        "_links": _links(data, request),
    }
    if request.q is not None:
        response["q"] = request.q
    if request.filters:
        response["filters"] = request.filters
    if request.include_total:
        response["total"] = result.total
        response["total_was_estimated"] = False
    return response


@registry.action()
def datastore_info(context, data):
    """The columns (with types and data dictionary) and row count of a resource's table.

    :param id: the resource (alias: ``resource_id``)
    """
    params = Params(data)
    resource_id = params.string("id") or params.string("resource_id")
    if not resource_id:
        params.add_error("id", _("Missing value"))
    params.raise_if_invalid()
    table = services.get_table(resource_id, context.user)
    return {
        "meta": {
            "id": str(table.resource_id),
            "count": table.row_count,
            "table_type": "BASE TABLE",
            "version": table.version,
            "status": table.status,
            "tables": [{"name": t.get("name"), "sheet": t.get("sheet"), "count": t.get("row_count")}
                       for t in table.tables],
            "encoding": table.schema.get("encoding_label"),
            "versions": services.version_history(table),
        },
        "fields": services.fields(table),
    }


def _push_errors(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except push.PushError as error:
        raise ValidationError(error.errors) from error


def _primary_key(params: Params) -> list[str]:
    value = params.data.get("primary_key")
    if isinstance(value, str) and not value.lstrip().startswith("["):
        return [name.strip() for name in value.split(",") if name.strip()]
    return params.string_list("primary_key")


def _new_resource(context, spec: dict) -> str:
    """datastore_create's ``resource``: a new resource in ``package_id`` whose URL is its own dump."""
    dataset = catalog.get_dataset(str(spec.get("package_id") or ""), context.user, for_edit=True)
    resource_id = uuid.uuid4()
    url = spec.get("url") or f"{settings.SITE_URL}/datastore/dump/{resource_id}"
    values = {"name": spec.get("name") or "", "description": spec.get("description") or "",
              "format": spec.get("format") or "CSV", "url": url}
    return str(catalog.add_resource(context.user, dataset, values, resource_id=resource_id).pk)


def _table_summary(table, fields: bool = True) -> dict:
    summary = {"resource_id": str(table.resource_id), "primary_key": table.primary_key, "method": None}
    if fields:
        summary["fields"] = [{"id": c["id"], "type": push.ckan_type(c["type"])} for c in table.columns()]
    return summary


@registry.action(side_effect_free=False)
def datastore_create(context, data):
    """Create a table for a resource (or add columns and rows to it).

    :param resource_id: an existing resource; or ``resource``: a new resource's fields with ``package_id``
    :param fields: list of ``{"id", "type"}`` (text, int, numeric, bool, date, time, timestamp, json)
    :param records: list of row objects to insert
    :param primary_key: column name or list of names
    :param force: change a table that was built from an uploaded file

    On a table built from an uploaded file, a call without records (and
    without force) updates the data dictionary only, as CKAN's: each field's
    ``info`` holds ``label``, ``notes`` and ``type_override`` (a type above,
    or "" for the inferred one). A changed type re-ingests the file
    (``retyping`` in the result; follow it with datastore_status).
    """
    params = Params(data)
    resource_id = params.string("resource_id")
    spec = _json_param(params, "resource", dict)
    fields = _json_param(params, "fields", list) or []
    records = _json_param(params, "records", list) or []
    primary_key = _primary_key(params)
    force = params.boolean("force", False)
    if not resource_id and spec is None:
        params.add_error("resource_id", _("Missing value"))
    params.raise_if_invalid()
    if resource_id and not records and not force and services.is_uploaded_table(resource_id):
        table, retyping = _push_errors(services.dictionary_from_fields, context.user, resource_id, fields)
        return {**_table_summary(table), "records": [], "retyping": retyping}
    # A new resource only stays if its table could be made.
    with transaction.atomic():
        if not resource_id:
            resource_id = _new_resource(context, spec)
        table = _push_errors(services.push_create, context.user, resource_id, fields, records, primary_key,
                             force=force)
    return {**_table_summary(table), "records": records}


@registry.action(side_effect_free=False)
def datastore_upsert(context, data):
    """Insert, update or upsert rows of a table by its primary key.

    :param resource_id: the resource
    :param records: list of row objects
    :param method: ``upsert`` (default), ``insert`` or ``update``
    :param force: change a table that was built from an uploaded file
    """
    params = Params(data)
    resource_id = params.string("resource_id", required=True)
    records = _json_param(params, "records", list) or []
    method = params.string("method", "upsert")
    force = params.boolean("force", False)
    params.raise_if_invalid()
    table = _push_errors(services.push_upsert, context.user, resource_id, records, method, force=force)
    return {**_table_summary(table, fields=False), "method": method, "records": records}


@registry.action(side_effect_free=False)
def datastore_delete(context, data):
    """Delete the rows matching ``filters``, or the whole table when no filters are given.

    :param resource_id: the resource (alias: ``id``)
    :param filters: JSON object, column → value or list of values
    :param force: change a table that was built from an uploaded file
    """
    params = Params(data)
    resource_id = params.string("resource_id") or params.string("id")
    if not resource_id:
        params.add_error("resource_id", _("Missing value"))
    filters = _json_param(params, "filters", dict) or {}
    force = params.boolean("force", False)
    params.raise_if_invalid()
    _push_errors(services.push_delete, context.user, resource_id, filters, force=force)
    return {"resource_id": resource_id, "filters": filters}


@registry.action(side_effect_free=False)
def datastore_records_delete(context, data):
    """Delete the rows matching ``filters``; ``{}`` deletes every row and keeps the table (CKAN 2.10).

    :param resource_id: the resource (alias: ``id``)
    :param filters: JSON object, column → value or list of values (required)
    :param force: change a table that was built from an uploaded file
    """
    params = Params(data)
    resource_id = params.string("resource_id") or params.string("id")
    if not resource_id:
        params.add_error("resource_id", _("Missing value"))
    filters = _json_param(params, "filters", dict)
    if filters is None and "filters" not in params.errors:
        params.add_error("filters", _("Missing value"))
    force = params.boolean("force", False)
    params.raise_if_invalid()
    _push_errors(services.push_delete, context.user, resource_id, filters, force=force, keep_table=True)
    return {"resource_id": resource_id, "filters": filters}


@registry.action()
def datastore_search_sql(context, data):
    """Run one read-only SELECT over published, public tables (a resource id is a table name).

    :param sql: e.g. ``SELECT "名称", count(*) FROM "<resource id>" GROUP BY 1``
    """
    params = Params(data)
    sql = params.string("sql", required=True)
    params.raise_if_invalid()
    try:
        result = services.search_sql(sql)
    except sql_engine.SQLRejected as error:
        raise ValidationError({"query": [str(error.message)]}) from error
    response = {"sql": result.sql, "records": result.records, "fields": result.fields}
    if result.truncated:
        response["records_truncated"] = True
    return response


@registry.action()
def datastore_status(context, data):
    """The state of a resource's ingestion job: status, phase, progress, error and warnings.

    :param resource_id: the resource (alias: ``id``)
    """
    params = Params(data)
    resource_id = params.string("resource_id") or params.string("id")
    if not resource_id:
        params.add_error("resource_id", _("Missing value"))
    params.raise_if_invalid()
    return services.job_status(resource_id, context.user)
