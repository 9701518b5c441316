"""Recognising latitude / longitude columns.

A column gets a role when its header names it (緯度 / 経度, lat / lon / lng,
latitude / longitude, camelCase or snake_case variants such as ``geoLatitude``
or ``location_lon``), its type is numeric, and its values are within range
(±90 / ±180). Zeros, a common "unknown" placeholder, are ignored in the range
check and counted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import query
from . import values as V

LATITUDE = "latitude"
LONGITUDE = "longitude"
_RANGES = {LATITUDE: 90, LONGITUDE: 180}
_LAT_TOKENS = {"lat", "latitude", "ido"}
_LON_TOKENS = {"lon", "lng", "longitude", "keido"}
_TOKEN_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
MIN_IN_RANGE = 0.95


def coordinate_columns(columns: list[dict]) -> tuple[str, str] | None:
    """(latitude id, longitude id) from sidecar columns marked by role, or None."""
    latitude = next((c["id"] for c in columns if c.get("role") == LATITUDE), None)
    longitude = next((c["id"] for c in columns if c.get("role") == LONGITUDE), None)
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def role_from_header(header: str) -> str | None:
    text = unicodedata.normalize("NFKC", header or "")
    if "緯度" in text:
        return LATITUDE
    if "経度" in text:
        return LONGITUDE
    tokens = {t.lower() for t in _TOKEN_RE.findall(text)}
    if tokens & _LAT_TOKENS:
        return LATITUDE
    if tokens & _LON_TOKENS or text.strip().lower() == "long":
        return LONGITUDE
    return None


@dataclass
class CoordinateCheck:
    column: str
    role: str
    non_null: int
    zeros: int
    out_of_range: int

    @property
    def accepted(self) -> bool:
        checked = self.non_null - self.zeros
        return checked > 0 and (checked - self.out_of_range) / checked >= MIN_IN_RANGE


def check_coordinates(parquet_path, columns: list[dict]) -> list[CoordinateCheck]:
    """Range-check candidate columns (dicts with id, header, type) in the written table."""
    candidates = []
    for col in columns:
        role = role_from_header(col["header"]) or role_from_header(col["id"])
        if role and col["type"] in (V.INTEGER, V.DECIMAL):
            candidates.append((col["id"], role))
    if not candidates:
        return []
    parts = []
    for cid, role in candidates:
        q = query.quote_identifier(cid)
        limit = _RANGES[role]
        parts.append(f"count({q}), count(*) FILTER (WHERE {q} = 0), "
                     f"count(*) FILTER (WHERE {q} <> 0 AND abs({q}) > {limit})")
    with query.open_table(parquet_path) as con:
        _, rows = query.run(con, f"SELECT {', '.join(parts)} FROM data")
    stats = rows[0]
    return [CoordinateCheck(cid, role, *stats[i * 3:i * 3 + 3]) for i, (cid, role) in enumerate(candidates)]
