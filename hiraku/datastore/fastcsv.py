"""The fast path for delimited files: DuckDB reads the rows, Python only plans.

Python's csv module reads the first rows (title rows and header, see
``rows.plan_head``) and the last ones (note rows below the table). The bytes
in between are transcoded to UTF-8 in parallel (``transcode``) and DuckDB's
CSV reader stages them as text columns (``textstage``) in one statement,
with explicit dialect and column count and no sniffing.

DuckDB and Python's csv module agree on well-formed files; where they might
not, this path steps aside and the caller reads the file with Python
(:class:`NotRegular`): a row with a value beyond the header's fields or any
record DuckDB rejects, bare CR line breaks, blanks next to a quote character
in the rows read by Python, or more note rows below the table than the Python
path would skip. Rows with fewer fields than the header, or more that are
empty, are read *uneven* (at once when the first megabyte shows one,
otherwise on a second reading, :class:`UnevenRows`): awk ends every line with
one more field holding :data:`END_MARK`, DuckDB pads short rows with NULL, and
where the mark lies tells the short rows, which are reported as Python
reports them. While transcoding, awk puts each line's number in front of it
and leaves empty lines out (counting them), so the reader takes ``_row`` from
the file and runs in parallel. When a quoted field holds a line break or
line ends mix CRLF and LF, awk follows quotes instead, so each record keeps
the number of the line it starts on and ends in LF: at once when the first
megabyte shows it, otherwise on a second reading, once the first shows fewer
records than non-empty lines or mixed line ends (:class:`SpansLines`). Where
awk is missing, records are numbered by position with a streaming window
(exact because there must be one record per line; an empty line among the
data or a field with a line break then also goes to Python).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import delimited, rows, textstage, transcode
from .encoding import EncodingResult
from .errors import Problem
from .query import quote_identifier
from .typesql import blank_to_null, literal

HEAD_BYTES = 1 << 20
TAIL_BYTES = 1 << 16
# Read uneven: every line ends in one more field holding END_MARK, and the
# reader takes this many fields beyond the header's (a longer row goes to Python).
END_MARK = "\x01"
EXTRA_FIELDS = 8
FAST_ENCODINGS = {"utf-8", "utf-8-sig", "cp932", "euc_jp"}


class NotRegular(Exception):
    """The fast reader cannot promise Python's reading of this file."""


class SpansLines(NotRegular):
    """A quoted field holds a line break: read again with ``multiline``."""


class UnevenRows(NotRegular):
    """Some rows have more or fewer fields than the header: read again with ``uneven``."""


class EncodingFailed(Exception):
    """The bytes beyond the sample are not valid in the sampled encoding."""

    def __init__(self, failure: transcode.DecodeFailure):
        super().__init__(str(failure))
        self.failure = failure


@dataclass
class FastTable:
    names: list[str]
    header_rownums: list[int]
    row_count: int
    warnings: list[Problem] = field(default_factory=list)


def _quote_blank(text: str, delimiter: str) -> bool:
    patterns = [' "', '" '] + (['\t"', '"\t'] if delimiter != "\t" else [])
    return any(p in text for p in patterns)


def _line_offset(path: Path, line: int) -> int:
    """Byte offset where physical line ``line`` (1-based) starts."""
    if line <= 1:
        return 0
    seen = 0
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count = chunk.count(b"\n")
            if seen + count >= line - 1:
                position = -1
                for _ in range(line - 1 - seen):
                    position = chunk.index(b"\n", position + 1)
                return offset + position + 1
            seen += count
            offset += len(chunk)
    raise NotRegular("the header is the last line")


def _read_plan(path: Path, enc: EncodingResult, dialect: delimited.Dialect):
    """Plan the table from its first rows.

    Returns the plan, the first data line, whether awk must follow quotes
    (a field in the first megabyte spans lines, or line ends mix CRLF and LF)
    and whether a data row there has more or fewer fields than the header.
    """
    raw_lengths: dict[int, int] = {}
    try:
        head = rows.read_head(delimited.iter_rows(path, enc.encoding, dialect), None, raw_lengths)
    except UnicodeDecodeError as exc:
        raise NotRegular("undecodable head") from exc
    if not head:
        raise NotRegular("no rows")
    plan = rows.plan_head(head, None, raw_lengths)
    if plan.data_start >= len(head):
        raise NotRegular("no data rows in the head")
    with path.open("rb") as fh:
        sample = fh.read(HEAD_BYTES)
    whole = sample[:sample.rfind(b"\n") + 1]
    if whole.count(b"\r") != whole.count(b"\r\n"):
        raise NotRegular("bare CR line breaks")
    text = sample.decode(enc.encoding, errors="replace")
    if _quote_blank(text, dialect.delimiter):
        raise NotRegular("blanks next to quotes")
    mixed_line_ends = 0 < whole.count(b"\r") < whole.count(b"\n")
    first_data_line = head[plan.data_start][0]
    spans_lines, uneven = _head_shape(text[:text.rfind("\n") + 1], dialect, plan.ncols, first_data_line)
    return plan, first_data_line, mixed_line_ends or spans_lines, uneven


