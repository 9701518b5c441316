"""Where a table's cells wait as text between reading and typing.

Typing reads the text a few times and the typed write once more. A table
that fits DuckDB's memory comfortably is loaded into an in-memory table,
which costs one pass; a larger one is written to a Parquet file in the
staging directory and read from there, which streams with bounded memory
(for three million rows as fast as a table spilling past the memory limit,
with a peak RSS 250 MB lower). Either way the text is one
relation named ``NAME`` with ``_id``, ``_row`` and one text column per
table column.
"""

from __future__ import annotations

from pathlib import Path

from .typesql import literal

NAME = "hk_text"
# UTF-8 bytes of rows loaded into memory at most: such a table takes about one
# and a half times its text in DuckDB, which must fit its memory limit
# (ingest.DUCKDB_MEMORY_LIMIT) with room for the typed write.
MEMORY_TEXT_BYTES = 360 << 20


def drop(con) -> None:
    """Remove the staged text, whichever form it took."""
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?", [NAME]).fetchone()
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} {NAME}")


def view(con, select_sql: str) -> None:
    """Stage the rows of ``select_sql`` without copying them (it reads files that stay until the table is typed)."""
    drop(con)
    con.execute(f"CREATE TEMP VIEW {NAME} AS {select_sql}")


def stage(con, select_sql: str, work: Path, in_memory: bool, parquet_options: str) -> None:
    """Stage the rows of ``select_sql``, which may read the staged text itself (to renumber it)."""
    if in_memory:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {NAME}__new AS {select_sql}")
        drop(con)
        con.execute(f"ALTER TABLE {NAME}__new RENAME TO {NAME}")
        return
    existing = sorted(work.glob(f"{NAME}-*.parquet"))
    path = work / f"{NAME}-{len(existing)}.parquet"
    con.execute(f"COPY ({select_sql}) TO {literal(str(path))} ({parquet_options})")
    view(con, f"SELECT * FROM read_parquet({literal(str(path))})")


def renumber(con, keep_sql: str, work: Path, in_memory: bool, parquet_options: str) -> None:
    """Keep the rows where ``keep_sql`` holds and number them 1..n again as ``_id``, in line order (``_row``).

    Only the two number columns are sorted: sorting the whole text would take
    seconds per million rows. An in-memory table is updated in place; staged
    Parquet is written again, joined with the new numbers.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {NAME}_ids AS "
                f"SELECT _row, row_number() OVER (ORDER BY _row) AS _id FROM {NAME} WHERE {keep_sql}")
    if in_memory:
        con.execute(f"DELETE FROM {NAME} WHERE NOT ({keep_sql})")
        con.execute(f"UPDATE {NAME} SET _id = ids._id FROM {NAME}_ids AS ids WHERE {NAME}._row = ids._row")
    else:
        stage(con, f"SELECT ids._id, t.* EXCLUDE (_id) FROM {NAME} AS t JOIN {NAME}_ids AS ids USING (_row)",
              work, in_memory, parquet_options)
    con.execute(f"DROP TABLE {NAME}_ids")
