"""Points of a table for maps, as GeoJSON.

The ingestion marks latitude and longitude columns with a role in the schema
sidecar (see :mod:`hiraku.datastore.geo`). Rows without coordinates,
outside the valid range, or at 0,0 (a common "unknown" placeholder) are not
points. A map does not need every cell of twenty thousand rows at once (for
a table of twenty columns that is 14 MB, too much for a phone): ``points``
gives each point only its row's name, and ``feature`` one row whole, for the
popup that is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from django.utils.translation import gettext_lazy as _

from .geo import coordinate_columns
from .query import open_table, quote_identifier, run
from .search import (
    FILTER_MISMATCH,
    NO_COORDINATES,
    SearchInputError,
    SearchRequest,
    json_value,
    table_columns,
    where_clauses,
)
from .spatial import valid_point

DEFAULT_LIMIT = 20000
MAX_LIMIT = 100000


class MapInputError(SearchInputError):
    """The table cannot be mapped as asked; ``field`` names the parameter."""


def _pair(columns: list[dict]) -> tuple[str, str]:
    pair = coordinate_columns(columns)
    if pair is None:
        raise MapInputError("columns", NO_COORDINATES)
    return pair


def _check_limit(limit: int) -> None:
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise MapInputError("limit", _("The limit must be between 1 and %(max)s.") % {"max": MAX_LIMIT})


def _feature(row_id: int, lat: Any, lon: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": row_id, "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
            "properties": properties}


def _collection(features: list[dict], total: int) -> dict[str, Any]:
    """The features, how many rows have coordinates (``total``) and whether some were left out
    (``truncated``), as GeoJSON foreign members."""
    return {"type": "FeatureCollection", "features": features, "total": total, "truncated": total > len(features)}


def points(parquet_path: str | Path, columns: list[dict], limit: int = DEFAULT_LIMIT,
           selection: SearchRequest | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the first ``limit`` mappable rows in ``_id`` order.

    Each point's only property is ``name``: the first text cell of its row
    that holds something (None when none does). With ``selection``, only the
    rows its ``filters`` and ``q`` keep (as ``datastore_search`` reads them).
    """
    pair = _pair(columns)
    _check_limit(limit)
    lat, lon = (quote_identifier(c) for c in pair)
    with open_table(parquet_path) as con:
        types = table_columns(con)
        clauses, params = where_clauses(selection, types, pair) if selection is not None else ([], [])
        where = " AND ".join([valid_point(pair)] + clauses)
        texts = [f"nullif({quote_identifier(name)}, '')" for name, kind in types.items() if kind == "VARCHAR"]
        name = f"coalesce({', '.join(texts)})" if texts else "NULL"
        try:
            rows = run(con, f"SELECT _id, {lat}, {lon}, {name} FROM data WHERE {where} ORDER BY _id LIMIT ?",
                       params + [int(limit)])[1]
            total = run(con, f"SELECT count(*) FROM data WHERE {where}", params)[1][0][0]
        except duckdb.ConversionException as error:
            raise MapInputError("filters", FILTER_MISMATCH) from error
    return _collection([_feature(row_id, y, x, {"name": label}) for row_id, y, x, label in rows], total)


def feature(parquet_path: str | Path, columns: list[dict], row_id: int) -> dict[str, Any] | None:
    """Row ``row_id`` as a Feature with every cell as a property, or None when it has no usable coordinates."""
    pair = _pair(columns)
    with open_table(parquet_path) as con:
        names, rows = run(con, f"SELECT * FROM data WHERE _id = ? AND {valid_point(pair)}", [int(row_id)])
    if not rows:
        return None
    row = dict(zip(names, rows[0], strict=True))
    return _feature(row["_id"], row[pair[0]], row[pair[1]], {name: json_value(cell) for name, cell in row.items()})
