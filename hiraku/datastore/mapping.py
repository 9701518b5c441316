"""Points of a table for maps, as GeoJSON.

The ingestion marks latitude and longitude columns with a role in the schema
sidecar (see :mod:`hiraku.datastore.geo`). ``features`` turns every row with
a usable pair into a Point feature whose properties are the row, in table
order. Rows without coordinates, outside the valid range, or at 0,0 (a common
"unknown" placeholder) are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from .geo import LATITUDE, LONGITUDE
from .query import open_table, quote_identifier, run
from .search import SearchInputError, json_value

DEFAULT_LIMIT = 20000
MAX_LIMIT = 100000


class MapInputError(SearchInputError):
    """The table cannot be mapped as asked; ``field`` names the parameter."""


def coordinate_columns(columns: list[dict]) -> tuple[str, str] | None:
    """(latitude id, longitude id) from sidecar columns marked by role, or None."""
    latitude = next((c["id"] for c in columns if c.get("role") == LATITUDE), None)
    longitude = next((c["id"] for c in columns if c.get("role") == LONGITUDE), None)
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def features(parquet_path: str | Path, columns: list[dict], limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the first ``limit`` mappable rows in ``_id`` order.

    Besides ``features`` it says how many rows have coordinates (``total``) and
    whether some were left out (``truncated``), as GeoJSON foreign members.
    """
    pair = coordinate_columns(columns)
    if pair is None:
        raise MapInputError("columns", _("The table has no latitude and longitude columns."))
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise MapInputError("limit", _("The limit must be between 1 and %(max)s.") % {"max": MAX_LIMIT})
    lat, lon = (quote_identifier(c) for c in pair)
    where = (f"{lat} IS NOT NULL AND {lon} IS NOT NULL AND abs({lat}) <= 90 AND abs({lon}) <= 180 "
             f"AND NOT ({lat} = 0 AND {lon} = 0)")
    with open_table(parquet_path) as con:
        names, rows = run(con, f"SELECT * FROM data WHERE {where} ORDER BY _id LIMIT ?", [int(limit)])
        total = run(con, f"SELECT count(*) FROM data WHERE {where}")[1][0][0]
    lat_at, lon_at, id_at = names.index(pair[0]), names.index(pair[1]), names.index("_id")
    collection = []
    for row in rows:
        collection.append({
            "type": "Feature",
            "id": row[id_at],
            "geometry": {"type": "Point", "coordinates": [float(row[lon_at]), float(row[lat_at])]},
            "properties": {name: json_value(cell) for name, cell in zip(names, row, strict=True)},
        })
    return {"type": "FeatureCollection", "features": collection, "total": total,
            "truncated": total > len(collection)}