def _head_shape(text: str, dialect: delimited.Dialect, ncols: int, first_data_line: int) -> tuple[bool, bool]:
    """Whether a field of these whole lines holds a line break, as Python's csv module reads them, and
    whether a row that is not blank or a note, from ``first_data_line`` on, has more or fewer fields than ``ncols``.

    A quote inside an unquoted field (``5"``) is a character like any other there.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, quotechar=dialect.quotechar)
    spans_lines = uneven = False
    start = 1
    for row in reader:
        spans_lines = spans_lines or any("\n" in cell or "\r" in cell for cell in row)
        # Note rows (one cell) usually end the table, where the reader never goes.
        if start >= first_data_line and len(row) != ncols and any(cell.strip() for cell in row) \
                and not rows.is_note_row(row, ncols):
            uneven = True
        start = reader.line_num + 1
    return spans_lines, uneven


def _parse_line(text: str, dialect: delimited.Dialect) -> list[str]:
    try:
        parsed = list(csv.reader([text], delimiter=dialect.delimiter, quotechar=dialect.quotechar, strict=True))
    except csv.Error as exc:
        raise SpansLines("a record spans lines near the end") from exc
    row = parsed[0] if parsed else []
    if row and row[-1].endswith("\x1a"):
        row[-1] = row[-1].rstrip("\x1a")
    return row


@dataclass
class _Tail:
    cut: int  # byte offset where the trailing blank and note lines begin
    lines_after_cut: list[bool]  # per line from the cut: is it a note row
    notes: int


def _read_tail(path: Path, enc: EncodingResult, dialect: delimited.Dialect, ncols: int, start: int,
               size: int) -> _Tail:
    """Trailing blank and note rows, which the Python path drops (at most FOOTNOTE_BUFFER notes)."""
    window_start = max(start, size - TAIL_BYTES)
    with path.open("rb") as fh:
        fh.seek(window_start)
        data = fh.read(size - window_start)
    if window_start > start:
        first_break = data.find(b"\n")
        if first_break < 0:
            raise NotRegular("very long last line")
        window_start += first_break + 1
        data = data[first_break + 1:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    offsets = []
    position = window_start
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    if _quote_blank(data.decode(enc.encoding, errors="replace"), dialect.delimiter):
        raise NotRegular("blanks next to quotes")
    try:
        texts = [line.decode(enc.encoding.replace("-sig", "")) for line in lines]
    except UnicodeDecodeError as exc:
        raise NotRegular("undecodable tail") from exc
    try:
        return _tail_of(_lines_from_end(texts, dialect), offsets, size, data, ncols)
    except SpansLines:
        return _tail_of(_records_from_end(texts, dialect), offsets, size, data, ncols)


def _tail_of(records, offsets: list[int], size: int, data: bytes, ncols: int) -> _Tail:
    """Walk ``records`` ((first line, last line, fields), last first) to the last data row."""
    kinds: list[bool] = []
    notes = 0
    for first, last, fields in records:
        row = rows.trim(fields)
        if not row or rows.is_note_row(row, ncols):
            kinds += [False] * (last - first) + [bool(row)]
            notes += bool(row)
            continue
        cut = offsets[last + 1] if last + 1 < len(offsets) else size
        if notes > rows.FOOTNOTE_BUFFER:
            raise NotRegular("many note rows")
        if cut == size:
            # A DOS end-of-file mark after the last field is not part of it.
            cut -= len(data) - len(data.rstrip(b"\x1a"))
        return _Tail(cut=cut, lines_after_cut=list(reversed(kinds)), notes=notes)
    raise NotRegular("no data row near the end")


def _lines_from_end(texts: list[str], dialect: delimited.Dialect):
    """Each line as a record, last first; :class:`SpansLines` at a line that opens a quoted field."""
    for index in range(len(texts) - 1, -1, -1):
        yield index, index, _parse_line(texts[index], dialect)


def _records_from_end(texts: list[str], dialect: delimited.Dialect):
    """The records of the lines, last first, read from the first line where a record must start:
    one after which the lines hold an even number of quote characters."""
    quotes, first = 0, None
    for index in range(len(texts) - 1, -1, -1):
        quotes += texts[index].count(dialect.quotechar)
        if quotes % 2 == 0:
            first = index
    if first is None:
        raise NotRegular("a record spans lines near the end")
    reader = csv.reader(io.StringIO("\n".join(texts[first:]), newline=""), delimiter=dialect.delimiter,
                        quotechar=dialect.quotechar, strict=True)
    found, line = [], first
    try:
        for fields in reader:
            found.append((line, first + reader.line_num - 1, fields))
            line = first + reader.line_num
    except csv.Error as exc:
        raise NotRegular("a record spans lines near the end") from exc
    if found and found[-1][2] and found[-1][2][-1].endswith("\x1a"):
        found[-1][2][-1] = found[-1][2][-1].rstrip("\x1a")
    return reversed(found)


def _csv_source(parts: list[Path], dialect: delimited.Dialect, ncols: int, numbered: bool,
                multiline: bool = False, uneven: bool = False, spans: bool = False) -> str:
    """The part files, in order, as rows of text columns ``c0`` … ``cN``.

    Numbered parts also give ``line`` (the number awk put in front) and
    ``filename``. Parts read ``multiline`` begin with :func:`_sentinel`, left out here.
    Parts read ``uneven`` end every line in :data:`END_MARK`; the reader takes
    :data:`EXTRA_FIELDS` more columns and pads shorter rows with NULL.
    """
    if multiline:
        return f"(SELECT * FROM {_csv_source(parts, dialect, ncols, numbered, uneven=uneven, spans=True)} WHERE line > 0)"
    files = "[" + ", ".join(literal(str(p)) for p in parts) + "]"
    width = ncols + (EXTRA_FIELDS if uneven else 0)
    columns = "{" + ("'line': 'BIGINT', " if numbered else "") + ", ".join(
        f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    # DuckDB pads rows of fields spanning lines only when one thread reads each file in order.
    in_order = ", parallel=false" if uneven and spans else ""
    return (f"read_csv({files}, auto_detect=false, header=false, delim={literal(dialect.delimiter)}, "
            f"quote={literal(dialect.quotechar)}, escape={literal(dialect.quotechar)}, columns={columns}, "
            f"strict_mode=true, null_padding={'true' if uneven else 'false'}{', filename=true' if numbered else ''}"
            f"{in_order})")


def _cell(c: int, uneven: bool) -> str:
    """Column c's text as read, NULL when blank (and where the end mark of an uneven row lies)."""
    return blank_to_null(f"nullif(c{c}, {literal(END_MARK)})" if uneven else f"c{c}")


