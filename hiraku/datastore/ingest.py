"""From an uploaded file to typed, queryable Parquet tables.

``ingest_file(path, resource_id, data_dir)`` is the one entry point. Per table
it runs two streaming passes so memory stays flat whatever the file size:

1. *extract*: rows are read (CSV after encoding and dialect detection, or one
   worksheet of an .xlsx), title rows and the header are recognised from the
   first rows, and every cell is written as original text to a staging
   Parquet file in batches. Meanwhile each column's type is inferred by
   joining the type of every value (integer ⊂ decimal, date ⊂ datetime, any
   conflict → text), so one value that does not fit makes the column text
   instead of being lost; such fall-backs are reported;
2. *convert*: the staged text is read back batch by batch, converted to the
   final Arrow types and written to the typed Parquet file, next to a text
   Parquet file that keeps every original cell.

Blank rows and blank, unnamed columns are dropped; note rows below a table
(a single filled cell in a wide table) are recognised and skipped; rows with
more values than the header are reported with their row numbers.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from . import delimited, geo, header, store, xlsx
from . import values as V
from .encoding import EncodingResult, detect_encoding, sniff_binary
from .errors import LABELS, IngestError, Problem

_PLAIN_NUMBER_RE = re.compile(r"[+-]?(\d+)(?:\.(\d+))?")

MAX_COLUMNS = 1000
BATCH_ROWS = 20_000
MAX_REPORTED_ROWS = 1000
FOOTNOTE_BUFFER = 50
DELIMITED_FORMATS = {"csv": ",", "tsv": "\t", "txt": None}
XLSX_FORMATS = {"xlsx", "xlsm"}
UNSUPPORTED_FORMATS = {"xls", "ods", "numbers"}
PARQUET_COMPRESSION = "zstd"

ARROW_TYPES = {
    V.INTEGER: pa.int64(),
    V.BOOLEAN: pa.bool_(),
    V.DATE: pa.date32(),
    V.TIME: pa.time64("us"),
    V.DATETIME: pa.timestamp("us"),
    V.TEXT: pa.string(),
}


@dataclass
class ColumnResult:
    id: str
    header: str
    type: str
    arrow_type: str
    role: str | None = None
    non_null: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "header": self.header, "type": self.type, "arrow_type": self.arrow_type,
                "role": self.role, "non_null": self.non_null}


@dataclass
class TableResult:
    name: str
    sheet: str | None
    file: str
    text_file: str
    row_count: int
    header_rows: list[int]
    columns: list[ColumnResult]
    warnings: list[Problem] = field(default_factory=list)
    path: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "sheet": self.sheet, "file": self.file, "text_file": self.text_file,
            "row_count": self.row_count, "header_rows": self.header_rows,
            "columns": [c.as_dict() for c in self.columns],
            "warnings": [w.as_dict() for w in self.warnings],
        }


@dataclass
class IngestResult:
    resource_id: str
    version: int
    format: str
    encoding: str | None
    encoding_label: str | None
    delimiter: str | None
    sha256: str
    size: int
    tables: list[TableResult]
    seconds: float
    directory: Path
    schema_path: Path

    @property
    def table(self) -> TableResult:
        return self.tables[0]

    @property
    def warnings(self) -> list[Problem]:
        return [w for t in self.tables for w in t.warnings]

    def as_dict(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id, "version": self.version, "format": self.format,
            "encoding": self.encoding, "encoding_label": self.encoding_label, "delimiter": self.delimiter,
            "sha256": self.sha256, "size": self.size, "seconds": round(self.seconds, 3),
            "tables": [t.as_dict() for t in self.tables],
        }


# --- format detection ---------------------------------------------------------

def detect_format(path: Path, declared: str | None = None) -> str:
    """'csv', 'tsv', 'txt' or 'xlsx' from the declared format / extension, checked against the bytes."""
    fmt = (declared or path.suffix.lstrip(".") or "csv").lower().lstrip(".")
    if fmt in UNSUPPORTED_FORMATS:
        raise IngestError("unsupported_format", format=fmt.upper())
    if fmt in XLSX_FORMATS:
        return "xlsx"
    if fmt not in DELIMITED_FORMATS:
        raise IngestError("unsupported_format", format=fmt.upper())
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.strip(b" \t\r\n\x1a"):
        raise IngestError("empty_file")
    kind = sniff_binary(head)
    if kind:
        raise IngestError("binary_file", kind=kind)
    return fmt


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- pass 1: extract ----------------------------------------------------------

class _ColumnStats:
    __slots__ = ("kind", "non_null", "typed", "text", "first_text", "markers", "int_digits", "scale",
                 "settled", "typed_kind")

    def __init__(self):
        self.kind: str | None = None
        self.non_null = 0
        self.typed = 0
        self.text = 0
        self.first_text: tuple[int, str, str | None] | None = None
        self.markers = 0
        self.int_digits = 1
        self.scale = 0
        self.settled = False
        self.typed_kind: str | None = None

    def observe(self, value: str, rownum: int) -> None:
        self.non_null += 1
        if self.settled:
            return
        stripped = value.strip()
        if len(stripped) <= 2 and (stripped in V.NULL_MARKERS or V.normalize(stripped) in V.NULL_MARKERS):
            self.markers += 1
            return
        kind = self.kind
        # Fast path: plain ASCII numbers in a numeric column.
        if kind in (V.INTEGER, V.DECIMAL) and stripped.isascii():
            m = _PLAIN_NUMBER_RE.fullmatch(stripped)
            if m and (kind == V.DECIMAL or m.group(2) is None):
                whole = m.group(1)
                if len(whole) > 1 and whole[0] == "0":
                    pass  # a code with leading zeros: take the slow path
                elif len(whole) < 19:
                    self.typed += 1
                    if len(whole) > self.int_digits:
                        self.int_digits = len(whole)
                    if m.group(2) and len(m.group(2)) > self.scale:
                        self.scale = len(m.group(2))
                    return
        kind = V.classify(stripped)
        if kind in (V.INTEGER, V.DECIMAL):
            digits = V.normalize(stripped).lstrip("+-△▲").replace(",", "")
            whole, _, frac = digits.partition(".")
            if kind == V.INTEGER and len(whole) >= 19 and not -(2**63) <= int(whole) < 2**63:
                kind = V.DECIMAL
            self.int_digits = max(self.int_digits, len(whole.lstrip("0")) or 1)
            self.scale = max(self.scale, len(frac))
        if kind == V.TEXT:
            self.text += 1
            if self.first_text is None:
                self.first_text = (rownum, value, self.kind)
        else:
            self.typed += 1
            self.typed_kind = V.join(self.typed_kind, kind)
        self.kind = V.join(self.kind, kind)
        # Once clearly a text column, stop paying for classification.
        if self.kind == V.TEXT and self.text >= 20 and self.text > self.typed:
            self.settled = True

    def final_kind(self) -> str:
        if self.kind is None:
            return V.TEXT
        return self.kind

    def arrow_type(self) -> pa.DataType:
        kind = self.final_kind()
        if kind == V.DECIMAL:
            precision = self.int_digits + self.scale
            if precision <= 38:
                return pa.decimal128(max(precision, 1), self.scale)
            return pa.float64()
        return ARROW_TYPES[kind]


def _trim(row: list[str | None]) -> list[str | None]:
    end = len(row)
    while end and V.is_blank(row[end - 1]):
        end -= 1
    return row[:end]


class _Extractor:
    """Pass 1 for one table: header detection, text staging, type inference."""

    def __init__(self, rows: Iterable[tuple[int, list[str | None]]], staging: Path, stem: str,
                 sheet: str | None, merged_rows: set[int] | None = None):
        self.rows = iter(rows)
        self.staging = staging
        self.stem = stem
        self.sheet = sheet
        self.merged_rows = merged_rows or set()
        self.warnings: list[Problem] = []
        self.ragged: list[int] = []
        self.short: list[int] = []
        self.ragged_count = 0
        self.short_count = 0
        self.row_count = 0
        # Field count before trailing blanks were trimmed, for rows not yet added.
        self.raw_lengths: dict[int, int] = {}

    def _nonblank(self) -> Iterator[tuple[int, list[str | None]]]:
        for rownum, raw in self.rows:
            row = _trim(raw)
            if not row:
                continue
            if len(row) > MAX_COLUMNS:
                raise IngestError("too_many_columns", sheet=self.sheet, row=rownum, count=len(row),
                                  limit=MAX_COLUMNS)
            self.raw_lengths[rownum] = len(raw)
            yield rownum, row

    def run(self) -> dict[str, Any] | None:
        source = self._nonblank()
        head: list[tuple[int, list[str | None]]] = []
        for item in source:
            head.append(item)
            if len(head) >= header.HEAD_ROWS:
                break
        if not head:
            return None
        merged_positions = {i for i, (rownum, _) in enumerate(head) if rownum in self.merged_rows}
        info = header.detect_header([r for _, r in head], merged_below=merged_positions)
        if info.title_rows:
            self.warnings.append(Problem("title_rows_skipped", {"count": len(info.title_rows)},
                                         sheet=self.sheet, rows=[head[i][0] for i in info.title_rows]))
        if not info.has_header:
            self.warnings.append(Problem("no_header", sheet=self.sheet))
        names = info.names
        if self.sheet is None and info.has_header:
            # In delimited text the header's own field count defines the columns;
            # values beyond it are ragged rows, not new columns.
            declared = max(self.raw_lengths.get(head[i][0], 0) for i in info.header_rows)
            width = max(declared, max(len(head[i][1]) for i in info.header_rows))
            names = (names + [""] * width)[:width]
        ncols = len(names)
        self.ncols = ncols
        self.names = names
        self.header_rownums = [head[i][0] for i in info.header_rows]
        self.stats = [_ColumnStats() for _ in range(ncols)]
        self.raw_path = self.staging / f"{self.stem}.raw.parquet"
        schema = pa.schema([("_row", pa.int64())] + [(f"c{i}", pa.string()) for i in range(ncols)])
        self.writer = pq.ParquetWriter(self.raw_path, schema, compression="lz4")
        self.schema = schema
        self.batch_rows: list[int] = []
        self.batch_cols: list[list[str | None]] = [[] for _ in range(ncols)]
        footnotes: list[tuple[int, list[str | None]]] = []
        data = (head[i] for i in range(info.data_start, len(head)))
        try:
            for rownum, row in _chain(data, source):
                if ncols >= 3 and header.width(row) == 1 and not V.is_blank(row[0]):
                    footnotes.append((rownum, row))
                    if len(footnotes) > FOOTNOTE_BUFFER:
                        for item in footnotes:
                            self._add(*item)
                        footnotes.clear()
                    continue
                if footnotes:
                    for item in footnotes:
                        self._add(*item)
                    footnotes.clear()
                self._add(rownum, row)
            self._flush()
        finally:
            self.writer.close()
        if footnotes:
            self.warnings.append(Problem("footnote_rows_skipped", {"count": len(footnotes)}, sheet=self.sheet,
                                         rows=[r for r, _ in footnotes]))
        if self.ragged_count:
            raise IngestError("ragged_rows", sheet=self.sheet, rows=self.ragged, count=self.ragged_count,
                              expected=ncols)
        if self.short_count:
            self.warnings.append(Problem("short_rows", {"count": self.short_count}, sheet=self.sheet,
                                         rows=self.short))
        return {"names": names}

    def _add(self, rownum: int, row: list[str | None]) -> None:
        n = len(row)
        raw_length = self.raw_lengths.pop(rownum, n)
        if n > self.ncols:
            self.ragged_count += 1
            if len(self.ragged) < MAX_REPORTED_ROWS:
                self.ragged.append(rownum)
            return
        if raw_length < self.ncols and self.sheet is None:  # in a sheet, empty trailing cells are normal
            self.short_count += 1
            if len(self.short) < MAX_REPORTED_ROWS:
                self.short.append(rownum)
        self.batch_rows.append(rownum)
        cols = self.batch_cols
        stats = self.stats
        for c in range(self.ncols):
            value = row[c] if c < n else None
            if value is not None and not value.strip():
                value = None
            cols[c].append(value)
            if value is not None:
                stats[c].observe(value, rownum)
        self.row_count += 1
        if len(self.batch_rows) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.batch_rows:
            return
        arrays = [pa.array(self.batch_rows, pa.int64())] + [pa.array(c, pa.string()) for c in self.batch_cols]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.batch_rows = []
        self.batch_cols = [[] for _ in range(self.ncols)]


def _chain(*iterables):
    for it in iterables:
        yield from it


# --- pass 2: convert ----------------------------------------------------------

def _converter(kind: str, arrow_type: pa.DataType):
    if kind == V.TEXT:
        return None
    parse = V.CONVERTERS[kind]
    as_float = kind == V.DECIMAL and pa.types.is_floating(arrow_type)

    def convert(value: str | None):
        if value is None:
            return None
        s = value.strip()
        if len(s) <= 2 and (s in V.NULL_MARKERS or V.normalize(s) in V.NULL_MARKERS):
            return None
        if kind == V.INTEGER and s.isascii() and s.isdigit():
            return int(s)
        out = parse(s)
        if kind == V.DECIMAL and not as_float and not isinstance(out, Decimal):
            out = Decimal(out)
        return float(out) if as_float else out

    return convert


def _convert_table(extractor: _Extractor, staging: Path, typed_name: str, text_name: str,
                   keep: list[int], ids: list[str]) -> None:
    stats = extractor.stats
    kinds = [stats[c].final_kind() for c in keep]
    types = [stats[c].arrow_type() for c in keep]
    typed_schema = pa.schema([("_id", pa.int64())] + list(zip(ids, types, strict=True)))
    text_schema = pa.schema([("_id", pa.int64()), ("_row", pa.int64())] + [(i, pa.string()) for i in ids])
    converters = [_converter(k, t) for k, t in zip(kinds, types, strict=True)]
    next_id = 1
    raw = pq.ParquetFile(extractor.raw_path)
    with pq.ParquetWriter(staging / typed_name, typed_schema, compression=PARQUET_COMPRESSION) as typed_w, \
            pq.ParquetWriter(staging / text_name, text_schema, compression=PARQUET_COMPRESSION) as text_w:
        for batch in raw.iter_batches(batch_size=BATCH_ROWS):
            n = batch.num_rows
            id_array = pa.array(range(next_id, next_id + n), pa.int64())
            next_id += n
            text_arrays = [batch.column(f"c{c}") for c in keep]
            typed_arrays = [id_array]
            for array, conv, typ in zip(text_arrays, converters, types, strict=True):
                if conv is None:
                    typed_arrays.append(array)
                else:
                    typed_arrays.append(pa.array([conv(v) for v in array.to_pylist()], typ))
            typed_w.write_table(pa.Table.from_arrays(typed_arrays, schema=typed_schema))
            text_w.write_table(pa.Table.from_arrays([id_array, batch.column("_row")] + text_arrays,
                                                    schema=text_schema))
    extractor.raw_path.unlink()


# --- orchestration ------------------------------------------------------------

def _table_sources(path: Path, fmt: str) -> tuple[Iterator[tuple[str | None, Iterable, set[int]]], dict]:
    meta: dict[str, Any] = {"encoding": None, "encoding_label": None, "delimiter": None}
    if fmt == "xlsx":
        def sheets():
            for sheet in xlsx.open_sheets(path):
                yield sheet.name, sheet.rows, sheet.merged_rows
        return sheets(), meta
    enc: EncodingResult = detect_encoding(path)
    sample = delimited.read_sample(path, enc.encoding)
    dialect = delimited.sniff_dialect(sample, prefer=DELIMITED_FORMATS.get(fmt))
    meta.update(encoding=enc.encoding, encoding_label=enc.label, delimiter=dialect.delimiter)
    return iter([(None, delimited.iter_rows(path, enc.encoding, dialect), set())]), meta


def ingest_file(path: str | Path, resource_id: str, data_dir: str | Path,
                format: str | None = None, progress=None) -> IngestResult:
    """Ingest the file at ``path`` as a new version of ``resource_id``'s datastore table.

    ``format`` is the resource's declared format (e.g. "CSV"); the file
    extension is used when it is missing. Raises :class:`IngestError` with a
    located, bilingual message when the file cannot become a table.
    """
    started = time.perf_counter()
    path = Path(path)
    directory = store.resource_dir(data_dir, resource_id)
    size = path.stat().st_size
    if size == 0:
        raise IngestError("empty_file")
    fmt = detect_format(path, format)
    sources, meta = _table_sources(path, fmt)
    version, staging = store.reserve_version(directory)
    tables: list[TableResult] = []
    try:
        for sheet, rows, merged in sources:
            index = len(tables)
            typed_name, text_name = store.table_file_names(version, index)
            extractor = _Extractor(rows, staging, f"t{index}", sheet, merged)
            if extractor.run() is None:
                continue
            if sheet is not None and extractor.row_count == 0:
                # A worksheet with a heading but no rows (notes, cover pages) holds no table.
                extractor.raw_path.unlink()
                continue
            table = _finish_table(extractor, staging, typed_name, text_name, directory)
            if table is None:
                continue
            tables.append(table)
        if not tables:
            raise IngestError("no_table")
        result = IngestResult(
            resource_id=str(resource_id), version=version, format=fmt, encoding=meta["encoding"],
            encoding_label=meta["encoding_label"], delimiter=meta["delimiter"], sha256=_sha256(path),
            size=size, tables=tables, seconds=0.0, directory=directory,
            schema_path=directory / f"v{version}.json",
        )
        sidecar = result.as_dict()
        sidecar["source"] = {"filename": path.name}
        store.publish(directory, staging, version, sidecar)
    except BaseException:
        store.discard(staging)
        raise
    result.seconds = time.perf_counter() - started
    return result


def _finish_table(extractor: _Extractor, staging: Path, typed_name: str, text_name: str,
                  directory: Path) -> TableResult | None:
    stats = extractor.stats
    names = extractor.names
    keep = [c for c in range(extractor.ncols) if names[c] or stats[c].non_null]
    dropped = extractor.ncols - len(keep)
    if not keep:
        extractor.raw_path.unlink()
        return None
    if dropped:
        extractor.warnings.append(Problem("blank_columns_dropped", {"count": dropped}, sheet=extractor.sheet))
    ids = header.make_column_ids([names[c] for c in keep])
    ids = [("_" + i if i in ("_id", "_row") else i) for i in ids]
    _convert_table(extractor, staging, typed_name, text_name, keep, ids)

    columns = []
    for c, cid in zip(keep, ids, strict=True):
        st = stats[c]
        kind = st.final_kind()
        columns.append(ColumnResult(id=cid, header=names[c], type=kind, arrow_type=str(st.arrow_type()),
                                    non_null=st.non_null))
        if (kind == V.TEXT and st.first_text and st.typed_kind not in (None, V.TEXT)
                and st.typed >= st.text * 4):
            rownum, value, _ = st.first_text
            extractor.warnings.append(Problem("type_fallback",
                                              {"value": value[:80], "type": LABELS[st.typed_kind], "column": cid},
                                              sheet=extractor.sheet, row=rownum, column=cid))
        if kind != V.TEXT and st.markers:
            extractor.warnings.append(Problem("null_markers", {"column": cid, "count": st.markers},
                                              sheet=extractor.sheet, column=cid))

    typed_path = staging / typed_name
    col_dicts = [c.as_dict() for c in columns]
    by_id = {c.id: c for c in columns}
    for check in geo.check_coordinates(typed_path, col_dicts):
        if check.accepted:
            by_id[check.column].role = check.role
        if check.out_of_range:
            extractor.warnings.append(Problem("coordinates_out_of_range",
                                              {"column": check.column, "count": check.out_of_range,
                                               "role": LABELS[check.role]}, sheet=extractor.sheet, column=check.column))
    return TableResult(
        name=extractor.sheet or "data", sheet=extractor.sheet, file=typed_name, text_file=text_name,
        row_count=extractor.row_count, header_rows=extractor.header_rownums, columns=columns,
        warnings=extractor.warnings, path=directory / typed_name,
    )
