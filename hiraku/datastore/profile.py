"""Column profiles of an ingested table: what each column holds, at a glance.

``profile_table(parquet_path)`` answers, per column, its type, how many cells
are filled and empty, how many distinct values there are, the range and mean
of numbers (the range of dates and times too) and the five most frequent
values with their counts. It takes three DuckDB statements whatever the
number of columns, and the answer is cached as JSON beside the table version
(``v<N>.profile.json`` next to ``v<N>.parquet``): a published version never
changes, so neither does its profile.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .query import open_table, quote_identifier, run
from .search import ckan_type, json_value

# Bump when the shape of a profile changes: older cache files are then recomputed.
PROFILE_FORMAT = 1
TOP_VALUES = 5
NUMERIC_TYPES = ("int", "numeric")
RANGE_TYPES = ("int", "numeric", "date", "timestamp", "time")
SYSTEM_COLUMNS = ("_id",)


def cache_path(parquet_path: str | Path) -> Path:
    """Where the profile of ``v1.parquet`` (or ``v1.t2.parquet``) is kept: ``v1.profile.json``."""
    path = Path(parquet_path)
    stem = path.name[: -len(".parquet")] if path.name.endswith(".parquet") else path.name
    return path.with_name(f"{stem}.profile.json")


def profile_table(parquet_path: str | Path, use_cache: bool = True) -> list[dict[str, Any]]:
    """One dict per column (system columns left out), in table order::

        {"id", "type" (CKAN type), "native_type" (DuckDB), "count" (filled cells),
         "nulls", "distinct", "min", "max", "mean", "top": [{"value", "count"}, ...]}

    ``min``/``max`` are set for numbers, dates and times, ``mean`` for numbers;
    otherwise they are None. Values are JSON-ready (numbers, ISO 8601 strings).
    """
    cached = cache_path(parquet_path)
    if use_cache:
        try:
            stored = json.loads(cached.read_text(encoding="utf-8"))
            if stored.get("format") == PROFILE_FORMAT:
                return stored["columns"]
        except (OSError, ValueError, KeyError, AttributeError):
            pass
    columns = compute_profile(parquet_path)
    if use_cache:
        _write_atomically(cached, {"format": PROFILE_FORMAT, "columns": columns})
    return columns


def compute_profile(parquet_path: str | Path) -> list[dict[str, Any]]:
    with open_table(parquet_path) as con:
        described = run(con, "SELECT column_name, column_type FROM (DESCRIBE data)")[1]
        columns = [(name, native, ckan_type(native)) for name, native in described if name not in SYSTEM_COLUMNS]
        if not columns:
            return []
        stats = _stats(con, columns)
        tops = _top_values(con, columns)
    out = []
    for (name, native, kind), stat, top in zip(columns, stats, tops, strict=True):
        out.append({"id": name, "type": kind, "native_type": native, **stat, "top": top})
    return out


def _stats(con, columns: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """count, nulls, distinct, min, max and mean of every column in one scan."""
    parts = ["count(*)"]
    for name, _native, kind in columns:
        q = quote_identifier(name)
        parts += [f"count({q})", f"count(DISTINCT {q})"]
        if kind in RANGE_TYPES:
            parts += [f"min({q})", f"max({q})"]
        if kind in NUMERIC_TYPES:
            parts.append(f"avg({q})")
    row = run(con, f"SELECT {', '.join(parts)} FROM data")[1][0]
    total, position = row[0], 1
    out = []
    for _name, _native, kind in columns:
        filled, distinct = row[position], row[position + 1]
        position += 2
        low = high = mean = None
        if kind in RANGE_TYPES:
            low, high = json_value(row[position]), json_value(row[position + 1])
            position += 2
        if kind in NUMERIC_TYPES:
            mean = row[position]
            position += 1
        out.append({"count": filled, "nulls": total - filled, "distinct": distinct,
                    "min": low, "max": high, "mean": mean})
    return out


def _top_values(con, columns: list[tuple[str, str, str]]) -> list[list[dict[str, Any]]]:
    """The most frequent filled values of every column (ties in value order), in one statement."""
    parts = []
    for name, _native, _kind in columns:
        q = quote_identifier(name)
        parts.append(
            f"(SELECT list(struct_pack(v := v, n := n) ORDER BY n DESC, v) FROM "
            f"(SELECT {q} AS v, count(*) AS n FROM data WHERE {q} IS NOT NULL GROUP BY {q} "
            f"ORDER BY n DESC, v LIMIT {TOP_VALUES}))"
        )
    row = run(con, f"SELECT {', '.join(parts)}")[1][0]
    return [[{"value": json_value(item["v"]), "count": item["n"]} for item in (entries or [])] for entries in row]


def _write_atomically(target: Path, document: dict) -> None:
    """Write to a temporary file in the same directory, then rename over the target."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError:
        return  # a read-only data directory still answers, it just cannot cache
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(document, fh, ensure_ascii=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
