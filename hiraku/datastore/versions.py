"""Row-level change summary between two versions of a resource's table.

Rows are matched by a key: the table's primary key when it has one, else
the first column (in order) whose values are present and unique in both
versions — municipal tables nearly always start with such an ID. Without a
key, rows are compared as whole rows, so a changed row counts as one removed
and one added. ``_id`` is never the key: it is only a row number.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import duckdb

from . import store
from .query import quote_identifier

CHANGES_SUFFIX = ".changes.json"


def _connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:", config={"autoinstall_known_extensions": "false",
                                              "autoload_known_extensions": "false", "threads": "2",
                                              "memory_limit": "512MB"})


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _columns(con, view: str) -> list[str]:
    return [row[0] for row in con.execute(f"SELECT column_name FROM (DESCRIBE {view})").fetchall()
            if row[0] != "_id"]


def _is_unique_key(con, column: str) -> bool:
    q = quote_identifier(column)
    for view in ("old", "new"):
        total, distinct, nulls = con.execute(
            f"SELECT count(*), count(DISTINCT {q}), count(*) - count({q}) FROM {view}").fetchone()
        if nulls or distinct != total:
            return False
    return True


def summarize(old_parquet: Path, new_parquet: Path, primary_key: list[str] | None = None) -> dict:
    """{"key", "added", "removed", "changed", "unchanged", "columns_added", "columns_removed"}."""
    with _connect() as con:
        con.execute(f"CREATE VIEW old AS SELECT * FROM read_parquet({_literal(old_parquet)})")
        con.execute(f"CREATE VIEW new AS SELECT * FROM read_parquet({_literal(new_parquet)})")
        old_cols, new_cols = _columns(con, "old"), _columns(con, "new")
        shared = [c for c in new_cols if c in old_cols]
        summary = {"columns_added": [c for c in new_cols if c not in old_cols],
                   "columns_removed": [c for c in old_cols if c not in new_cols]}
        if not shared:
            old_n = con.execute("SELECT count(*) FROM old").fetchone()[0]
            new_n = con.execute("SELECT count(*) FROM new").fetchone()[0]
            return {**summary, "key": None, "added": new_n, "removed": old_n, "changed": 0, "unchanged": 0}
        key = [c for c in (primary_key or []) if c in shared] or next(
            ([c] for c in shared if _is_unique_key(con, c)), [])
        cols = ", ".join(quote_identifier(c) for c in shared)
        if key:
            on = " AND ".join(f"o.{quote_identifier(k)} = n.{quote_identifier(k)}" for k in key)
            differs = " OR ".join(f"o.{quote_identifier(c)} IS DISTINCT FROM n.{quote_identifier(c)}"
                                  for c in shared if c not in key) or "false"
            added, removed, changed, unchanged = con.execute(f"""
                SELECT count(*) FILTER (WHERE o.__present IS NULL),
                       count(*) FILTER (WHERE n.__present IS NULL),
                       count(*) FILTER (WHERE o.__present AND n.__present AND ({differs})),
                       count(*) FILTER (WHERE o.__present AND n.__present AND NOT ({differs}))
                FROM (SELECT *, true AS __present FROM old) o
                FULL OUTER JOIN (SELECT *, true AS __present FROM new) n ON {on}
            """).fetchone()
        else:
            added = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM new EXCEPT ALL SELECT {cols} FROM old)"
                                ).fetchone()[0]
            removed = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM old EXCEPT ALL SELECT {cols} FROM new)"
                                  ).fetchone()[0]
            new_n = con.execute("SELECT count(*) FROM new").fetchone()[0]
            changed, unchanged = 0, new_n - added
    return {**summary, "key": key or None, "added": added, "removed": removed, "changed": changed,
            "unchanged": unchanged}


def record_changes(directory: Path, version: int, primary_key: list[str] | None = None) -> dict | None:
    """Compare ``version`` with the version before it and keep the summary beside it."""
    earlier = [v for v in store.versions(directory) if v < version]
    if not earlier:
        return None
    old = store.table_file_name(earlier[-1], 0)
    new = store.table_file_name(version, 0)
    summary = {"from_version": earlier[-1], **summarize(directory / old, directory / new, primary_key)}
    fd, tmp = tempfile.mkstemp(prefix=f".v{version}.", suffix=".tmp", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(summary, fh, ensure_ascii=False)
    os.replace(tmp, directory / f"v{version}{CHANGES_SUFFIX}")
    return summary


def history(directory: Path) -> list[dict]:
    """Every published version, newest first, with its row count and change summary."""
    entries = []
    for version in reversed(store.versions(directory)):
        sidecar = json.loads((directory / f"v{version}.json").read_text(encoding="utf-8"))
        changes_file = directory / f"v{version}{CHANGES_SUFFIX}"
        changes = json.loads(changes_file.read_text(encoding="utf-8")) if changes_file.exists() else None
        published = (directory / f"v{version}.json").stat().st_mtime
        tables = sidecar.get("tables") or [{}]
        entries.append({"version": version, "row_count": tables[0].get("row_count"), "published": published,
                        "sha256": sidecar.get("sha256"), "changes": changes})
    return entries
