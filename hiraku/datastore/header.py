"""Finding the header of a table that may have title rows and multi-row headers.

Municipal spreadsheets often start with a title ("高松市の人口 令和5年4月1日現在"),
a unit note, then one or more header rows (a group row above the column
names), then the data. Given the first rows of a table as text, this module
decides which rows are titles, which form the header and where data starts.

The reasoning:

- a *wide* row is one filled in at least half as many cells as the widest
  row; title and unit rows are narrow, so the first wide row opens the header;
- the *body profile* marks columns whose data values are mostly numbers or
  dates; a header cell in such a column is text, a data cell is not;
- rows right under the first header row continue the header while they hold
  text (and no numbers) in those typed columns, up to ``MAX_HEADER_ROWS``;
- when the first wide row already holds numbers in typed columns the table
  has no header at all.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from . import values as V

MAX_HEADER_ROWS = 3
HEAD_ROWS = 40

_SPACE_RE = re.compile(r"\s+")


@dataclass
class HeaderInfo:
    names: list[str]  # joined header text per column ('' where none)
    header_rows: list[int]  # positions (in the head list) of the header rows
    data_start: int  # position of the first data row in the head list
    title_rows: list[int] = field(default_factory=list)
    has_header: bool = True


def width(row: list[str | None]) -> int:
    return sum(1 for v in row if not V.is_blank(v))


def _is_numeric_like(value: str) -> bool:
    n = V.normalize(value)
    if n in V.NULL_MARKERS:
        return False
    return V.classify(n) in (V.INTEGER, V.DECIMAL, V.DATE, V.DATETIME, V.TIME)


def clean_header(text: str | None) -> str:
    """Header text as written (only trimmed); identifiers are normalised separately."""
    if text is None:
        return ""
    return str(text).strip()


def detect_header(rows: list[list[str | None]], merged_below: set[int] | None = None) -> HeaderInfo:
    """Analyse ``rows`` (non-blank rows from the top of a table, as text).

    ``merged_below`` lists positions of rows that contain horizontally merged
    cells (a strong sign of a group header with sub-headers below it).
    """
    if not rows:
        return HeaderInfo(names=[], header_rows=[], data_start=0, has_header=False)
    widths = [width(r) for r in rows]
    widest = max(widths)
    threshold = max(1, math.ceil(widest / 2)) if widest < 2 else max(2, math.ceil(widest / 2))
    h0 = next(i for i, w in enumerate(widths) if w >= threshold)
    ncols = max(len(r) for r in rows)

    body = rows[h0 + 1:]
    # Profile the body below any header continuation rows.
    profile_rows = body[min(MAX_HEADER_ROWS, len(body) // 2):]
    typed_cols = set()
    for c in range(ncols):
        cells = [r[c] for r in profile_rows if c < len(r) and not V.is_blank(r[c])
                 and V.normalize(r[c]) not in V.NULL_MARKERS]
        if cells and sum(_is_numeric_like(v) for v in cells) >= 0.8 * len(cells):
            typed_cols.add(c)

    def looks_like_header(row: list[str | None]) -> bool:
        text = numeric = 0
        for c in typed_cols:
            if c < len(row) and not V.is_blank(row[c]) and V.normalize(row[c]) not in V.NULL_MARKERS:
                if _is_numeric_like(row[c]):
                    numeric += 1
                else:
                    text += 1
        return numeric == 0 and text > 0

    first = rows[h0]
    if typed_cols and not looks_like_header(first):
        first_numeric = sum(1 for c in typed_cols if c < len(first) and not V.is_blank(first[c])
                            and _is_numeric_like(first[c]))
        if first_numeric:
            names = [""] * ncols
            return HeaderInfo(names=names, header_rows=[], data_start=h0,
                              title_rows=list(range(h0)), has_header=False)

    header_rows = [h0]
    merged_below = merged_below or set()
    r = h0 + 1
    while r < len(rows) and len(header_rows) < MAX_HEADER_ROWS:
        row = rows[r]
        if typed_cols and looks_like_header(row):
            header_rows.append(r)
        elif (header_rows[-1] in merged_below and widths[r] >= threshold
              and not any(_is_numeric_like(v) for v in row if not V.is_blank(v))):
            header_rows.append(r)
        else:
            break
        r += 1

    names = []
    for c in range(ncols):
        parts: list[str] = []
        for h in header_rows:
            part = clean_header(rows[h][c] if c < len(rows[h]) else None)
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        names.append(" / ".join(parts))
    return HeaderInfo(names=names, header_rows=header_rows, data_start=header_rows[-1] + 1,
                      title_rows=list(range(h0)))


def make_column_ids(names: list[str]) -> list[str]:
    """Unique, non-empty column identifiers from header texts.

    NFKC folds full-width letters and digits; identifiers are capped at 63
    characters (the PostgreSQL limit CKAN clients expect) and never start with
    '_' (reserved for system columns such as ``_id``).
    """
    ids: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names, start=1):
        base = unicodedata.normalize("NFKC", name)
        base = _SPACE_RE.sub(" ", base).strip().replace('"', "'")
        base = base.lstrip("_") or f"column_{i}"
        base = base[:63]
        candidate, n = base, 2
        while candidate.casefold() in seen:
            suffix = f"_{n}"
            candidate = base[: 63 - len(suffix)] + suffix
            n += 1
        seen.add(candidate.casefold())
        ids.append(candidate)
    return ids
