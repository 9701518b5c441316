"""``datastore_search`` over one Parquet table: filters, full text, sort and paging.

A plain library (no Django models): the caller passes the Parquet path and
the request; values the user typed only ever reach DuckDB as bound
parameters, and column names only after they were checked against the table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
from django.utils.translation import gettext_lazy as _

from . import spatial
from .query import open_table, quote_identifier, run, time_limit

MAX_LIMIT = 32000
DEFAULT_LIMIT = 100
FILTER_MISMATCH = _("A filter value does not match the column's type.")
NO_COORDINATES = _("The table has no latitude and longitude columns.")
# A download of selected rows may take longer than a page of them.
EXPORT_TIMEOUT = 120.0
EXPORT_BATCH_ROWS = 50_000

# DuckDB type (prefix) → the type name CKAN's datastore reports.
_CKAN_TYPES = (
    ("BIGINT", "int"), ("INTEGER", "int"), ("HUGEINT", "int"), ("SMALLINT", "int"), ("TINYINT", "int"),
    ("DECIMAL", "numeric"), ("DOUBLE", "numeric"), ("FLOAT", "numeric"),
    ("BOOLEAN", "bool"), ("DATE", "date"), ("TIMESTAMP", "timestamp"), ("TIME", "time"),
)
_SORT_PART_RE = re.compile(r'^\s*(?:"((?:[^"]|"")+)"|([^\s"]+))\s*(asc|desc)?\s*$', re.IGNORECASE)


class SearchInputError(Exception):
    """A parameter the table cannot answer; ``field`` names the parameter."""

    def __init__(self, field_name: str, message):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class ExportTooLarge(Exception):
    """The rows a download selects could not be gathered within the time and memory allowed."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class SearchRequest:
    fields: list[str] | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    q: str | dict[str, str] | None = None
    distinct: bool = False
    sort: str | list[str] | None = None
    limit: int | None = DEFAULT_LIMIT  # None: every row (exports only)
    offset: int = 0
    include_total: bool = True
    spatial: spatial.Spatial | None = None  # only rows near a point or inside a box


@dataclass
class SearchResult:
    fields: list[dict[str, str]]
    rows: list[tuple]
    total: int | None

    def records(self, records_format: str = "objects") -> Any:
        names = [f["id"] for f in self.fields]
        if records_format in ("csv", "tsv"):
            out = io.StringIO()
            writer = csv.writer(out, delimiter="," if records_format == "csv" else "\t", lineterminator="\n")
            writer.writerows([[_csv_cell(v) for v in row] for row in self.rows])
            return out.getvalue()
        rows = self._json_rows()
        if records_format == "lists":
            return rows
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _json_rows(self) -> list[list]:
        # Integers, text and booleans are JSON already; only the other columns need json_value.
        converted = [i for i, f in enumerate(self.fields) if f["type"] not in ("int", "text", "bool")]
        rows = []
        for row in self.rows:
            row = list(row)
            for i in converted:
                row[i] = json_value(row[i])
            rows.append(row)
        return rows


def ckan_type(duckdb_type: str) -> str:
    upper = duckdb_type.upper()
    for prefix, name in _CKAN_TYPES:
        if upper.startswith(prefix):
            return name
    return "text"