def _short_rows(con, source: str, ncols: int, row_sql: str) -> tuple[int, list[int]]:
    """Rows with fewer fields than the header (not counting blank ones) and the first lines they start on,
    as Python's reader reports them; raises NotRegular where Python must decide (a value beyond the
    header's fields, or a cell holding the end mark)."""
    mark = literal(END_MARK)
    width = ncols + EXTRA_FIELDS
    marks = " + ".join(f"CAST(coalesce(c{i} = {mark}, false) AS INTEGER)" for i in range(width))
    short = " OR ".join(f"coalesce(c{i} = {mark}, false)" for i in range(ncols))
    beyond = " OR ".join(f"{_cell(i, True)} IS NOT NULL" for i in range(ncols, width))
    filled = " OR ".join(f"{_cell(i, True)} IS NOT NULL" for i in range(ncols))
    wrong, ragged, count, first = con.execute(
        f"SELECT count(*) FILTER (WHERE {marks} <> 1), count(*) FILTER (WHERE {beyond}), "
        f"count(*) FILTER (WHERE ({short}) AND ({filled})), "
        f"min(_row, {rows.MAX_REPORTED_ROWS}) FILTER (WHERE ({short}) AND ({filled})) "
        f"FROM (SELECT {row_sql} AS _row, * FROM {source})").fetchone()
    if wrong or ragged:
        raise NotRegular("values beyond the header's fields, or the end mark in a cell")
    return count, sorted(first or [])


