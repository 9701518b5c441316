"""From an uploaded file to typed, queryable Parquet tables.

``ingest_file(path, resource_id, data_dir)`` is the one entry point. Per table:

1. *read*: the rows are staged as text (``_id``, ``_row`` and every
   original cell as text; in DuckDB's memory, or in Parquet when large, see
   ``textstage``). Title rows and the header are recognised
   from the first rows in Python. For a well-formed delimited file the rest
   is transcoded to UTF-8 in parallel and loaded by DuckDB's CSV reader
   (``fastcsv``); worksheets and irregular delimited files are read row by
   row in Python (``rows``) and staged as Parquet on the way. Blank rows and
   blank, unnamed columns are dropped; note rows below a table are skipped;
2. *type*: one SQL aggregate classifies every cell with the rules of
   ``values`` (``typesql``) and joins them per column (integer ⊂ decimal,
   date ⊂ datetime, any conflict → text), so one value that does not fit
   makes the column text instead of being lost; such fall-backs are reported.
   A type staff chose (``type_overrides``) replaces the inferred one; a cell
   that does not convert to it refuses the table (see ``_forced``);
3. *convert*: DuckDB writes the typed Parquet file from the text table.

Both ways of reading end in the same text table and the same SQL, so a
table gets the same types whichever way it was read. Only the typed file is
published: the uploaded file, kept as it came, is the original text, and
``_row`` locations in warnings point into it. Memory stays bounded whatever
the file size: Python holds a batch of rows at a time, and a table too large
for DuckDB's memory is staged in a Parquet file.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import (
    coltypes,
    delimited,
    fastcsv,
    geo,
    header,
    jsonsource,
    rows,
    store,
    textstage,
    typesql,
    workbooks,
    xlsx,
)
from . import values as V
from .encoding import detect_encoding, sniff_binary, sniff_encoding
from .errors import LABELS, IngestError, Problem

MAX_COLUMNS = rows.MAX_COLUMNS
DELIMITED_FORMATS = {"csv": ",", "tsv": "\t", "txt": None}
XLSX_FORMATS = {"xlsx", "xlsm"}
WORKBOOK_FORMATS = set(workbooks.FORMATS)  # read with python-calamine
JSON_FORMATS = {"json", "geojson"}
UNSUPPORTED_FORMATS = {"numbers"}
# Writing is the largest part of ingestion. LZ4 writes as fast as snappy (a
# quarter less CPU than zstd) into files as small, and a query that reads every
# column of a million rows decodes it about a fifth faster; building string
# dictionaries (useless for names, addresses, URLs) costs about a third of the
# rest. Version 2 encodings without dictionaries (delta-coded integers and
# dates) make the file a fifth smaller, which DuckDB reads a little faster.
# Downloads are derived files (``dumps``) in the most widely read codec and
# encodings.
PARQUET_OPTIONS = ("FORMAT parquet, COMPRESSION lz4_raw, PARQUET_VERSION v2, DICTIONARY_SIZE_LIMIT 1, "
                   "STRING_DICTIONARY_PAGE_SIZE_LIMIT 1")
DUCKDB_THREADS = 2
# Room for a text table of textstage.MEMORY_TEXT_BYTES and the typed write
# (a million rows of twenty columns: peak RSS of ingestion about 850 MB).
DUCKDB_MEMORY_LIMIT = "640MB"

ARROW_TYPES = {
    V.INTEGER: pa.int64(),
    V.BOOLEAN: pa.bool_(),
    V.DATE: pa.date32(),
    V.TIME: pa.time64("us"),
    V.DATETIME: pa.timestamp("us"),
    V.TEXT: pa.string(),
}

Progress = Callable[[str, int, "int | None"], None]


@dataclass
class ColumnResult:
    id: str
    header: str
    type: str
    arrow_type: str
    role: str | None = None
    non_null: int = 0
    inferred: str | None = None  # the inferred type, when staff forced another one (``type``)

    def as_dict(self) -> dict[str, Any]:
        out = {"id": self.id, "header": self.header, "type": self.type, "arrow_type": self.arrow_type,
               "role": self.role, "non_null": self.non_null}
        if self.inferred is not None:
            out["inferred"] = self.inferred
        return out


@dataclass
class TableResult:
    name: str
    sheet: str | None
    file: str
    row_count: int
    header_rows: list[int]
    columns: list[ColumnResult]
    warnings: list[Problem] = field(default_factory=list)
    path: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "sheet": self.sheet, "file": self.file,
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
    """'csv', 'tsv', 'txt', 'xlsx', 'xls' or 'ods' from the declared format / extension, checked against the bytes."""
    fmt = (declared or path.suffix.lstrip(".") or "csv").lower().lstrip(".")
    if fmt in UNSUPPORTED_FORMATS:
        raise IngestError("unsupported_format", format=fmt.upper())
    if fmt in XLSX_FORMATS:
        return "xlsx"
    if fmt in WORKBOOK_FORMATS or fmt in JSON_FORMATS:
        return fmt
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


class _Digest:
    """SHA-256 of a file, computed in a thread while the file is ingested (hashlib releases the GIL)."""

    def __init__(self, path: Path):
        self.path = path
        self.value: str | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            digest = hashlib.sha256()
            with self.path.open("rb") as fh:
                while chunk := fh.read(4 << 20):
                    digest.update(chunk)
            self.value = digest.hexdigest()
        except BaseException as exc:  # re-raised by result()
            self.error = exc

    def result(self) -> str:
        self.thread.join()
        if self.error:
            raise self.error
        return self.value




# --- reading: both paths end in the same staged text ---------------------------

@dataclass
class _TextTable:
    """A table staged as text (``textstage.NAME``), before typing."""

    sheet: str | None
    names: list[str]  # header text of the kept columns
    ids: list[str]
    header_rownums: list[int]
    row_count: int
    warnings: list[Problem]
    dropped: int


def column_ids(names: list[str]) -> list[str]:
    ids = header.make_column_ids(names)
    return [("_" + i if i in ("_id", "_row") else i) for i in ids]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _duckdb(work: Path):
    con = duckdb.connect(":memory:", config={
        "threads": str(DUCKDB_THREADS), "memory_limit": DUCKDB_MEMORY_LIMIT,
        "temp_directory": str(work / "duckdb.tmp"),
        # Every row carries its _id and readers order by it, so the Parquet files need not be
        # written in row order; that lets DuckDB write them in parallel (a third faster).
        "preserve_insertion_order": "false",
        "autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
    })
    try:
        con.execute("SET enable_progress_bar = false")
        yield con
    finally:
        con.close()


def _read_rows(con, source: Iterable[tuple[int, list[str | None]]], sheet: str | None, merged: set[int],
               work: Path, report: Progress) -> _TextTable | None:
    """Python path: plan the head, stage rows as raw text, keep the columns that hold something."""
    iterator = iter(source)
    raw_lengths: dict[int, int] = {}
    head = rows.read_head(iterator, sheet, raw_lengths)
    if not head:
        return None
    plan = rows.plan_head(head, sheet, raw_lengths, merged)
    raw_path = work / f"rows-{len(list(work.glob('rows-*.parquet')))}.parquet"
    writer = rows.RawTableWriter(raw_path, plan, sheet, raw_lengths, progress=lambda n: report("read", n, None))
    data = head[plan.data_start:]
    writer.write(_chain(data, rows.nonblank(iterator, sheet, raw_lengths)))
    if sheet is not None and writer.row_count == 0:
        # A worksheet with a heading but no rows (notes, cover pages) holds no table.
        return None
    raw = f"read_parquet({typesql.literal(str(raw_path))})"
    counts = con.execute(f"SELECT {', '.join(f'count(c{c})' for c in range(plan.ncols))} FROM {raw}").fetchone()
    keep = [c for c in range(plan.ncols) if plan.names[c] or counts[c]]
    if not keep:
        return None
    ids = column_ids([plan.names[c] for c in keep])
    columns = ", ".join(f"c{c} AS {_quote(i)}" for c, i in zip(keep, ids, strict=True))
    textstage.view(con, f"SELECT _id, _row, {columns} FROM {raw}")  # the raw file stays until the end
    return _TextTable(sheet=sheet, names=[plan.names[c] for c in keep], ids=ids,
                      header_rownums=plan.header_rownums, row_count=writer.row_count,
                      warnings=plan.warnings + writer.warnings, dropped=plan.ncols - len(keep))


def _chain(*iterables):
    for it in iterables:
        yield from it


def _read_delimited(con, path: Path, fmt: str, work: Path, report: Progress, meta: dict) -> _TextTable | None:
    enc = sniff_encoding(path)
    if enc is not None:
        try:
            dialect = delimited.sniff_dialect(delimited.read_sample(path, enc.encoding),
                                              prefer=DELIMITED_FORMATS.get(fmt))
            table, keep, ids = fastcsv.ingest(path, enc, dialect, con, work, PARQUET_OPTIONS, column_ids, report)
        except (fastcsv.NotRegular, fastcsv.EncodingFailed, UnicodeDecodeError):
            pass  # the Python reader below decides, with the whole file
        else:
            meta.update(encoding=enc.encoding, encoding_label=enc.label, delimiter=dialect.delimiter)
            if not keep:
                return None
            return _TextTable(sheet=None, names=[table.names[c] for c in keep], ids=ids,
                              header_rownums=table.header_rownums, row_count=table.row_count,
                              warnings=table.warnings, dropped=len(table.names) - len(keep))
        finally:
            for part in work.glob("utf8-*.csv"):
                part.unlink()
    # Python reads what the fast path does not take; the whole file decides the encoding.
    enc = detect_encoding(path)
    dialect = delimited.sniff_dialect(delimited.read_sample(path, enc.encoding), prefer=DELIMITED_FORMATS.get(fmt))
    meta.update(encoding=enc.encoding, encoding_label=enc.label, delimiter=dialect.delimiter)
    return _read_rows(con, delimited.iter_rows(path, enc.encoding, dialect), None, set(), work, report)


# --- typing and conversion (shared) -------------------------------------------

def _arrow_type(kind: str, counts: typesql.ColumnCounts) -> pa.DataType:
    if kind == V.DECIMAL:
        precision = counts.int_digits + counts.scale
        return pa.decimal128(max(precision, 1), counts.scale) if precision <= 38 else pa.float64()
    return ARROW_TYPES[kind]


def _forced(con, text: str, table: _TextTable, overrides: dict[str, str]) -> dict[int, coltypes.ColumnType]:
    """The staff's type overrides of this table's columns, checked against every cell.

    Policy for cells that do not convert to the forced type: the table is
    refused with a located error (column, first row, value, count) and the
    previous version stays published. This is how ingestion treats values
    everywhere else: a value that does not fit is never lost (inferred
    columns fall back to text for it, see ``_column_warnings``), and a
    forced type has no fall-back. Forcing text always succeeds.
    Overrides of columns the table does not have are ignored.
    """
    wanted = {i: overrides[cid] for i, cid in enumerate(table.ids) if cid in overrides}
    if not wanted:
        return {}
    forced = {}
    for i, (column_type, misfits) in coltypes.forced_types(con, text, table.ids, wanted).items():
        if misfits.count:
            raise IngestError("type_override_failed", sheet=table.sheet, row=misfits.first_row,
                              column=table.ids[i], name=table.ids[i], type=LABELS[column_type.kind],
                              count=misfits.count,
                              value=(misfits.first_value or "")[:80])
        forced[i] = column_type
    return forced


def _apply_forced(types: list[coltypes.ColumnType], forced: dict[int, coltypes.ColumnType]) -> list:
    out = list(types)
    for i, column_type in forced.items():
        if column_type.kind == V.TEXT:  # nothing was classified: keep the inferred counts (filled cells)
            column_type = coltypes.ColumnType(V.TEXT, types[i].counts, forced=True)
        out[i] = column_type
    return out


def _finish_table(con, table: _TextTable, typed_path: Path, directory: Path,
                  report: Progress, type_overrides: dict[str, str] | None = None) -> TableResult:
    text = textstage.NAME
    report("convert", 0, 2)
    forced = _forced(con, text, table, type_overrides or {})
    inferred = coltypes.type_columns(con, text, table.ids, table.row_count)
    types = _apply_forced(inferred, forced)
    report("convert", 1, 2)
    try:
        _write_typed(con, text, table.ids, types, typed_path)
    except duckdb.Error as exc:
        if coltypes.UNCHECKED not in str(exc):
            raise
        # A cell beyond the sample did not fit what it suggested: look at every cell.
        inferred = coltypes.type_columns(con, text, table.ids, table.row_count, check_all=True)
        types = _apply_forced(inferred, forced)
        _write_typed(con, text, table.ids, types, typed_path)
    textstage.drop(con)
    warnings = list(table.warnings)
    if table.dropped:
        warnings.append(Problem("blank_columns_dropped", {"count": table.dropped}, sheet=table.sheet))
    columns: list[ColumnResult] = []
    for cid, name, column_type, guess in zip(table.ids, table.names, types, inferred, strict=True):
        arrow_type = _arrow_type(column_type.kind, column_type.counts)
        columns.append(ColumnResult(id=cid, header=name, type=column_type.kind, arrow_type=str(arrow_type),
                                    non_null=column_type.counts.non_null,
                                    inferred=guess.kind if column_type.forced else None))
        if column_type.forced and column_type.kind == V.TEXT:
            continue  # staff asked for text: no fall-back to report
        warnings += _column_warnings(table.sheet, cid, column_type.kind, column_type.counts)
    report("convert", 2, 2)
    by_id = {c.id: c for c in columns}
    for check in geo.check_coordinates(typed_path, [c.as_dict() for c in columns]):
        if check.accepted:
            by_id[check.column].role = check.role
        if check.out_of_range:
            warnings.append(Problem("coordinates_out_of_range",
                                    {"column": check.column, "count": check.out_of_range,
                                     "role": LABELS[check.role]}, sheet=table.sheet, column=check.column))
    return TableResult(
        name=table.sheet or "data", sheet=table.sheet, file=typed_path.name,
        row_count=table.row_count, header_rows=table.header_rownums, columns=columns, warnings=warnings,
        path=directory / typed_path.name,
    )


def _write_typed(con, text: str, ids: list[str], types: list[coltypes.ColumnType], typed_path: Path) -> None:
    con.execute(f"COPY ({coltypes.typed_select(text, ids, types)}) TO {typesql.literal(str(typed_path))} "
                f"({PARQUET_OPTIONS})")


def _column_warnings(sheet: str | None, cid: str, kind: str, count: typesql.ColumnCounts) -> list[Problem]:
    found = []
    typed = typesql.typed_kind(count)
    # Mostly values of one type, a few that are not: say which value kept the column text.
    if kind == V.TEXT and count.first_text_row is not None and typed not in (None, V.TEXT) \
            and count.typed >= count.text * 4:
        found.append(Problem("type_fallback", {"value": count.first_text_value[:80], "type": LABELS[typed],
                                               "column": cid}, sheet=sheet, row=count.first_text_row, column=cid))
    if kind != V.TEXT and count.markers:
        found.append(Problem("null_markers", {"column": cid, "count": count.markers}, sheet=sheet, column=cid))
    return found


# --- orchestration ------------------------------------------------------------

def _reporter(progress: Callable[[str, int, int | None], None] | None) -> Progress:
    """A progress function that never fails the ingestion and costs nothing when unused."""
    if progress is None:
        return lambda phase, done, total: None
    last: dict[str, float] = {}

    def report(phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        # Throttle counts of bytes and rows; a step of a few (e.g. "convert", 1 of 2) always shows.
        steps = total is not None and (done >= total or total <= 10)
        if not steps and done and now - last.get(phase, 0.0) < 1.0:
            return
        last[phase] = now
        progress(phase, done, total)

    return report


def ingest_file(path: str | Path, resource_id: str, data_dir: str | Path, format: str | None = None,
                progress: Callable[[str, int, int | None], None] | None = None,
                type_overrides: dict[str, str] | None = None) -> IngestResult:
    """Ingest the file at ``path`` as a new version of ``resource_id``'s datastore table.

    ``format`` is the resource's declared format (e.g. "CSV"); the file
    extension is used when it is missing. Raises :class:`IngestError` with a
    located, bilingual message when the file cannot become a table.

    ``progress(phase, done, total)`` is called a few times per phase, in this
    order: "decode" (bytes of the data part transcoded; delimited files read
    by DuckDB), "read" (rows read; total None while unknown), "convert"
    (steps of typing and writing a table, out of 2) and "publish" (0, then 1).
    Calls are throttled to about one a second per phase; the callback must return quickly.

    ``type_overrides`` maps column ids to the type staff chose (a kind of
    ``values``) instead of the inferred one; a cell that does not convert
    raises :class:`IngestError` ``type_override_failed`` (see ``_forced``).
    """
    started = time.perf_counter()
    path = Path(path)
    report = _reporter(progress)
    directory = store.resource_dir(data_dir, resource_id)
    size = path.stat().st_size
    if size == 0:
        raise IngestError("empty_file")
    fmt = detect_format(path, format)
    digest = _Digest(path)
    version, staging = store.reserve_version(directory)
    work = staging / "work"
    work.mkdir()
    tables: list[TableResult] = []
    meta: dict[str, Any] = {"encoding": None, "encoding_label": None, "delimiter": None}
    try:
        with _duckdb(work) as con:
            for read in _table_readers(con, path, fmt, work, report, meta):
                table = read()
                if table is None:
                    continue
                typed_name = store.table_file_name(version, len(tables))
                tables.append(_finish_table(con, table, staging / typed_name, directory, report, type_overrides))
        shutil.rmtree(work)
        if not tables:
            raise IngestError("no_table")
        result = IngestResult(
            resource_id=str(resource_id), version=version, format=fmt, encoding=meta["encoding"],
            encoding_label=meta["encoding_label"], delimiter=meta["delimiter"], sha256=digest.result(),
            size=size, tables=tables, seconds=0.0, directory=directory,
            schema_path=directory / f"v{version}.json",
        )
        sidecar = result.as_dict()
        sidecar["source"] = {"filename": path.name}
        report("publish", 0, 1)
        store.publish(directory, staging, version, sidecar)
        report("publish", 1, 1)
    except BaseException:
        store.discard(staging)
        raise
    result.seconds = time.perf_counter() - started
    return result


def _table_readers(con, path: Path, fmt: str, work: Path, report: Progress, meta: dict):
    """One function per candidate table that stages it as text (or returns None)."""
    if fmt in DELIMITED_FORMATS:
        yield lambda: _read_delimited(con, path, fmt, work, report, meta)
        return
    if fmt in JSON_FORMATS:
        yield lambda: _read_rows(con, jsonsource.read_rows(path), None, set(), work, report)
        return
    sheets = xlsx.open_sheets(path) if fmt == "xlsx" else workbooks.open_sheets(path, fmt)
    for sheet in sheets:
        yield lambda s=sheet.name, r=sheet.rows, m=sheet.merged_rows: _read_rows(con, r, s, m, work, report)
