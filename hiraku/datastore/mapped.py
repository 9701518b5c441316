"""A memory-mapped Arrow copy of a published table, for ``datastore_search``'s everyday requests.

Parquet stays the stored form of a table. It is compact, but fetching a
hundred scattered rows from it decodes whole column chunks (about 80 ms at a
million rows), and every full-text search decodes every text column again.
Next to the current version of each table the ingestion job therefore writes
``v<N>.arrow``: the same rows in ``_id`` order, uncompressed Arrow IPC, plus
``__hiraku_text`` (a row's text columns joined by newlines and lower-cased)
and ``__hiraku_pos`` (the row's position). Web processes map the file, so its
pages are shared through the operating system's cache instead of copied into
each process. On it:

- equality filters and sorting run as Arrow compute kernels (a filter over a
  million rows takes about a millisecond, the top rows of a sort a few);
- full text runs one DuckDB scan of the joined text, which yields the count
  and the matching positions together;
- the page's rows are taken by position.

Results are the same as ``search.search`` over Parquet, which remains the
path for what the copy does not answer (``distinct``, spatial selections, a table without a copy
yet, column types it does not hold). ``tests/test_mapped.py`` runs both on the
same requests and compares them.
"""

from __future__ import annotations

import bisect
import itertools
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext_lazy as _

from .query import _literal, quote_identifier
from .search import (
    FILTER_MISMATCH,
    SearchInputError,
    SearchRequest,
    SearchResult,
    filter_text,
    q_clauses,
    result_fields,
    selected_fields,
    sort_order,
)

logger = logging.getLogger(__name__)

POSITION = "__hiraku_pos"
JOINED_TEXT = "__hiraku_text"
TYPES_KEY = b"hiraku.native_types"
BATCH_ROWS = 262144
# Column types the copy answers for (and DECIMAL(p,s)); tables with others are searched in Parquet.
SUPPORTED_TYPES = frozenset({"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "BOOLEAN",
                             "DATE", "TIME", "TIMESTAMP", "VARCHAR"})
_STALE_RE = re.compile(r"v(\d+)(?:\.t\d+)?\.arrow")


def copy_path(parquet_path: str | Path) -> Path:
    """``v3.parquet`` → ``v3.arrow``; ``v3.t2.parquet`` → ``v3.t2.arrow``."""
    return Path(parquet_path).with_suffix(".arrow")


# --- Building --------------------------------------------------------------------------------

def build(parquet_path: str | Path) -> Path | None:
    """Write the copy of the table at ``parquet_path`` (atomically); None if the table cannot have one."""
    parquet_path = Path(parquet_path)
    target = copy_path(parquet_path)
    scratch = tempfile.mkdtemp(prefix=".arrow-", dir=parquet_path.parent)
    con = duckdb.connect(":memory:", config={
        "threads": "2", "memory_limit": "512MB", "temp_directory": scratch,
        "autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
    })
    tmp = Path(scratch) / "copy.arrow"
    try:
        con.execute("SET enable_progress_bar=false")  # a job's log is no terminal
        source = f"read_parquet({_literal(str(parquet_path))})"
        types = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})").fetchall()
        names = [name for name, _type in types]
        if "_id" not in names or POSITION in names or JOINED_TEXT in names:
            return None
        texts = [quote_identifier(name) for name, kind in types if kind == "VARCHAR"]
        joined = f"lower(concat_ws(chr(10), {', '.join(texts)}))" if texts else "''"
        # Rows stay in the file's order: sorting a wide table by _id would need it all in memory.
        reader = con.execute(f"SELECT *, {joined} AS {quote_identifier(JOINED_TEXT)} FROM {source}"
                             ).to_arrow_reader(BATCH_ROWS)
        metadata = {TYPES_KEY: json.dumps(types, ensure_ascii=False).encode()}
        schema = reader.schema.append(pa.field(POSITION, pa.int64())).with_metadata(metadata)
        start = 0
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
            for batch in reader:
                positions = pa.array(range(start, start + batch.num_rows), pa.int64())
                writer.write_batch(pa.RecordBatch.from_arrays([*batch.columns, positions], schema=schema))
                start += batch.num_rows
        os.replace(tmp, target)
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
    _remove_stale_copies(parquet_path.parent, target)
    return target


def _remove_stale_copies(directory: Path, current: Path) -> None:
    """Only the current version is searched; copies of earlier versions only take disk space."""
    version = _STALE_RE.fullmatch(current.name).group(1)
    for path in directory.glob("v*.arrow"):
        match = _STALE_RE.fullmatch(path.name)
        if match and match.group(1) != version:
            path.unlink(missing_ok=True)


