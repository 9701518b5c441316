"""Rows out of JSON and GeoJSON files, in the shape the spreadsheet readers give.

Accepted shapes: a list of objects; an object holding such a list under
``records``, ``data``, ``items``, ``results`` or ``features`` (CKAN's dump has
``fields`` + ``records`` as lists); a GeoJSON FeatureCollection, whose
properties become columns and whose point geometry becomes 緯度/経度 (other
geometries are kept as GeoJSON text in ``geometry``). Values become the same
canonical text as spreadsheet cells, nested values JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import IngestError

LIST_KEYS = ("records", "data", "items", "results", "features")
LATITUDE, LONGITUDE, GEOMETRY = "緯度", "経度", "geometry"


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f") if value == value else None
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _load(path: Path) -> Any:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError("decode_error", encoding="UTF-8", offset=error.start) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise IngestError("malformed_json", row=error.lineno, detail=error.msg) from error


def _records(document: Any) -> tuple[list, list[str] | None]:
    """The list of rows and, for CKAN's list-of-lists dump, the column names."""
    if isinstance(document, list):
        return document, None
    if isinstance(document, dict):
        if document.get("type") == "FeatureCollection":
            return document.get("features") or [], None
        for key in LIST_KEYS:
            rows = document.get(key)
            if isinstance(rows, list):
                fields = document.get("fields")
                names = [f.get("id") for f in fields if isinstance(f, dict)] if isinstance(fields, list) else None
                return rows, names
    raise IngestError("no_table")


def _flatten_feature(feature: dict) -> dict:
    row = dict(feature.get("properties") or {})
    geometry = feature.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        coordinates = geometry.get("coordinates") or [None, None]
        row.setdefault(LONGITUDE, coordinates[0] if len(coordinates) > 0 else None)
        row.setdefault(LATITUDE, coordinates[1] if len(coordinates) > 1 else None)
    elif geometry is not None:
        row.setdefault(GEOMETRY, geometry)
    return row


def read_rows(path: str | Path) -> Iterator[tuple[int, list[str | None]]]:
    """(row number, cells) with the header first; row numbers count records from 1 after the header."""
    rows, names = _records(_load(Path(path)))
    if names is not None:
        yield 1, list(names)
        for number, row in enumerate(rows, start=2):
            if isinstance(row, list):
                yield number, [cell_text(v) for v in row]
        return
    objects = [_flatten_feature(r) if isinstance(r, dict) and r.get("type") == "Feature" else r for r in rows]
    if not objects or not all(isinstance(o, dict) for o in objects):
        raise IngestError("no_table")
    header: dict[str, None] = {}
    for obj in objects:
        header.update(dict.fromkeys(str(k) for k in obj))
    columns = list(header)
    yield 1, columns
    for number, obj in enumerate(objects, start=2):
        yield number, [cell_text(obj.get(c)) for c in columns]
