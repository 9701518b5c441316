"""Tables pushed through the API (datastore_create / _upsert / _delete).

Each change writes a complete new version with the same atomic publish as an
ingested file, so readers see either the old or the new table. Rows keep
their ``_id``; new rows get the next free one. Pushed tables are expected to
be of API size (thousands to a few hundred thousand rows): a change rewrites
the table.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.utils.translation import gettext_lazy as _

from . import geo, store

# CKAN / PostgreSQL type names → (Hiraku type, Arrow type).
TYPES: dict[str, tuple[str, pa.DataType]] = {
    "text": ("text", pa.string()), "json": ("text", pa.string()),
    "int": ("integer", pa.int64()), "int4": ("integer", pa.int64()), "int8": ("integer", pa.int64()),
    "integer": ("integer", pa.int64()), "bigint": ("integer", pa.int64()),
    "numeric": ("decimal", pa.float64()), "float": ("decimal", pa.float64()), "float8": ("decimal", pa.float64()),
    "double": ("decimal", pa.float64()),
    "bool": ("boolean", pa.bool_()), "boolean": ("boolean", pa.bool_()),
    "date": ("date", pa.date32()), "time": ("time", pa.time64("us")),
    "timestamp": ("datetime", pa.timestamp("us")),
}
_NATIVE_TO_CKAN = {"text": "text", "integer": "int", "decimal": "numeric", "boolean": "bool", "date": "date",
                   "time": "time", "datetime": "timestamp"}
PARQUET_COMPRESSION = "zstd"


def ckan_type(hiraku_type: str) -> str:
    return _NATIVE_TO_CKAN.get(hiraku_type, "text")


class PushError(Exception):
    """Bad input for a push action: ``errors`` maps the parameter to messages."""

    def __init__(self, field: str, message):
        super().__init__(f"{field}: {message}")
        self.errors = {field: [str(message)]}


@dataclass
class Field:
    id: str
    type: str  # CKAN name, e.g. "int"

    @property
    def arrow_type(self) -> pa.DataType:
        return TYPES[self.type][1]


def parse_fields(raw: Any) -> list[Field]:
    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise PushError("fields", _("Must be a list of objects with an id and a type"))
    fields, seen = [], set()
    for entry in raw:
        name = entry.get("id")
        kind = str(entry.get("type") or "text").lower()
        if not isinstance(name, str) or not name or name.startswith("_") or len(name) > 63 * 3:
            raise PushError("fields", _("Invalid column name: %(name)s") % {"name": name})
        if name in seen:
            raise PushError("fields", _("Duplicate column: %(name)s") % {"name": name})
        if kind not in TYPES:
            raise PushError("fields", _("Unknown type %(type)s for column %(name)s") % {"type": kind, "name": name})
        seen.add(name)
        fields.append(Field(name, kind))
    return fields


def fields_from_sidecar(sidecar: dict) -> list[Field]:
    columns = sidecar["tables"][0]["columns"]
    return [Field(c["id"], ckan_type(c["type"])) for c in columns]


def read_rows(directory: Path, version: int | None) -> list[dict]:
    if version is None:
        return []
    typed = store.table_file_name(version, 0)
    return pq.read_table(directory / typed).to_pylist()


def _column_array(field: Field, values: list[Any]) -> pa.Array:
    if field.arrow_type == pa.string():
        return pa.array([None if v is None else v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                         for v in values], pa.string())
    try:
        return pa.array(values, field.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        pass
    try:
        as_text = pa.array([None if v is None else _text(v) for v in values], pa.string())
        return as_text.cast(field.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise PushError("records", _("A value in column %(name)s is not a valid %(type)s")
                        % {"name": field.id, "type": field.type}) from error


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def check_records(records: Any, fields: list[Field]) -> list[dict]:
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise PushError("records", _("Must be a list of objects"))
    known = {f.id for f in fields}
    for number, record in enumerate(records):
        unknown = [k for k in record if k not in known and k != "_id"]
        if unknown:
            raise PushError("records", _("Row %(row)s has columns that the table does not have: %(columns)s")
                            % {"row": number + 1, "columns": ", ".join(unknown)})
    return records


def merge(existing: list[dict], records: list[dict], primary_key: list[str], method: str) -> list[dict]:
    """Apply insert / update / upsert of ``records`` to ``existing`` rows (CKAN's semantics)."""
    if method == "insert" or not primary_key:
        if method == "update":
            raise PushError("primary_key", _("Updating rows needs a primary key"))
        if method == "insert" and primary_key:
            _reject_duplicates(existing, records, primary_key)
        return existing + [dict(r) for r in records]
    index = {_key(row, primary_key): position for position, row in enumerate(existing)}
    rows = list(existing)
    for number, record in enumerate(records):
        if any(record.get(k) is None for k in primary_key):
            raise PushError("records", _("Row %(row)s has no value for the primary key %(key)s")
                            % {"row": number + 1, "key": ", ".join(primary_key)})
        key = _key(record, primary_key)
        if key in index:
            rows[index[key]] = {**rows[index[key]], **{k: v for k, v in record.items() if k != "_id"}}
        elif method == "update":
            raise PushError("records", _("Row %(row)s: no row has the key %(key)s")
                            % {"row": number + 1, "key": ", ".join(map(str, key))})
        else:
            index[key] = len(rows)
            rows.append(dict(record))
    return rows


def _key(row: dict, primary_key: list[str]) -> tuple:
    return tuple(_text(row.get(k)) if row.get(k) is not None else None for k in primary_key)


def _reject_duplicates(existing: list[dict], records: list[dict], primary_key: list[str]) -> None:
    taken = {_key(r, primary_key) for r in existing}
    for number, record in enumerate(records):
        key = _key(record, primary_key)
        if key in taken:
            raise PushError("records", _("Row %(row)s: a row with the key %(key)s already exists")
                            % {"row": number + 1, "key": ", ".join(map(str, key))})
        taken.add(key)


def delete_rows(existing: list[dict], filters: dict, fields: list[Field]) -> list[dict]:
    known = {f.id for f in fields} | {"_id"}
    for name in filters:
        if name not in known:
            raise PushError("filters", _("No such column: %(column)s") % {"column": name})

    def matches(row: dict) -> bool:
        for name, wanted in filters.items():
            options = wanted if isinstance(wanted, list) else [wanted]
            if _text(row.get(name)) not in {_text(o) for o in options if o is not None}:
                return False
        return True

    return [row for row in existing if not matches(row)]


def write_version(directory: Path, fields: list[Field], rows: list[dict], primary_key: list[str]) -> int:
    """Publish ``rows`` as the next version; returns its number."""
    next_id = max((r["_id"] for r in rows if r.get("_id") is not None), default=0) + 1
    for row in rows:
        if row.get("_id") is None:
            row["_id"] = next_id
            next_id += 1
    rows.sort(key=lambda r: r["_id"])
    arrays = [pa.array([r["_id"] for r in rows], pa.int64())]
    arrays += [_column_array(f, [r.get(f.id) for r in rows]) for f in fields]
    schema = pa.schema([("_id", pa.int64())] + [(f.id, f.arrow_type) for f in fields])
    if primary_key:
        _check_unique(rows, primary_key)
    version, staging = store.reserve_version(directory)
    typed = store.table_file_name(version, 0)
    try:
        pq.write_table(pa.Table.from_arrays(arrays, schema=schema), staging / typed, compression=PARQUET_COMPRESSION)
        columns = [{"id": f.id, "header": f.id, "type": TYPES[f.type][0], "arrow_type": str(f.arrow_type),
                    "role": None, "non_null": sum(r.get(f.id) is not None for r in rows)} for f in fields]
        _mark_coordinates(staging / typed, columns)
        sidecar = {
            "resource_id": directory.name, "version": version, "format": "api", "encoding": None,
            "encoding_label": None, "delimiter": None, "primary_key": primary_key,
            "tables": [{
                "name": "data", "sheet": None, "file": typed, "row_count": len(rows),
                "header_rows": [], "warnings": [], "columns": columns,
            }],
        }
        store.publish(directory, staging, version, sidecar)
    except BaseException:
        store.discard(staging)
        raise
    return version


def _check_unique(rows: list[dict], primary_key: list[str]) -> None:
    seen = set()
    for row in rows:
        key = _key(row, primary_key)
        if key in seen:
            raise PushError("primary_key", _("The key %(key)s appears more than once")
                            % {"key": ", ".join(map(str, key))})
        seen.add(key)


def _mark_coordinates(parquet_path: Path, columns: list[dict]) -> None:
    """Give latitude and longitude columns their role, as ingestion does, so that maps and spatial
    selections work on pushed tables too."""
    by_id = {c["id"]: c for c in columns}
    for check in geo.check_coordinates(parquet_path, columns):
        if check.accepted:
            by_id[check.column]["role"] = check.role
