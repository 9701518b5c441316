"""Rows of one table, read in Python: header planning and staging as text Parquet.

Worksheets, and delimited files the fast reader (``fastcsv``) does not take,
arrive here as ``(row number, cells)``. The first rows decide title rows and
the header (:func:`plan_head`); the data rows are written as text to a raw
Parquet file (``_id``, ``_row``, ``c0`` … ``cN``) in batches, so memory stays
flat. Types are not decided here: the same SQL (``typesql``) types the raw
text of both paths.

Blank rows are dropped; note rows below a table (a single filled cell in a
wide table) are recognised and skipped; rows with more values than the header
are reported with their row numbers, rows with fewer are padded and reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from . import header
from . import values as V
from .errors import IngestError, Problem

MAX_COLUMNS = 1000
BATCH_ROWS = 20_000
MAX_REPORTED_ROWS = 1000
FOOTNOTE_BUFFER = 50


def trim(row: list[str | None]) -> list[str | None]:
    """The row without its trailing blank cells."""
    end = len(row)
    while end and V.is_blank(row[end - 1]):
        end -= 1
    return row[:end]


def is_note_row(row: list[str | None], ncols: int) -> bool:
    """A single filled first cell in a table of three or more columns: a note, not data."""
    return ncols >= 3 and header.width(row) == 1 and not V.is_blank(row[0])


@dataclass
class HeadPlan:
    """Where a table's data starts and what its columns are called."""

    names: list[str]
    header_rownums: list[int]
    data_start: int  # position of the first data row in the head list
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ncols(self) -> int:
        return len(self.names)


def read_head(rows: Iterator[tuple[int, list[str | None]]], sheet: str | None,
              raw_lengths: dict[int, int]) -> list[tuple[int, list[str | None]]]:
    """The first ``header.HEAD_ROWS`` non-blank rows; ``raw_lengths`` gets their untrimmed lengths."""
    head = []
    for rownum, row in nonblank(rows, sheet, raw_lengths):
        head.append((rownum, row))
        if len(head) >= header.HEAD_ROWS:
            break
    return head


def nonblank(rows: Iterable[tuple[int, list[str | None]]], sheet: str | None,
             raw_lengths: dict[int, int]) -> Iterator[tuple[int, list[str | None]]]:
    for rownum, raw in rows:
        row = trim(raw)
        if not row:
            continue
        if len(row) > MAX_COLUMNS:
            raise IngestError("too_many_columns", sheet=sheet, row=rownum, count=len(row), limit=MAX_COLUMNS)
        raw_lengths[rownum] = len(raw)
        yield rownum, row


def plan_head(head: list[tuple[int, list[str | None]]], sheet: str | None, raw_lengths: dict[int, int],
              merged_rows: set[int] | None = None) -> HeadPlan:
    merged = merged_rows or set()
    merged_positions = {i for i, (rownum, _) in enumerate(head) if rownum in merged}
    info = header.detect_header([r for _, r in head], merged_below=merged_positions)
    warnings = []
    if info.title_rows:
        warnings.append(Problem("title_rows_skipped", {"count": len(info.title_rows)}, sheet=sheet,
                                rows=[head[i][0] for i in info.title_rows]))
    if not info.has_header:
        warnings.append(Problem("no_header", sheet=sheet))
    names = info.names
    if sheet is None and info.has_header:
        # In delimited text the header's own field count defines the columns;
        # values beyond it are ragged rows, not new columns.
        declared = max(raw_lengths.get(head[i][0], 0) for i in info.header_rows)
        width = max(declared, max(len(head[i][1]) for i in info.header_rows))
        names = (names + [""] * width)[:width]
    return HeadPlan(names=names, header_rownums=[head[i][0] for i in info.header_rows],
                    data_start=info.data_start, warnings=warnings)


class RawTableWriter:
    """Writes the data rows of one table as text to a raw Parquet file."""

    def __init__(self, path: Path, plan: HeadPlan, sheet: str | None, raw_lengths: dict[int, int],
                 progress: Callable[[int], None] | None = None):
        self.path = path
        self.ncols = plan.ncols
        self.sheet = sheet
        self.raw_lengths = raw_lengths
        self.progress = progress
        self.warnings: list[Problem] = []
        self.ragged: list[int] = []
        self.short: list[int] = []
        self.ragged_count = 0
        self.short_count = 0
        self.row_count = 0
        self.schema = pa.schema([("_id", pa.int64()), ("_row", pa.int64())]
                                + [(f"c{i}", pa.string()) for i in range(self.ncols)])
        self.batch_rows: list[int] = []
        self.batch_cols: list[list[str | None]] = [[] for _ in range(self.ncols)]

    def write(self, rows: Iterable[tuple[int, list[str | None]]]) -> None:
        footnotes: list[tuple[int, list[str | None]]] = []
        with pq.ParquetWriter(self.path, self.schema, compression="lz4") as writer:
            self.writer = writer
            for rownum, row in rows:
                if is_note_row(row, self.ncols):
                    footnotes.append((rownum, row))
                    if len(footnotes) > FOOTNOTE_BUFFER:
                        for item in footnotes:
                            self._add(*item)
                        footnotes.clear()
                    continue
                for item in footnotes:
                    self._add(*item)
                footnotes.clear()
                self._add(rownum, row)
            self._flush()
        if footnotes:
            self.warnings.append(Problem("footnote_rows_skipped", {"count": len(footnotes)}, sheet=self.sheet,
                                         rows=[r for r, _ in footnotes]))
        if self.ragged_count:
            raise IngestError("ragged_rows", sheet=self.sheet, rows=self.ragged, count=self.ragged_count,
                              expected=self.ncols)
        if self.short_count:
            self.warnings.append(Problem("short_rows", {"count": self.short_count}, sheet=self.sheet,
                                         rows=self.short))

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
        for c, column in enumerate(self.batch_cols):
            value = row[c] if c < n else None
            column.append(None if value is None or not value.strip() else value)
        if len(self.batch_rows) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.batch_rows:
            return
        n = len(self.batch_rows)
        ids = pa.array(range(self.row_count + 1, self.row_count + n + 1), pa.int64())
        arrays = [ids, pa.array(self.batch_rows, pa.int64())] + [pa.array(c, pa.string()) for c in self.batch_cols]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.row_count += n
        self.batch_rows = []
        self.batch_cols = [[] for _ in range(self.ncols)]
        if self.progress:
            self.progress(self.row_count)
