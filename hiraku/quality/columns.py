"""Vectorised column tests: RE2 regular expressions over Arrow string arrays.

Cells are checked a column at a time. A regular expression that accepts the
values that are certainly fine runs over the whole column in C++ (Arrow's
RE2 kernels); only the cells it does not accept reach Python, and those are
examined once per distinct value. A clean 100,000-row column therefore costs
one regex pass, not 100,000 Python calls.

Patterns here use RE2 syntax (``\\x{3000}``, no look-around).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

NONBLANK_RE2 = r"[^\s\x{3000}]"


def to_array(values: Iterable[str | None]) -> pa.StringArray:
    return pa.array(values if isinstance(values, list | tuple) else list(values), type=pa.string())


def matches(arr: pa.Array, pattern: str) -> pa.BooleanArray:
    """True where the value contains a match of ``pattern`` (anchor with ^…$ for a full match); nulls → False."""
    found = pc.match_substring_regex(arr, pattern)
    return pc.fill_null(found, False) if found.null_count else found


def nonblank(arr: pa.Array) -> pa.BooleanArray:
    """True where the cell holds more than whitespace (the ideographic space counts as whitespace)."""
    empty = pc.or_(pc.equal(arr, ""), pc.utf8_is_space(arr))
    return pc.fill_null(pc.invert(empty), False)


def indices(mask: pa.BooleanArray) -> list[int]:
    return pc.indices_nonzero(mask).to_pylist()


def count(mask: pa.BooleanArray) -> int:
    return pc.sum(mask).as_py() or 0


def and_not(a: pa.BooleanArray, b: pa.BooleanArray) -> pa.BooleanArray:
    return pc.and_(a, pc.invert(b))


@dataclass
class Hit:
    index: int  # position in the batch
    value: str
    issue: Any


def examine(arr: pa.Array, candidates: pa.BooleanArray, judge: Callable[[str], Any],
            cache: dict[str, Any] | None = None) -> list[Hit]:
    """Run ``judge`` once per distinct candidate value; return the cells whose judgement is not None."""
    if cache is None:
        cache = {}
    positions = indices(candidates)
    if not positions:
        return []
    values = arr.take(pa.array(positions, type=pa.int64())).to_pylist()
    hits = []
    for position, value in zip(positions, values, strict=True):
        try:
            issue = cache[value]
        except KeyError:
            issue = cache[value] = judge(value)
        if issue is not None:
            hits.append(Hit(position, value, issue))
    return hits


# -- whole-column tests on the joined text ---------------------------------------------------------------
#
# Matching cell by cell costs Arrow's RE2 kernel ~150–550 ns per cell whatever the pattern; one search
# over the column's cells joined by line breaks costs ~1 ns per byte. A column that is entirely
# fine (the usual case) is therefore settled by one joined search, and only a column with a hit is
# matched cell by cell to find where.

JOIN_LIMIT = 64 << 20  # bytes; larger batches (huge cells) are matched cell by cell


def joined(values: pa.Array, separator: str = "\n") -> pa.Scalar | None:
    """The non-null ``values`` joined by ``separator`` as one string (None when too large)."""
    if values.nbytes > JOIN_LIMIT or values.null_count:
        return None
    offsets = pa.array([0, len(values)], pa.int32())
    return pc.binary_join(pa.ListArray.from_arrays(offsets, values), separator)


def all_match(values: pa.Array, body: str) -> bool:
    """True when every value fully matches the RE2 ``body`` (False: some may not; check cell by cell).

    The body must not match a line feed, so a cell holding one cannot pass for two valid cells.
    """
    if not len(values):
        return True
    text = joined(values)
    if text is None:
        return False
    return bool(pc.match_substring_regex(text, f"^(?:{body})(?:\n(?:{body}))*$")[0].as_py())


def none_match(values: pa.Array, joined_pattern: str) -> bool:
    """True when no cell matches; ``joined_pattern`` sees the cells joined by NUL (a cell starts after
    ``(?:^|\x00)`` and ends before ``(?:\x00|$)``)."""
    if not len(values):
        return True
    text = joined(values, "\x00")
    if text is None:
        return False
    return not pc.match_substring_regex(text, joined_pattern)[0].as_py()


def body(pattern: str) -> str | None:
    """The unanchored body of a ``^…$`` (or ``^a$|^b$``) pattern, for :func:`all_match`."""
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[1:-1].replace("$|^", "|")
    return None


def as_float(arr: pa.Array, valid: pa.BooleanArray) -> pa.DoubleArray:
    """The values where ``valid`` holds, as float64 (null elsewhere)."""
    kept = pc.if_else(valid, arr, pa.scalar(None, pa.string()))
    return pc.cast(kept, pa.float64())
