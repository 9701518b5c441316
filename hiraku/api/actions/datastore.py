"""CKAN's datastore actions over Hiraku's Parquet datastore."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from hiraku.datastore import search as table_search
from hiraku.datastore import services

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
    response = {
        "resource_id": str(table.resource_id),
        "fields": result.fields,
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
        },
        "fields": services.fields(table),
    }
