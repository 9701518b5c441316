"""Spatial selection of a table's point rows: near a place, within a radius, inside a box.

A table whose latitude and longitude columns ingestion recognised (roles in
the schema sidecar, see :mod:`geo`) can be asked for the rows near a point,
nearest first, with each row's distance in metres (``_distance``), for the
rows within a radius of it, or for the rows inside a bounding box. Distances
are great-circle distances on a sphere of the Earth's mean radius: within a
city they differ from the ellipsoid's by less than half a percent, and they
need nothing but arithmetic in SQL.

The parameters are parsed here into floats, checked for range, and only then
written into SQL, so no text a user typed reaches the query. The SQL is the
same in DuckDB and PostgreSQL (the query benchmark runs it on both).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .query import quote_identifier

DISTANCE = "_distance"
EARTH_RADIUS_M = 6_371_008.8
# Larger than any distance on Earth: a radius beyond it selects every point.
MAX_RADIUS_M = 20_100_000.0


class SpatialInputError(ValueError):
    """A spatial parameter that cannot be read; ``field`` names it."""

    def __init__(self, field_name: str, message):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Spatial:
    """Where the rows must lie: ``near`` (latitude, longitude) with an optional ``radius`` in
    metres, and/or ``bbox`` (west, south, east, north) in degrees."""

    near: tuple[float, float] | None = None
    radius: float | None = None
    bbox: tuple[float, float, float, float] | None = None

    def clauses(self, coordinates: tuple[str, str]) -> list[str]:
        """SQL conditions on the table's (latitude, longitude) columns: only valid points, inside the box
        and within the radius."""
        lat, lon = _degrees(coordinates)
        found = [valid_point(coordinates)]
        if self.bbox is not None:
            west, south, east, north = self.bbox
            found.append(f"{lat} BETWEEN {south!r} AND {north!r} AND {lon} BETWEEN {west!r} AND {east!r}")
        if self.near is not None and self.radius is not None:
            found += self._radius_box(lat, lon)
            found.append(f"{self.distance_sql(coordinates)} <= {self.radius!r}")
        return found

    def _radius_box(self, lat: str, lon: str) -> list[str]:
        """A box around the circle, which rules most rows out before their distance is computed."""
        y, x = self.near
        degrees = math.degrees(self.radius / EARTH_RADIUS_M) * 1.01
        box = [f"{lat} BETWEEN {y - degrees!r} AND {y + degrees!r}"]
        cos_lat = math.cos(math.radians(min(abs(y) + degrees, 90.0)))
        if cos_lat > 0.01 and x - degrees / cos_lat > -180 and x + degrees / cos_lat < 180:
            box.append(f"{lon} BETWEEN {x - degrees / cos_lat!r} AND {x + degrees / cos_lat!r}")
        return box

    def distance_sql(self, coordinates: tuple[str, str]) -> str:
        """The haversine distance in metres from ``near`` to the row's point, to a tenth of a metre."""
        y, x = self.near
        lat, lon = (f"radians({degrees})" for degrees in _degrees(coordinates))
        y_rad, x_rad = math.radians(y), math.radians(x)
        half_chord = (f"power(sin(({lat} - {y_rad!r}) / 2), 2) + "
                      f"{math.cos(y_rad)!r} * cos({lat}) * power(sin(({lon} - {x_rad!r}) / 2), 2)")
        # floor(… + 0.5) rounds as round(…, 1) would; PostgreSQL has no round() of a double to places.
        return f"floor({20 * EARTH_RADIUS_M!r} * asin(sqrt(least(1.0, {half_chord}))) + 0.5) / 10"


def _degrees(coordinates: tuple[str, str]) -> tuple[str, str]:
    lat, lon = (f"CAST({quote_identifier(c)} AS DOUBLE PRECISION)" for c in coordinates)
    return lat, lon


def valid_point(coordinates: tuple[str, str]) -> str:
    """SQL: the row has a point. Rows without coordinates, outside the valid range, or at 0,0 (a
    common "unknown" placeholder) have none."""
    lat, lon = _degrees(coordinates)
    return f"{lat} BETWEEN -90 AND 90 AND {lon} BETWEEN -180 AND 180 AND NOT ({lat} = 0 AND {lon} = 0)"


def parse(near: Any = None, radius: Any = None, bbox: Any = None) -> Spatial | None:
    """The spatial parameters of a request (strings from a query string, or JSON values), or None."""
    point = parse_near(near) if _given(near) else None
    distance = parse_radius(radius) if _given(radius) else None
    box = parse_bbox(bbox) if _given(bbox) else None
    if distance is not None and point is None:
        raise SpatialInputError("radius", _("A radius needs a point: give near as well."))
    if point is None and box is None:
        return None
    return Spatial(near=point, radius=distance, bbox=box)


def _given(value: Any) -> bool:
    return value not in (None, "", [])


def parse_near(value: Any) -> tuple[float, float]:
    """``"34.3428,134.0466"`` (latitude first, as map apps copy it), ``[lat, lon]`` or
    ``{"lat": …, "lon": …}`` → (latitude, longitude)."""
    if isinstance(value, dict):
        numbers = [value.get("lat", value.get("latitude")), value.get("lon", value.get("lng", value.get("longitude")))]
    else:
        numbers = _numbers(value)
    point = _floats(numbers, 2)
    if point is None:
        raise SpatialInputError("near", _("Must be a latitude and a longitude in degrees, e.g. %(example)s")
                                % {"example": "34.3428,134.0466"})
    latitude, longitude = point
    _check_range("near", latitude, longitude)
    return latitude, longitude


def parse_radius(value: Any) -> float:
    numbers = _floats(_numbers(value), 1)
    if numbers is None or not 0 < numbers[0]:
        raise SpatialInputError("radius", _("Must be a distance in metres greater than 0, e.g. %(example)s")
                                % {"example": "1000"})
    return min(numbers[0], MAX_RADIUS_M)


def parse_bbox(value: Any) -> tuple[float, float, float, float]:
    """``"west,south,east,north"`` in degrees (longitude first, as GeoJSON and CKAN's ``ext_bbox``)."""
    box = _floats(_numbers(value), 4)
    if box is None:
        raise SpatialInputError("bbox", _("Must be four numbers: west,south,east,north in degrees, e.g. %(example)s")
                                % {"example": "133.9,34.2,134.2,34.4"})
    west, south, east, north = box
    _check_range("bbox", south, west)
    _check_range("bbox", north, east)
    if west > east or south > north:
        raise SpatialInputError("bbox", _("The west edge must not lie east of the east edge, nor the south edge north of the north edge."))
    return west, south, east, north


def _numbers(value: Any) -> Sequence[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    if isinstance(value, list | tuple):
        return value
    return [value]


def _floats(values: Sequence[Any], count: int) -> tuple[float, ...] | None:
    if len(values) != count:
        return None
    numbers = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        numbers.append(number)
    return tuple(numbers)


def _check_range(field_name: str, latitude: float, longitude: float) -> None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SpatialInputError(field_name, _("A latitude must lie between -90 and 90 and a longitude between "
                                              "-180 and 180."))