# --- Opening ---------------------------------------------------------------------------------

@dataclass
class MappedTable:
    table: pa.Table
    columns: dict[str, str]  # column → DuckDB type, in the table's order (the internal columns left out)
    in_id_order: bool  # positions ascend with _id, so a page in _id order is a slice

    def __post_init__(self):
        self.batches = self.table.to_batches()
        self.batch_starts = list(itertools.accumulate((b.num_rows for b in self.batches), initial=0))[:-1]
        self._by_id: pa.Array | None = None
        self._lock = threading.Lock()

    @property
    def row_count(self) -> int:
        return self.table.num_rows

    def by_id(self) -> pa.Array:
        """Every position in _id order (computed on first use when the file is not in that order)."""
        with self._lock:
            if self._by_id is None:
                self._by_id = pc.sort_indices(self.table["_id"])
            return self._by_id

    def rows(self, positions: list[int], names: list[str]) -> list[tuple]:
        """The rows at ``positions``, in that order, as tuples of the named columns' values.

        Taken batch by batch: taking from the whole (chunked) table would first join
        every batch's text into one buffer.
        """
        wanted: dict[int, list[tuple[int, int]]] = {}
        for index, position in enumerate(positions):
            batch = bisect.bisect_right(self.batch_starts, position) - 1
            wanted.setdefault(batch, []).append((index, position - self.batch_starts[batch]))
        rows: list[tuple] = [()] * len(positions)
        fields = [self.table.schema.get_field_index(name) for name in names]
        for batch, items in wanted.items():
            local = pa.array([offset for _index, offset in items], pa.int64())
            taken = self.batches[batch].select(fields).take(local)
            values = [column.to_pylist() for column in taken.columns]
            for row, (index, _offset) in enumerate(items):
                rows[index] = tuple(column[row] for column in values)
        return rows


KEPT_TABLES = 8
_kept: OrderedDict[tuple, MappedTable] = OrderedDict()
_kept_lock = threading.Lock()


def open_copy(parquet_path: str | Path) -> MappedTable | None:
    """The mapped copy of the table, if one was built for this file; kept per process (8 at most)."""
    path = copy_path(Path(parquet_path).resolve())
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _kept_lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    try:
        table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
        types = json.loads(table.schema.metadata[TYPES_KEY])
    except (OSError, pa.ArrowInvalid, KeyError, ValueError):
        logger.exception("unreadable table copy %s", path)
        return None
    ids = table["_id"]
    in_id_order = len(ids) < 2 or (ids.null_count == 0 and pc.all(pc.greater(ids[1:], ids[:-1])).as_py())
    mapped = MappedTable(table=table, columns=dict(types), in_id_order=in_id_order)
    with _kept_lock:
        _kept[key] = mapped
        while len(_kept) > KEPT_TABLES:
            _kept.popitem(last=False)
    return mapped


# --- Searching -------------------------------------------------------------------------------

def search(parquet_path: str | Path, request: SearchRequest) -> SearchResult | None:
    """``request`` answered from the copy, or None when the Parquet path must answer it."""
    if request.distinct or request.spatial is not None:
        return None
    mapped = open_copy(parquet_path)
    if mapped is None or not all(kind in SUPPORTED_TYPES or kind.startswith("DECIMAL(")
                                 for kind in mapped.columns.values()):
        return None
    columns = mapped.columns
    selected = selected_fields(request, columns)
    order = sort_order(request, columns, selected)
    positions = _matching(mapped, request)
    total = mapped.row_count if positions is None else len(positions)
    page = _page(mapped, positions, order, int(request.offset), int(request.limit))
    rows = mapped.rows(page.to_pylist(), selected)
    return SearchResult(fields=result_fields(selected, columns), rows=rows,
                        total=total if request.include_total else None)


def _matching(mapped: MappedTable, request: SearchRequest) -> pa.Array | None:
    """Positions of the rows the filters and q select, ascending; None for every row."""
    mask = _filter_mask(mapped, request.filters)
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()  # a bitmap: an eighth of a byte per row
    if not request.q:
        return None if mask is None else pc.indices_nonzero(mask)
    positions = _full_text(mapped, request.q)
    if mask is not None:
        positions = positions.filter(pc.array_take(mask, positions))
    return positions


def _filter_mask(mapped: MappedTable, filters: dict[str, Any] | None) -> pa.Array | None:
    mask = None
    for name, wanted in (filters or {}).items():
        if name not in mapped.columns:
            raise SearchInputError("filters", _("No such column: %(column)s") % {"column": name})
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values:
            continue
        column = mapped.table[name]
        present = [filter_text(v) for v in values if v is not None]
        typed = _typed(present, mapped.columns[name], column.type)
        matched = pc.equal(column, typed[0]) if len(typed) == 1 else pc.is_in(column, value_set=typed)
        if len(present) < len(values):
            matched = pc.is_null(column) if not present else pc.or_kleene(matched, pc.is_null(column))
        mask = matched if mask is None else pc.and_(mask, matched)
    return mask


