"""Streaming rows out of .xls and .ods workbooks with python-calamine.

Offers the same :class:`~hiraku.datastore.xlsx.SheetSource` per worksheet as
``xlsx.open_sheets``, so title rows, headers and types are handled exactly as
for .xlsx. Cell values become the same canonical text (``xlsx.cell_text``);
calamine already turns serial dates in date-formatted cells into dates.
Horizontally merged cells are filled from their first cell, so a group
header spanning several columns labels each of them: calamine reports the
merged ranges of .xls; for .ods they are read from content.xml.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from . import errors
from .errors import IngestError
from .xlsx import OLE_MAGIC, SheetSource, cell_text, check_expansion, fill_merged

FORMATS = {"xls": "XLS", "ods": "ODS"}

# This reader's own problem, next to the shared ones in errors.MESSAGES.
errors.MESSAGES.setdefault(
    "corrupt_workbook", _("The file is damaged or is not a valid %(format)s spreadsheet."))


def _check_container(path: Path, fmt: str) -> None:
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise IngestError("empty_file")
    if fmt == "xls" and not head.startswith(OLE_MAGIC):
        raise IngestError("corrupt_workbook", format=FORMATS[fmt])
    if fmt == "ods":
        if not zipfile.is_zipfile(path):
            raise IngestError("corrupt_workbook", format=FORMATS[fmt])
        check_expansion(path)  # an .ods is a zip archive too: refuse zip bombs before reading


def open_sheets(path: Path, fmt: str) -> Iterator[SheetSource]:
    """Yield one :class:`SheetSource` per worksheet of an .xls or .ods file."""
    import python_calamine as calamine

    _check_container(path, fmt)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise IngestError("encrypted_xlsx") from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise IngestError("corrupt_workbook", format=FORMATS[fmt]) from exc
    ods_merges = _ods_merged_ranges(path, fmt) if fmt == "ods" else {}
    try:
        for name in workbook.sheet_names:
            try:
                sheet = workbook.get_sheet_by_name(name)
            except (calamine.CalamineError, ValueError) as exc:
                raise IngestError("corrupt_workbook", sheet=name, format=FORMATS[fmt]) from exc
            if fmt == "ods":
                merges = ods_merges.get(name, [])
            else:
                merges = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
            yield SheetSource(name=name, rows=fill_merged(_rows(sheet), merges),
                              merged_rows={r1 for r1, c1, r2, c2 in merges if c2 > c1})
    finally:
        workbook.close()


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_merged_ranges(path: Path, fmt: str) -> dict[str, list[tuple[int, int, int, int]]]:
    """(first row, first column, last row, last column) of every spanned cell, per sheet, 1-based."""
    from xml.etree.ElementTree import ParseError, iterparse

    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    cells = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            ranges: list[tuple[int, int, int, int]] = []
            row = column = 0
            for event, element in iterparse(content, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == _TABLE + "table":
                        ranges = merges.setdefault(element.get(_TABLE + "name", ""), [])
                        row = 0
                    elif tag == _TABLE + "table-row":
                        column = 0
                    elif tag in cells:
                        across = int(element.get(_TABLE + "number-columns-spanned", "1"))
                        down = int(element.get(_TABLE + "number-rows-spanned", "1"))
                        if across > 1 or down > 1:
                            ranges.append((row + 1, column + 1, row + down, column + across))
                        column += int(element.get(_TABLE + "number-columns-repeated", "1"))
                else:
                    if tag == _TABLE + "table-row":
                        row += int(element.get(_TABLE + "number-rows-repeated", "1"))
                    if tag == _TABLE + "table-row" or tag in cells:
                        element.clear()  # keep memory flat on large sheets
    except (KeyError, ParseError, ValueError, zipfile.BadZipFile) as exc:
        raise IngestError("corrupt_workbook", format=FORMATS[fmt]) from exc
    return merges


def _rows(sheet) -> Iterator[tuple[int, list[str | None]]]:
    """(sheet row number, cells as text) from the sheet's first used row and column A."""
    start = sheet.start
    if start is None:
        return
    first_row, first_column = start
    padding = [None] * first_column
    for offset, values in enumerate(sheet.iter_rows()):
        # calamine gives empty cells as ''.
        yield first_row + offset + 1, padding + [None if v == "" else cell_text(v) for v in values]