def _line_number(parts: list[Path], checks: list[transcode.OutputChecks], skipped: int) -> str:
    """SQL for a record's line number in the file."""
    if not all(c.numbered for c in checks):
        # A streaming window keeps the reader's order, but runs it in one thread.
        return f"{skipped} + row_number() OVER ()"
    whens, before = [], skipped
    for part, check in zip(parts, checks, strict=True):
        whens.append(f"WHEN {literal(str(part))} THEN {before}")
        before += check.lines
    return f"line + CASE filename {' '.join(whens)} END"


@contextmanager
def _insertion_order(con, needed: bool):
    """Keep the reader's row order for this statement when ``needed`` (numbering by position)."""
    if not needed:
        yield
        return
    previous = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if previous else 'false'}")


def _keep_columns(con, source: str, names: list[str], uneven: bool) -> list[int]:
    """Named columns, and unnamed ones that hold a value."""
    unnamed = [c for c, name in enumerate(names) if not name]
    if not unnamed:
        return list(range(len(names)))
    selected = ", ".join("count(" + _cell(c, uneven) + ")" for c in unnamed)
    counts = con.execute(f"SELECT {selected} FROM {source}").fetchone()
    filled = {c for c, n in zip(unnamed, counts, strict=True) if n}
    return [c for c, name in enumerate(names) if name or c in filled]


def _sentinel(dialect: delimited.Dialect, ncols: int) -> bytes:
    """An empty record numbered 0 that ends in LF: DuckDB takes the line end from a file's first
    line break, which must not be a CRLF inside a quoted field."""
    return ("0" + dialect.delimiter * ncols + "\n").encode()


def _transcode(path: Path, size: int, enc: EncodingResult, dialect: delimited.Dialect, ncols: int, start: int,
               end: int, work: Path, awk: str | None, multiline: bool, uneven: bool, progress: Callable[[int], None]):
    """``transcode.to_utf8`` for this file; in one part when a split fell inside a quoted field."""
    options = {"file_size": size, "number_lines": awk, "delimiter": dialect.delimiter, "progress": progress}
    if uneven:
        options["end_mark"] = END_MARK
    if multiline:
        options.update(quote=dialect.quotechar, first_line=_sentinel(dialect, ncols))
    parts, checks = transcode.to_utf8(path, enc.encoding, start, end, work, **options)
    if multiline and any(c.open_quote for c in checks[:-1]):
        parts, checks = transcode.to_utf8(path, enc.encoding, start, end, work, workers=1, **options)
    return parts, checks


def _check_records(checks: list[transcode.OutputChecks], multiline: bool, numbered: bool, records: int,
                   last_row: int | None, lines: int, skipped: int) -> None:
    """Raise unless there is one record per non-empty line outside quoted fields (or line numbers would be wrong).

    Without quote-minding awk a field spanning lines leaves fewer records;
    without numbered lines an empty line (which DuckDB skips) sends the file
    to Python too.
    """
    if last_row is None:
        raise NotRegular("no records")
    starts = lines - sum(c.empty_lines + c.continued_lines for c in checks)
    if multiline:
        if any(c.open_quote for c in checks) or records != starts:
            raise NotRegular("quoted fields and records differ")
    elif last_row - skipped != lines or records != starts:
        if numbered and records < starts:
            raise SpansLines("a field spans lines")
        raise NotRegular("records and lines differ")


def ingest(path: Path, enc: EncodingResult, dialect: delimited.Dialect, con, work: Path, parquet_options: str,
           ids_for: Callable[[list[int]], list[str]],
           progress: Callable[[str, int, int | None], None]) -> tuple[FastTable, list[int], list[str]]:
    """Stage the file's rows as text (``textstage``); returns the table, kept column positions and their ids.

    Raises :class:`NotRegular` when Python must read the file, :class:`EncodingFailed`
    when the encoding guessed from the sample does not hold for the whole file.
    """
    args = (path, enc, dialect, con, work, parquet_options, ids_for, progress)
    mode = {"multiline": False, "uneven": False}
    while True:  # each reading may ask for one more way of reading, at most twice
        try:
            return _ingest(*args, **mode)
        except SpansLines:
            if mode["multiline"]:
                raise
            mode["multiline"] = True
        except UnevenRows:
            if mode["uneven"]:
                raise
            mode["uneven"] = True


