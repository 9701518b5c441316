"""Querying ingested Parquet tables with an in-process, locked-down DuckDB.

Each table gets its own in-memory DuckDB database that exposes the file as
the view ``data`` and then closes the door: only the resource's own directory
may be read, external access is disabled and the configuration is locked, so
even a query text that slipped past validation cannot read other files or
change settings. Starting a database costs about 7 ms, most of a small
request, so each process keeps the databases of the tables it read last and
hands every caller a cursor of its own (cursors may run in parallel threads).
A kept database is found by the file's path, size and modification time,
so a file replaced at the same path gets a new one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

DEFAULT_TIMEOUT = 10.0


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Databases kept per process, most recently used last: (path, size, mtime, view) → connection.
KEPT_DATABASES = 8
_kept: OrderedDict[tuple, duckdb.DuckDBPyConnection] = OrderedDict()
_kept_lock = threading.Lock()


def _locked_database(path: Path, view: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": "false",
            "autoload_known_extensions": "false",
            "threads": "2",
            "memory_limit": "512MB",
        },
    )
    try:
        con.execute(f"SET allowed_directories=[{_literal(str(path.parent) + '/')}]")
        con.execute("SET enable_external_access=false")
        con.execute(f"CREATE VIEW {quote_identifier(view)} AS SELECT * FROM read_parquet({_literal(str(path))})")
        con.execute("SET lock_configuration=true")
    except BaseException:
        con.close()
        raise
    return con


def _database(path: Path, view: str) -> duckdb.DuckDBPyConnection:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise duckdb.IOException(f"No files found that match the pattern \"{path}\"") from None
    key = (str(path), stat.st_size, stat.st_mtime_ns, view)
    with _kept_lock:
        con = _kept.get(key)
        if con is not None:
            _kept.move_to_end(key)
            return con
    con = _locked_database(path, view)
    with _kept_lock:
        if key in _kept:  # another thread opened it meanwhile
            con.close()
            return _kept[key]
        _kept[key] = con
        while len(_kept) > KEPT_DATABASES:
            # Dropped, not closed: closing would close the cursors other threads still use;
            # the database goes when its last cursor does.
            _kept.popitem(last=False)
    return con


@contextmanager
def open_table(parquet_path: str | Path, view: str = "data"):
    """A cursor on a locked-down database with ``view`` over ``parquet_path``."""
    cursor = _database(Path(parquet_path).resolve(), view).cursor()
    try:
        yield cursor
    finally:
        cursor.close()


@contextmanager
def time_limit(con, timeout: float = DEFAULT_TIMEOUT):
    """Interrupt what ``con`` runs once ``timeout`` seconds have passed (DuckDB then raises InterruptException)."""
    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def run(con, sql: str, params: list[Any] | None = None, timeout: float = DEFAULT_TIMEOUT):
    """Execute with a statement timeout; returns (column names, rows)."""
    with time_limit(con, timeout):
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return names, cursor.fetchall()


def column_types(parquet_path: str | Path) -> dict[str, str]:
    """DuckDB type of every column, e.g. {'_id': 'BIGINT', '緯度': 'DECIMAL(9,6)'}."""
    with open_table(parquet_path) as con:
        _, rows = run(con, "SELECT column_name, column_type FROM (DESCRIBE data)")
    return dict(rows)


def fetch_rows(parquet_path: str | Path, limit: int = 100, offset: int = 0,
               columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows in ``_id`` order as dictionaries (the preview / datastore_search shape)."""
    select = ", ".join(quote_identifier(c) for c in columns) if columns else "*"
    with open_table(parquet_path) as con:
        names, rows = run(con, f"SELECT {select} FROM data ORDER BY _id LIMIT ? OFFSET ?",
                          [int(limit), int(offset)])
    return [dict(zip(names, r, strict=True)) for r in rows]
