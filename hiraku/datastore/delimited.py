"""CSV / TSV / TXT reading: dialect sniffing and streaming rows with line numbers."""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .errors import IngestError

DELIMITERS = (",", "\t", ";", "|")
SNIFF_CHARS = 64 * 1024
FIELD_SIZE_LIMIT = 16 * 1024 * 1024

if csv.field_size_limit() < FIELD_SIZE_LIMIT:
    csv.field_size_limit(FIELD_SIZE_LIMIT)


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    quotechar: str = '"'

    @property
    def label(self) -> str:
        return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[self.delimiter]


def sniff_dialect(sample: str, prefer: str | None = None) -> Dialect:
    """The delimiter that splits the sample into the most consistent, widest rows."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end mid-record
    text = "".join(lines)
    best, best_score = prefer or ",", -1.0
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(text.splitlines(), delimiter=delim) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (freq / len(counts)) * math.log(mode)
        if delim == prefer:
            score *= 1.05
        if score > best_score:
            best, best_score = delim, score
    return Dialect(best)


def read_sample(path: Path, encoding: str, size: int = SNIFF_CHARS) -> str:
    with path.open("r", encoding=encoding, errors="strict", newline="") as fh:
        return fh.read(size)


def iter_rows(path: Path, encoding: str, dialect: Dialect) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the record starts, fields) for every record."""
    with path.open("r", encoding=encoding, errors="strict", newline="") as fh:
        reader = csv.reader(fh, delimiter=dialect.delimiter, quotechar=dialect.quotechar, strict=True)
        start = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    raise IngestError("truncated", row=start, what=_("a quoted field")) from exc
                raise IngestError("malformed_csv", row=reader.line_num, detail=str(exc)) from exc
            if row and row[-1].endswith("\x1a"):  # DOS end-of-file marker
                row[-1] = row[-1].rstrip("\x1a")
            yield start, row
            start = reader.line_num + 1