def _ingest(path: Path, enc: EncodingResult, dialect: delimited.Dialect, con, work: Path, parquet_options: str,
            ids_for: Callable[[list[int]], list[str]], progress: Callable[[str, int, int | None], None],
            multiline: bool, uneven: bool) -> tuple[FastTable, list[int], list[str]]:
    """:func:`ingest`, following quotes with awk when ``multiline`` or when the sample asks for it,
    telling rows with fewer fields than the header when ``uneven``; raises :class:`SpansLines`
    or :class:`UnevenRows` when a plain reading shows that it should have done one of them."""
    if enc.encoding not in FAST_ENCODINGS:
        raise NotRegular("encoding")
    size = path.stat().st_size
    plan, first_data_line, head_spans_lines, head_uneven = _read_plan(path, enc, dialect)
    multiline = multiline or head_spans_lines
    awk = transcode.line_numberer()
    uneven = (uneven or head_uneven) and awk is not None
    if multiline and not awk:
        raise NotRegular("fields spanning lines need awk")
    start = _line_offset(path, first_data_line)
    if enc.encoding == "utf-8-sig" and start == 0:
        start = 3
    tail = _read_tail(path, enc, dialect, plan.ncols, start, size)
    progress("decode", 0, tail.cut - start)  # at once: the transcoder reports only every half second
    try:
        parts, part_checks = _transcode(path, size, enc, dialect, plan.ncols, start, tail.cut, work, awk, multiline,
                                        uneven, lambda done: progress("decode", done, tail.cut - start))
    except transcode.DecodeFailure as failure:
        raise EncodingFailed(failure) from failure
    lines = sum(c.lines for c in part_checks)
    if any(c.bare_cr for c in part_checks) or lines == 0:
        raise NotRegular("bare CR line breaks")
    if not multiline and any(c.mixed_line_ends for c in part_checks):
        raise SpansLines("CRLF and LF line ends")
    progress("decode", tail.cut - start, tail.cut - start)
    progress("read", 0, None)
    numbered = all(c.numbered for c in part_checks)
    source = _csv_source(parts, dialect, plan.ncols, numbered, multiline, uneven)
    skipped = first_data_line - 1
    short = (0, [])
    try:
        if uneven:
            short = _short_rows(con, source, plan.ncols, _line_number(parts, part_checks, skipped))
        keep = _keep_columns(con, source, plan.names, uneven)
        ids = ids_for([plan.names[c] for c in keep])
        named = ", ".join(f"{_cell(c, uneven)} AS " + quote_identifier(i) for c, i in zip(keep, ids, strict=True))
        # _id is the record's line among the data lines, until blank rows are left out.
        in_memory = sum(p.stat().st_size for p in parts) <= textstage.MEMORY_TEXT_BYTES
        with _insertion_order(con, not numbered):
            textstage.stage(con, f"SELECT _row - {skipped} AS _id, _row, {named} FROM ("
                                 f"SELECT {_line_number(parts, part_checks, skipped)} AS _row, * FROM {source})",
                            work, in_memory, parquet_options)
        not_blank = " OR ".join(quote_identifier(i) + " IS NOT NULL" for i in ids)
        last_row, last_id, records, row_count = con.execute(
            f"SELECT max(_row), max(_id), count(*), count(*) FILTER (WHERE {not_blank}) "
            f"FROM {textstage.NAME}").fetchone()
        _check_records(part_checks, multiline, numbered, records, last_row, lines, skipped)
        if row_count != last_id:  # blank rows, empty lines awk left out or fields spanning lines
            textstage.renumber(con, not_blank, work, in_memory, parquet_options)
    except duckdb.Error as exc:
        if "Expected Number of Columns" in str(exc) and awk and not uneven:
            raise UnevenRows(str(exc).splitlines()[0]) from exc
        raise NotRegular(str(exc).splitlines()[0]) from exc
    progress("read", row_count, row_count)
    warnings = list(plan.warnings)
    if tail.notes:
        first_tail_line = first_data_line + lines
        note_rows = [first_tail_line + i for i, is_note in enumerate(tail.lines_after_cut) if is_note]
        warnings.append(Problem("footnote_rows_skipped", {"count": tail.notes}, rows=note_rows))
    if short[0]:
        warnings.append(Problem("short_rows", {"count": short[0]}, rows=short[1]))
    table = FastTable(names=plan.names, header_rownums=plan.header_rownums, row_count=row_count, warnings=warnings)
    return table, keep, ids
