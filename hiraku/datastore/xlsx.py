"""Streaming rows out of .xlsx workbooks with openpyxl's read-only mode.

Every worksheet is offered as a candidate table; cell values come back as the
same canonical text a CSV would hold (dates as ISO strings, numbers without
exponent), so one pipeline handles both. Excel serial dates in date-formatted
cells are converted by openpyxl (both 1900 and 1904 epochs). Merged cells are
read from the sheet XML and their value copied into every covered cell, so a
group header spanning several columns labels each of them.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .errors import IngestError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
MAX_MERGED_CELLS = 200_000
# Real workbooks expand 5–20×; a spreadsheet of repeated cells may reach ~100×.
MAX_EXPANDED_BYTES = 4 << 30
MAX_EXPANSION_RATIO = 250
BOMB_MIN_BYTES = 64 << 20


@dataclass
class SheetSource:
    name: str
    rows: Iterator[tuple[int, list[str | None]]]
    merged_rows: set[int]  # sheet rows holding a horizontal merge


def cell_text(value) -> str | None:
    """Canonical text of a cell value (None for empty)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _check_container(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        # Encrypted OOXML is stored inside an OLE compound file.
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                if _ENCRYPTED_MARK in chunk:
                    raise IngestError("encrypted_xlsx")
        raise IngestError("unsupported_format", format="XLS")
    if not head:
        raise IngestError("empty_file")
    if not zipfile.is_zipfile(path):
        raise IngestError("corrupt_xlsx")
    check_expansion(path)


def check_expansion(path: Path) -> None:
    """Refuse zip bombs before anything is decompressed: the sizes in the zip directory are checked."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError("corrupt_xlsx") from exc
    total = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries) or 1
    if total > MAX_EXPANDED_BYTES or (total > BOMB_MIN_BYTES and total / packed > MAX_EXPANSION_RATIO):
        raise IngestError("zip_bomb", size=total // (1 << 20), ratio=int(total / packed))


def _merged_ranges(workbook, worksheet) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged range, read by a byte scan."""
    try:
        source = workbook._archive.open(worksheet._worksheet_path)
    except (AttributeError, KeyError):
        return []
    ranges = []
    tail = b""
    with source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            last = 0
            for m in _MERGE_RE.finditer(data):
                c1, r1, c2, r2 = m.groups()
                ranges.append((int(r1), _col_index(c1), int(r2), _col_index(c2)))
                last = m.end()
            tail = data[max(last, len(data) - 200):]
    return ranges


def open_sheets(path: Path) -> Iterator[SheetSource]:
    """Yield one :class:`SheetSource` per worksheet; errors become IngestError."""
    _check_container(path)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise IngestError("corrupt_xlsx") from exc
    try:
        for ws in workbook.worksheets:
            try:
                merges = _merged_ranges(workbook, ws)
            except (zipfile.BadZipFile, OSError) as exc:
                raise IngestError("corrupt_xlsx", sheet=ws.title) from exc
            yield SheetSource(
                name=ws.title,
                rows=_iter_sheet(ws, merges),
                merged_rows={r1 for r1, c1, r2, c2 in merges if c2 > c1},
            )
    finally:
        workbook.close()


def fill_merged(rows: Iterable[tuple[int, list[str | None]]],
                merges: list[tuple[int, int, int, int]]) -> Iterator[tuple[int, list[str | None]]]:
    """Copy the value of each merged range's first cell into the other cells it covers."""
    fill: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    anchor_keys: set[tuple[int, int]] = set()
    budget = MAX_MERGED_CELLS
    for r1, c1, r2, c2 in merges:
        size = (r2 - r1 + 1) * (c2 - c1 + 1)
        if size > budget:
            continue
        budget -= size
        anchor_keys.add((r1, c1))
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    fill.setdefault(r, []).append((c, (r1, c1)))
    anchors: dict[tuple[int, int], str | None] = {}
    for rownum, cells in rows:
        if anchor_keys:
            for c in range(1, len(cells) + 1):
                if (rownum, c) in anchor_keys:
                    anchors[(rownum, c)] = cells[c - 1]
            for c, anchor in fill.get(rownum, ()):
                if c > len(cells):
                    cells.extend([None] * (c - len(cells)))
                if cells[c - 1] is None:
                    cells[c - 1] = anchors.get(anchor)
        yield rownum, cells


def _iter_sheet(ws, merges) -> Iterator[tuple[int, list[str | None]]]:
    # Dimensions recorded in files are often wrong; rows come back at their real length.
    ws.reset_dimensions()

    def cells_as_text():
        try:
            for rownum, row in enumerate(ws.iter_rows(values_only=True), start=1):
                yield rownum, [cell_text(v) for v in row]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise IngestError("corrupt_xlsx", sheet=ws.title) from exc

    yield from fill_merged(cells_as_text(), merges)