def _typed(texts: list[str], native: str, arrow_type: pa.DataType) -> pa.Array:
    """Filter values as the column's type, converted by DuckDB exactly as ``CAST(? AS type)`` in SQL."""
    if native == "VARCHAR" or not texts:
        return pa.array(texts, arrow_type)
    casts = ", ".join([f"CAST(? AS {native})"] * len(texts))
    try:
        values = _cursor().execute(f"SELECT {casts}", texts).fetchone()
    except duckdb.ConversionException as error:
        raise SearchInputError("filters", FILTER_MISMATCH) from error
    return pa.array(list(values), arrow_type)


def _full_text(mapped: MappedTable, q) -> pa.Array:
    clauses, params = q_clauses(q, mapped.columns, joined_text=JOINED_TEXT)
    if not clauses:
        return pa.array(range(mapped.row_count), pa.int64())
    con = _cursor()
    try:
        con.register("mapped", mapped.table)
        # Scanned in order, so the positions come back ascending.
        reader = con.execute(f"SELECT {quote_identifier(POSITION)} FROM mapped WHERE {' AND '.join(clauses)}",
                             params).to_arrow_reader(BATCH_ROWS)
        return pa.concat_arrays([batch.column(0) for batch in reader] or [pa.array([], pa.int64())])
    finally:
        con.close()


def _page(mapped: MappedTable, positions: pa.Array | None, order: list[tuple[str, bool]],
          offset: int, limit: int) -> pa.Array:
    """Positions of the rows on the requested page, in order (``positions`` ascend, None is every row)."""
    count = mapped.row_count if positions is None else len(positions)
    if limit <= 0 or offset >= count:
        return pa.array([], pa.int64())
    end = min(offset + limit, count)
    if order == [("_id", False)] and positions is None:
        return pa.array(range(offset, end), pa.int64()) if mapped.in_id_order else mapped.by_id()[offset:end]
    if order == [("_id", False)] and mapped.in_id_order:
        return positions[offset:end]
    # Nulls come last either way, as in DuckDB (NULLS LAST is its default for ASC and DESC).
    sort_keys = [(f"k{i}", "descending" if desc else "ascending") for i, (_name, desc) in enumerate(order)]
    # The best ``end`` rows of each batch, then the best of those: sorting the whole (chunked)
    # table at once would first join every batch's text into one buffer.
    candidates = []
    for batch, local in _by_batch(mapped, positions):
        keys = {f"k{i}": batch.column(name) if local is None else batch.column(name).take(local)
                for i, (name, _desc) in enumerate(order)}
        keys["position"] = batch.column(POSITION) if local is None else batch.column(POSITION).take(local)
        best = pa.table(keys)
        if best.num_rows > end:
            best = best.take(pc.select_k_unstable(best, end, sort_keys=sort_keys))
        candidates.append(best)
    merged = pa.concat_tables(candidates)
    chosen = pc.select_k_unstable(merged, end, sort_keys=sort_keys)
    return pc.take(merged["position"], chosen[offset:end])


def _by_batch(mapped: MappedTable, positions: pa.Array | None):
    """(batch, positions inside it or None for all its rows) for every batch holding a wanted row."""
    for batch, start in zip(mapped.batches, mapped.batch_starts, strict=True):
        if positions is None:
            yield batch, None
            continue
        first, stop = _first_at_least(positions, start), _first_at_least(positions, start + batch.num_rows)
        if stop > first:
            yield batch, pc.subtract(positions[first:stop], start)


def _first_at_least(ascending: pa.Array, value: int) -> int:
    """Index of the first element ≥ ``value`` (bisection; Arrow has no searchsorted)."""
    low, high = 0, len(ascending)
    while low < high:
        middle = (low + high) // 2
        if ascending[middle].as_py() < value:
            low = middle + 1
        else:
            high = middle
    return low


# DuckDB for full text: one locked-down database per process; each search registers the copy on a cursor.
_database: duckdb.DuckDBPyConnection | None = None
_database_lock = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    global _database
    with _database_lock:
        if _database is None:
            con = duckdb.connect(":memory:", config={
                "autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
                "threads": "2", "memory_limit": "512MB",
            })
            con.execute("SET enable_external_access=false")
            con.execute("SET lock_configuration=true")
            _database = con
        return _database.cursor()