def json_value(value: Any) -> Any:
    """A cell as JSON: decimals as numbers, dates and times as ISO 8601 strings."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json_value(value)


def describe(parquet_path: str | Path) -> list[dict[str, str]]:
    """[{"id", "type" (CKAN), "native_type" (DuckDB)}] of every column, ``_id`` first."""
    with open_table(parquet_path) as con:
        _, rows = run(con, "SELECT column_name, column_type FROM (DESCRIBE data)")
    return [{"id": name, "type": ckan_type(kind), "native_type": kind} for name, kind in rows]


def normalize_term(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def parse_sort(sort: str | list[str] | None, columns: dict[str, str]) -> list[tuple[str, bool]]:
    """'"名称" desc, _id' → [("名称", True), ("_id", False)]; unknown columns are input errors."""
    if not sort:
        return [("_id", False)]
    parts = sort if isinstance(sort, list) else _split_outside_quotes(sort)
    order = []
    for part in parts:
        match = _SORT_PART_RE.match(str(part))
        name = (match.group(1).replace('""', '"') if match.group(1) else match.group(2)) if match else None
        if name not in columns:
            raise SearchInputError("sort", _("Cannot sort by %(value)s: no such column.") % {"value": str(part).strip()})
        order.append((name, bool(match.group(3)) and match.group(3).lower() == "desc"))
    return order


def _split_outside_quotes(text: str) -> list[str]:
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def where_clauses(request: SearchRequest, columns: dict[str, str],
                  coordinates: tuple[str, str] | None = None) -> tuple[list[str], list[Any]]:
    """The request's ``filters``, ``q`` and spatial selection as SQL clauses and bound values.

    ``coordinates`` are the table's (latitude, longitude) columns, which a spatial selection needs.
    """
    clauses, params = filter_clauses(request.filters, columns)
    q_sql, q_params = q_clauses(request.q, columns)
    return clauses + q_sql + _spatial_clauses(request.spatial, coordinates), params + q_params


def _spatial_clauses(selection: spatial.Spatial | None, coordinates: tuple[str, str] | None) -> list[str]:
    if selection is None:
        return []
    if coordinates is None:
        raise SearchInputError("near" if selection.near else "bbox", NO_COORDINATES)
    return selection.clauses(coordinates)


# CKAN's /datastore/dump parameters that select rows (``plain`` and ``language`` are accepted and
# change nothing: full text here has one way of matching).
DUMP_SELECTION = ("q", "full_text", "filters", "sort", "fields", "distinct", "limit", "offset", "near", "radius",
                  "bbox")


def dump_request(params: Mapping[str, str]) -> SearchRequest | None:
    """The rows a ``/datastore/dump`` query string selects, or None when it selects the whole table.

    Raises SearchInputError for a value that cannot be read (the columns are checked later).
    """
    if not any(params.get(name) not in (None, "") for name in DUMP_SELECTION):
        return None
    q: str | dict | None = params.get("q") or params.get("full_text") or None
    if q and q.lstrip().startswith("{"):
        q = _json_object(q, "q")
    filters = _json_object(params["filters"], "filters") if params.get("filters") else {}
    fields = [name.strip() for name in params.get("fields", "").split(",") if name.strip()] or None
    return SearchRequest(fields=fields, filters=filters, q=q, sort=params.get("sort") or None,
                         distinct=params.get("distinct", "").lower() in ("true", "1", "yes"),
                         limit=_count(params, "limit"), offset=_count(params, "offset") or 0, include_total=False,
                         spatial=parse_spatial(params.get("near"), params.get("radius"), params.get("bbox")))


def parse_spatial(near: Any, radius: Any, bbox: Any) -> spatial.Spatial | None:
    """``spatial.parse`` with its errors as SearchInputError."""
    try:
        return spatial.parse(near, radius, bbox)
    except spatial.SpatialInputError as error:
        raise SearchInputError(error.field, error.message) from error


def _json_object(text: str, name: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise SearchInputError(name, _("Must be a JSON object, e.g. %(example)s") % {"example": '{"列名": "値"}'})
    return value


def _count(params: Mapping[str, str], name: str) -> int | None:
    text = params.get(name)
    if text in (None, ""):
        return None
    if not text.strip().isdigit() or not text.strip().isascii():
        raise SearchInputError(name, _("Must be a whole number of 0 or more"))
    return int(text)


def filter_clauses(filters: dict[str, Any] | None, columns: dict[str, str]) -> tuple[list[str], list[Any]]:
    """``filters`` (column → value or list of values, None for null) as SQL clauses and bound values."""
    clauses: list[str] = []
    params: list[Any] = []
    for name, wanted in (filters or {}).items():
        if name not in columns:
            raise SearchInputError("filters", _("No such column: %(column)s") % {"column": name})
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values:
            continue
        column = quote_identifier(name)
        native = columns[name]
        cast = "?" if native.upper() == "VARCHAR" else f"CAST(? AS {native})"
        present = [filter_text(v) for v in values if v is not None]
        parts = []
        if present:
            parts.append(f"{column} IN ({', '.join([cast] * len(present))})")
            params.extend(present)
        if len(present) < len(values):
            parts.append(f"{column} IS NULL")
        clauses.append("(" + " OR ".join(parts) + ")")
    return clauses, params


def filter_text(value: Any) -> str:
    """A filter value as the text compared with (or cast to) the column: JSON true → 'true'."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def q_clauses(q: str | dict[str, str] | None, columns: dict[str, str],
              joined_text: str | None = None) -> tuple[list[str], list[Any]]:
    """Full-text ``q`` as SQL clauses: every word must be found in a text column (or the named column).

    ``joined_text`` names a column holding every text column of a row, joined by newlines and
    lower-cased (see mapped.py); a plain ``q`` is then tested against it alone.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if isinstance(q, dict):
        for name, term in q.items():
            if name not in columns:
                raise SearchInputError("q", _("No such column: %(column)s") % {"column": name})
            for word in normalize_term(str(term)).split():
                clauses.append(f"contains({_cells(f'CAST({quote_identifier(name)} AS VARCHAR)', word)}, ?)")
                params.append(word)
    elif q:
        text_columns = [c for c, native in columns.items() if native.upper() == "VARCHAR"]
        for word in normalize_term(str(q)).split():
            if joined_text is not None:
                # Lower-cased text holds a word without case exactly where the original does (see _cells).
                clauses.append(f"contains({quote_identifier(joined_text)}, ?)")
                params.append(word)
                continue
            # A word has no whitespace, so it is found in the text columns joined by spaces exactly
            # when it is found in one of them; testing column by column saves building the joined text.
            tests = [f"contains({_cells(quote_identifier(c), word)}, ?)" for c in text_columns]
            clauses.append("(" + " OR ".join(tests) + ")" if tests else "false")
            params.extend([word] * len(tests))
    return clauses, params


def _cells(expression: str, word: str) -> str:
    """The cells as ``word`` (normalized, case-folded) must be compared with: lower-cased if it has case.

    lower() only changes characters that have case, and only ever yields such characters and
    combining marks; a word made of characters without case (kanji, kana, digits, most symbols) therefore
    matches a cell exactly when it matches the cell lower-cased. Skipping lower() for such words
    gives the same rows several times faster on large tables.
    """
    if any(ch.lower() != ch or ch.upper() != ch or unicodedata.category(ch).startswith("M") for ch in word):
        return f"lower({expression})"
    return expression


def selected_fields(request: SearchRequest, columns: dict[str, str]) -> list[str]:
    selected = request.fields or list(columns)
    for name in selected:
        if name not in columns:
            raise SearchInputError("fields", _("No such column: %(column)s") % {"column": name})
    return selected


def sort_order(request: SearchRequest, columns: dict[str, str], selected: list[str]) -> list[tuple[str, bool]]:
    """The ORDER BY as (column, descending) pairs, ending with ``_id`` so that pages never overlap."""
    order = parse_sort(request.sort, columns)
    if request.distinct:
        # DISTINCT may only sort by selected columns.
        return [o for o in order if o[0] in selected] or [(selected[0], False)]
    if "_id" in columns and all(name != "_id" for name, _desc in order):
        # Rows with equal sort values keep one order, so pages neither repeat nor skip rows.
        order.append(("_id", False))
    return order


def result_fields(selected: list[str], columns: dict[str, str]) -> list[dict[str, str]]:
    return [{"id": n, "type": ckan_type(columns[n])} for n in selected]


@dataclass
class _Query:
    fields: list[dict[str, str]]  # the selected columns as the result reports them
    select: str  # the selected columns as SQL
    where: str
    params: list[Any]
    sql: str  # every matching row, in order, without LIMIT


def _query(request: SearchRequest, columns: dict[str, str], coordinates: tuple[str, str] | None) -> _Query:
    """The request as SQL. Near a point, every row also has ``_distance`` (metres), the default order."""
    clauses, params = where_clauses(request, columns, coordinates)
    expressions = {name: quote_identifier(name) for name in columns}
    near = request.spatial is not None and request.spatial.near is not None
    if near:
        if spatial.DISTANCE in columns:
            raise SearchInputError("near", _("The table has a column named %(column)s, which the distance would "
                                             "hide.") % {"column": spatial.DISTANCE})
        columns = {**columns, spatial.DISTANCE: "DOUBLE"}
        expressions[spatial.DISTANCE] = request.spatial.distance_sql(coordinates)
        if not request.sort:
            request = replace(request, sort=[spatial.DISTANCE, "_id"])
    selected = selected_fields(request, columns)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    order = sort_order(request, columns, selected)
    # DISTINCT may only sort by what it selects, so there the order names the selected columns.
    ordered = quote_identifier if request.distinct else expressions.get
    order_sql = ", ".join(f"{ordered(n)} {'DESC' if desc else 'ASC'}" for n, desc in order)
    select = ", ".join(f"{expressions[n]} AS {quote_identifier(n)}" if n == spatial.DISTANCE else expressions[n]
                       for n in selected)
    distinct = "DISTINCT " if request.distinct else ""
    return _Query(result_fields(selected, columns), select, where, params,
                  f"SELECT {distinct}{select} FROM data{where} ORDER BY {order_sql}")


def table_columns(con) -> dict[str, str]:
    """Column name → DuckDB type of the table ``data`` an open_table cursor sees."""
    return dict(run(con, "SELECT column_name, column_type FROM (DESCRIBE data)")[1])


def search(parquet_path: str | Path, request: SearchRequest,
           coordinates: tuple[str, str] | None = None) -> SearchResult:
    """Run ``request`` against the table; raises SearchInputError for bad parameters.

    ``coordinates`` are the table's (latitude, longitude) columns, for a spatial selection.
    """
    with open_table(parquet_path) as con:
        query = _query(request, table_columns(con), coordinates)
        try:
            rows = run(con, f"{query.sql} LIMIT ? OFFSET ?", query.params + [int(request.limit), int(request.offset)])[1]
            total = None
            if request.include_total:
                counted = (f"SELECT DISTINCT {query.select} FROM data{query.where}" if request.distinct
                           else f"SELECT 1 FROM data{query.where}")
                total = run(con, f"SELECT count(*) FROM ({counted})", query.params)[1][0][0]
        except duckdb.ConversionException as error:
            raise SearchInputError("filters", FILTER_MISMATCH) from error
    return SearchResult(fields=query.fields, rows=rows, total=total)


def export(parquet_path: str | Path, request: SearchRequest, target: Path, timeout: float = EXPORT_TIMEOUT,
           coordinates: tuple[str, str] | None = None) -> None:
    """Write the rows ``request`` selects to ``target`` as Parquet, in order.

    Every matching row unless ``request.limit`` is set (None means no limit).
    The rows stream through in Arrow batches, so memory stays bounded.
    Raises SearchInputError for bad parameters, ExportTooLarge past
    ``timeout`` or the query's memory.
    """
    with open_table(parquet_path) as con:
        query = _query(request, table_columns(con), coordinates)
        paging = " LIMIT ? OFFSET ?" if request.limit is not None else " OFFSET ?"
        params = query.params + ([int(request.limit)] if request.limit is not None else []) + [int(request.offset)]
        try:
            with time_limit(con, timeout):
                reader = con.execute(query.sql + paging, params).to_arrow_reader(EXPORT_BATCH_ROWS)
                with pq.ParquetWriter(target, reader.schema) as writer:
                    for batch in reader:
                        writer.write_batch(batch)
        except duckdb.ConversionException as error:
            raise SearchInputError("filters", FILTER_MISMATCH) from error
        except (duckdb.InterruptException, duckdb.OutOfMemoryException) as error:
            raise ExportTooLarge(_("Selecting these rows takes too long or too much memory. Narrow the "
                                   "selection (filters, q, fields, limit) or download the whole table.")) from error
