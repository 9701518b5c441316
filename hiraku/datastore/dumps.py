"""Downloads of an ingested table in every format, built once per version.

A download is derived from the published typed Parquet file and cached
beside it (``v<N>.dump.<format>``), written to a temporary name and renamed,
so concurrent requests never read a half-written file. A download of
selected rows (CKAN's dump with ``q``, ``filters``, ``sort``…) is written
from the rows ``search.export`` selected instead and not kept. Only our own
statements run on these connections: user input never reaches the SQL text
except as validated column names.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import duckdb
from django.utils.translation import gettext_lazy as _

from .geo import coordinate_columns
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
    "xml": DumpFormat("xml", "application/xml; charset=utf-8"),
}


class DumpError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def format_spec(fmt: str) -> DumpFormat:
    spec = FORMATS.get(fmt)
    if spec is None:
        raise DumpError(_("Unknown format %(format)s. Choose one of: %(choices)s.")
                        % {"format": fmt, "choices": ", ".join(FORMATS)})
    return spec


def dump_path(parquet: Path, fmt: str, columns: list[dict]) -> Path:
    """The cached download of ``parquet`` in ``fmt``, built on first use."""
    spec = format_spec(fmt)
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
        _WRITERS[fmt](f"(SELECT * FROM read_parquet({_literal(parquet)}) ORDER BY _id)", tmp, coordinates)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def write_rows(rows: Path, fmt: str, target: Path, columns: list[dict]) -> None:
    """Write ``rows`` (a Parquet file of selected rows, in the order they are to be listed) as ``fmt``.

    ``columns`` are the table's, for the coordinates a GeoJSON file needs;
    raises DumpError when the format is unknown or the rows lack them.
    """
    coordinates = coordinate_columns(columns)
    if format_spec(fmt).needs_coordinates:
        with _connect() as con:
            names = {d[0] for d in con.execute(f"SELECT * FROM read_parquet({_literal(rows)}) LIMIT 0").description}
        if coordinates is None or not set(coordinates) <= names:
            raise DumpError(_("GeoJSON needs the latitude and longitude columns, and these rows have none."))
    _WRITERS[fmt](f"read_parquet({_literal(rows)})", target, coordinates)


def _connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:", config={"autoinstall_known_extensions": "false",
                                              "autoload_known_extensions": "false", "threads": "2",
                                              "memory_limit": "512MB"})


def _literal(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _write_delimited(delimiter: str):
    def write(source: str, target: Path, coordinates) -> None:
        with _connect() as con:
            con.execute(f"COPY (SELECT * FROM {source}) "
                        f"TO {_literal(target)} (FORMAT csv, HEADER, DELIMITER {_literal(delimiter)})")
    return write


def _batches(source: str):
    with _connect() as con:
        cursor = con.execute(f"SELECT * FROM {source}")
        names = [d[0] for d in cursor.description]
        yield names
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield rows


def _write_json(source: str, target: Path, coordinates) -> None:
    """CKAN's JSON dump shape: {"fields": [{"id"}...], "records": [[...], ...]}."""
    batches = _batches(source)
    names = next(batches)
    with target.open("w", encoding="utf-8") as out:
        out.write('{"fields": ' + json.dumps([{"id": n} for n in names], ensure_ascii=False) + ',\n"records": [')
        first = True
        for rows in batches:
            for row in rows:
                out.write(("\n" if first else ",\n") + json.dumps([json_value(v) for v in row], ensure_ascii=False))
                first = False
        out.write("\n]}\n")


def _write_geojson(source: str, target: Path, coordinates) -> None:
    lat, lon = coordinates
    batches = _batches(source)
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


def _write_xlsx(source: str, target: Path, coordinates) -> None:
    from openpyxl import Workbook

    with _connect() as con:
        count = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    if count > XLSX_MAX_ROWS:
        raise DumpError(_("These are %(count)s rows, more than an Excel sheet can hold; download CSV instead.")
                        % {"count": count})
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    batches = _batches(source)
    sheet.append(next(batches))
    for rows in batches:
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    workbook.save(target)


def _write_parquet(source: str, target: Path, coordinates) -> None:
    """The rows in order (the stored file is written out of order, see ``ingest``), snappy for any reader."""
    with _connect() as con:
        con.execute(f"COPY (SELECT * FROM {source}) TO {_literal(target)} (FORMAT parquet, COMPRESSION snappy)")


# XML 1.0 names (without ":", which would need a namespace); other column names become <value key="…">.
_NAME_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
               "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_XML_NAME = re.compile(f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f\u2040]*")
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _xml_element(name: str) -> tuple[str, str]:
    """(opening tag without ">", closing tag) of a column's element."""
    if _XML_NAME.fullmatch(name) and not name.lower().startswith("xml"):
        return f"<{name}", f"</{name}>"
    return f"<value key={quoteattr(_xml_safe(name))}", "</value>"


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _xml_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(_xml_safe(str(json_value(value))), {"\r": "&#13;"})  # a parser would turn a bare CR into LF


def _write_xml(source: str, target: Path, coordinates) -> None:
    """CKAN's XML dump shape: <data> of <row _id="…">, a child element per column, xsi:nil for empty cells.

    A column whose name is not an XML name is written as <value key="name">, as CKAN writes keyed
    values; characters XML cannot hold (control characters) become U+FFFD.
    """
    batches = _batches(source)
    names = next(batches)
    id_index = names.index("_id") if "_id" in names else None
    elements = [None if i == id_index else _xml_element(n) for i, n in enumerate(names)]
    with target.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="utf-8"?>\n<data xmlns:xsi="{XSI}">\n')
        for rows in batches:
            for row in rows:
                out.write(f'<row _id="{row[id_index]}">' if id_index is not None else "<row>")
                for element, value in zip(elements, row, strict=True):
                    if element is None:
                        continue
                    opening, closing = element
                    out.write(f'{opening} xsi:nil="true"/>' if value is None
                              else f"{opening}>{_xml_text(value)}{closing}")
                out.write("</row>\n")
        out.write("</data>\n")


_WRITERS = {
    "csv": _write_delimited(","),
    "tsv": _write_delimited("\t"),
    "json": _write_json,
    "geojson": _write_geojson,
    "xlsx": _write_xlsx,
    "parquet": _write_parquet,
    "xml": _write_xml,
}
