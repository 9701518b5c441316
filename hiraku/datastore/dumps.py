"""Downloads of an ingested table in every format, built once per version.

A download is derived from the published typed Parquet file and cached
beside it (``v<N>.dump.<format>``), written to a temporary name and renamed,
so concurrent requests never read a half-written file. Only our own
statements run on these connections: user input never reaches the SQL text
except as validated column names.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
from django.utils.translation import gettext_lazy as _

from .search import json_value

XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit minus the header row
FETCH_ROWS = 10_000
UTF8_BOM = "\ufeff".encode()


@dataclass(frozen=True)
class DumpFormat:
    extension: str
    content_type: str
    needs_coordinates: bool = False


FORMATS = {
    "csv": DumpFormat("csv", "text/csv; charset=utf-8"),
    "tsv": DumpFormat("tsv", "text/tab-separated-values; charset=utf-8"),
    "json": DumpFormat("json", "application/json"),
    "xlsx": DumpFormat("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "geojson": DumpFormat("geojson", "application/geo+json", needs_coordinates=True),
    "parquet": DumpFormat("parquet", "application/vnd.apache.parquet"),
}


class DumpError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def coordinate_columns(columns: list[dict]) -> tuple[str, str] | None:
    """(latitude, longitude) column ids from the sidecar's column roles."""
    lat = next((c["id"] for c in columns if c.get("role") == "latitude"), None)
    lon = next((c["id"] for c in columns if c.get("role") == "longitude"), None)
    return (lat, lon) if lat and lon else None


def dump_path(parquet: Path, fmt: str, columns: list[dict]) -> Path:
    """The cached download of ``parquet`` in ``fmt``, built on first use."""
    spec = FORMATS.get(fmt)
    if spec is None:
        raise DumpError(_("Unknown format %(format)s. Choose one of: %(choices)s.")
                        % {"format": fmt, "choices": ", ".join(FORMATS)})
    coordinates = coordinate_columns(columns)
    if spec.needs_coordinates and coordinates is None:
        raise DumpError(_("This table has no latitude and longitude columns, so there is no GeoJSON."))
    target = parquet.with_name(parquet.name.removesuffix(".parquet") + f".dump.{spec.extension}")
    if target.exists():
        return target
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _WRITERS[fmt](parquet, tmp, coordinates)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:", config={"autoinstall_known_extensions": "false",
                                              "autoload_known_extensions": "false", "threads": "2",
                                              "memory_limit": "512MB"})


def _literal(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _write_delimited(delimiter: str):
    def write(parquet: Path, target: Path, coordinates) -> None:
        with _connect() as con:
            con.execute(f"COPY (SELECT * FROM read_parquet({_literal(parquet)}) ORDER BY _id) "
                        f"TO {_literal(target)} (FORMAT csv, HEADER, DELIMITER {_literal(delimiter)})")
    return write


def _batches(parquet: Path):
    with _connect() as con:
        cursor = con.execute(f"SELECT * FROM read_parquet({_literal(parquet)}) ORDER BY _id")
        names = [d[0] for d in cursor.description]
        yield names
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield rows


def _write_json(parquet: Path, target: Path, coordinates) -> None:
    """CKAN's JSON dump shape: {"fields": [{"id"}...], "records": [[...], ...]}."""
    batches = _batches(parquet)
    names = next(batches)
    with target.open("w", encoding="utf-8") as out:
        out.write('{"fields": ' + json.dumps([{"id": n} for n in names], ensure_ascii=False) + ',\n"records": [')
        first = True
        for rows in batches:
            for row in rows:
                out.write(("\n" if first else ",\n") + json.dumps([json_value(v) for v in row], ensure_ascii=False))
                first = False
        out.write("\n]}\n")


def _write_geojson(parquet: Path, target: Path, coordinates) -> None:
    lat, lon = coordinates
    batches = _batches(parquet)
    names = next(batches)
    lat_i, lon_i = names.index(lat), names.index(lon)
    with target.open("w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [')
        first = True
        for rows in batches:
            for row in rows:
                if row[lat_i] is None or row[lon_i] is None:
                    continue
                feature = {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [float(row[lon_i]), float(row[lat_i])]},
                    "properties": {n: json_value(v) for n, v in zip(names, row, strict=True)},
                }
                out.write(("\n" if first else ",\n") + json.dumps(feature, ensure_ascii=False))
                first = False
        out.write("\n]}\n")


def _write_xlsx(parquet: Path, target: Path, coordinates) -> None:
    from openpyxl import Workbook

    with _connect() as con:
        count = con.execute(f"SELECT count(*) FROM read_parquet({_literal(parquet)})").fetchone()[0]
    if count > XLSX_MAX_ROWS:
        raise DumpError(_("The table has %(count)s rows, more than an Excel sheet can hold; download CSV instead.")
                        % {"count": count})
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    batches = _batches(parquet)
    sheet.append(next(batches))
    for rows in batches:
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    workbook.save(target)


def _write_parquet(parquet: Path, target: Path, coordinates) -> None:
    """The table in row order (the stored file is written out of order, see ``ingest``), snappy for any reader."""
    with _connect() as con:
        con.execute(f"COPY (SELECT * FROM read_parquet({_literal(parquet)}) ORDER BY _id) "
                    f"TO {_literal(target)} (FORMAT parquet, COMPRESSION snappy)")


_WRITERS = {
    "csv": _write_delimited(","),
    "tsv": _write_delimited("\t"),
    "json": _write_json,
    "geojson": _write_geojson,
    "xlsx": _write_xlsx,
    "parquet": _write_parquet,
}
