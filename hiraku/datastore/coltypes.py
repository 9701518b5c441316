"""Typing the columns of a text table without classifying every cell the slow way.

Classifying a cell with all the rules of ``typesql`` costs DuckDB about a
microsecond; a million rows of twenty columns would take tens of seconds. So:

1. the first ``SAMPLE_ROWS`` rows are classified fully; a column whose sample
   is mostly text is text (nothing else can change that) and is not looked at
   again: the only thing not known exactly then is whether a minority of its
   later cells would have been numbers or dates, which only the
   ``type_fallback`` warning reports;
2. every other column gets a *fast form* for the kind its sample suggests: one
   regular expression (and a cast for dates) that accepts only the plain
   spellings (``-1,234``, ``△12.5``, ``2023-04-01``, ``2023/04/01 10:15``,
   ``9:30``, 有/無), which Python's rules give the same kind;
3. the cells that do not fit the fast form (和暦, full-width digits, markers,
   text) are grouped by value and only the distinct values are classified and
   converted fully; the typed table looks each such cell up;
4. a column whose sample has only fast-form cells is not checked in a pass of
   its own: the typed write asserts that every cell has the fast form, and a
   failed assertion (:data:`UNCHECKED`) makes the caller type the table again
   with every cell checked (``check_all``).

For a table no longer than the sample the result is exact; otherwise it is
exact too except for that warning on text columns.

Staff may force a column's type (the data dictionary's type override):
:func:`forced_types` then classifies every distinct value of the column with
the full rules and reports the cells that do not fit; :func:`typed_select`
converts forced columns with the full rules too.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import typesql as T
from . import values as V
from .query import quote_identifier

SAMPLE_ROWS = 5000
UNCHECKED = "hiraku-datastore: a cell the sample did not foresee"

_INT_BODY = "(?:[1-9][0-9]{0,2}(?:,[0-9]{3}){1,5}|[1-9][0-9]{0,17}|0)"
_DATE = "[12][0-9]{3}-[0-9]{2}-[0-9]{2}|[12][0-9]{3}/[0-9]{2}/[0-9]{2}"
_CLOCK = "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
_FAST_RE = {
    V.INTEGER: f"[-△▲]?{_INT_BODY}",
    V.DECIMAL: f"[-△▲]?{_INT_BODY}(?:\\.[0-9]{{1,18}})?",
    V.DATE: _DATE,
    V.DATETIME: f"[12][0-9]{{3}}-[0-9]{{2}}-[0-9]{{2}}[ T]{_CLOCK}|[12][0-9]{{3}}/[0-9]{{2}}/[0-9]{{2}} {_CLOCK}",
    V.TIME: "(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?",
}
_BOOLEANS = ("有", "無", "true", "false")


def fast_test(column: str, kind: str, shape_only: bool = False) -> str:
    """SQL true when the raw cell has a plain spelling of ``kind`` (and is a valid date).

    With ``shape_only`` dates are not checked: for the typed write, whose
    conversion fails on an impossible date (see :func:`fast_value`).
    """
    if kind == V.BOOLEAN:
        return f"list_contains([{', '.join(T.literal(b) for b in _BOOLEANS)}], {column})"
    test = f"regexp_full_match({column}, {T.literal(_FAST_RE[kind])})"
    if kind in (V.DATE, V.DATETIME) and not shape_only:
        test += f" AND TRY_CAST({column} AS {'DATE' if kind == V.DATE else 'TIMESTAMP'}) IS NOT NULL"
    return f"({test})"


def canonical_number(column: str) -> str:
    """A plain number without separators, △ as minus (the fast form allows △ only in front)."""
    # One string operation at most per cell (ascii() of △ is 9651, of ▲ 9650).
    return (f"CASE WHEN ascii({column}) IN (9650, 9651) THEN '-' || replace(substr({column}, 2), ',', '') "
            f"WHEN contains({column}, ',') THEN replace({column}, ',', '') ELSE {column} END")


def fast_value(column: str, fast_kind: str, kind: str, precision: int, scale: int) -> str:
    """SQL converting a cell of ``fast_test(fast_kind, shape_only=True)`` to the column's ``kind``.

    An impossible date (2023/02/30) fails with :data:`UNCHECKED`, so the table
    is typed again with every cell checked, where such a cell is text.
    """
    target = T.sql_type(kind, precision, scale)
    if fast_kind in (V.INTEGER, V.DECIMAL):
        return f"CAST({canonical_number(column)} AS {target})"
    if fast_kind == V.BOOLEAN:
        return f"({column} IN ('有', 'true'))"
    if fast_kind == V.TIME:
        return f"CAST({column} AS TIME)"
    # DuckDB reads both separators of the fast form; an impossible date is NULL.
    parsed = f"coalesce(TRY_CAST({column} AS {'DATE' if fast_kind == V.DATE else 'TIMESTAMP'}), error('{UNCHECKED}'))"
    return parsed if kind == fast_kind else f"CAST({parsed} AS {target})"


def _fast_digits(column: str) -> tuple[str, str]:
    """(integer digits, fraction digits) of a plain number, with string lengths only."""
    dot = f"strpos({column}, '.')"
    # No string is built for a cell without separators (ascii() of △ is 9651, of ▲ 9650).
    signs = f"CAST(ascii({column}) IN (45, 9650, 9651) AS INTEGER)"
    separators = f"(CASE WHEN contains({column}, ',') THEN length({column}) - length(replace({column}, ',', '')) ELSE 0 END)"
    whole = f"(CASE WHEN {dot} > 0 THEN {dot} - 1 ELSE length({column}) END) - {signs} - {separators}"
    return f"greatest({whole}, 1)", f"CASE WHEN {dot} > 0 THEN length({column}) - {dot} ELSE 0 END"


@dataclass
class ColumnType:
    kind: str
    counts: T.ColumnCounts
    fast_kind: str | None = None  # kind of the fast form, None when every cell was classified
    fast_cells: int = 0
    values: str | None = None  # name of the ENUM type and variable mapping slow values to converted ones
    assumed: bool = False  # fast-form cells and digits taken from the sample: assert them
    forced: bool = False  # the kind was chosen by staff; every cell is converted with the full rules

    @property
    def precision(self) -> int:
        return self.counts.int_digits + self.counts.scale


def _code(kind: str) -> int:
    return {k: c for c, k in T.CODE_KINDS.items()}[kind]


def _merge(slow: T.ColumnCounts | None, fast_kind: str, fast_cells: int, digits: int, scale: int,
           non_null: int) -> T.ColumnCounts:
    counts = slow or T.ColumnCounts(kinds={})
    kinds = dict(counts.kinds or {})
    if fast_cells:
        kinds[_code(fast_kind)] = kinds.get(_code(fast_kind), 0) + fast_cells
    return T.ColumnCounts(non_null=non_null, markers=counts.markers, kinds=kinds,
                          int_digits=max(counts.int_digits, digits or 1), scale=max(counts.scale, scale or 0),
                          first_text_row=counts.first_text_row, first_text_value=counts.first_text_value)


def _sample_counts(con, text: str, columns: list[str]) -> list[T.ColumnCounts]:
    # The first rows by _id (1..n in file order): the files are not written in row order.
    con.execute(f"CREATE OR REPLACE TEMP TABLE hk_sample AS SELECT * FROM {text} WHERE _id <= {SAMPLE_ROWS}")
    rows = con.execute(T.count_cells_sql(T.long_cells("hk_sample", columns))).fetchall()
    return T.read_cell_counts(rows, len(columns))


def _fast_kind(sample: T.ColumnCounts) -> str | None:
    """The kind to try the fast form of, or None for a column that is text for sure."""
    if sample.text and sample.typed < sample.text:
        return None
    kind = T.column_kind(sample)
    return kind if kind != V.TEXT else (T.typed_kind(sample) or V.INTEGER)


def _check_fast_forms(con, text: str, columns: list[str], fast_kinds: list[str | None]) -> list[tuple]:
    """Per column: (non-null cells, cells not in the fast form, integer digits, fraction digits)."""
    tests = [f"{c}, {fast_test(c, k)} AS ok{i}" if k else c
             for i, (c, k) in enumerate(zip(columns, fast_kinds, strict=True))]
    parts = []
    for i, (column, kind) in enumerate(zip(columns, fast_kinds, strict=True)):
        parts.append(f"count({column})")
        if kind:
            parts.append(f"count(*) FILTER (WHERE {column} IS NOT NULL AND NOT ok{i})")
        if kind == V.DECIMAL:
            whole, frac = _fast_digits(column)
            parts += [f"max(CASE WHEN ok{i} THEN {whole} END)", f"max(CASE WHEN ok{i} THEN {frac} END)"]
    totals = list(con.execute(f"SELECT {', '.join(parts)} FROM (SELECT {', '.join(tests)} FROM {text})").fetchone())
    result = []
    for kind in fast_kinds:
        non_null = totals.pop(0)
        slow = totals.pop(0) if kind else 0
        digits = (totals.pop(0), totals.pop(0)) if kind == V.DECIMAL else (None, None)
        result.append((non_null, slow, *digits))
    return result


def _map_values(con, i: int, kind: str, precision: int, scale: int) -> str:
    """Convert the distinct slow values of column i once; returns the name of their lookup.

    The lookup is an ENUM type of the values and a variable holding the
    converted values in the same order: unlike a join, looking a cell up
    keeps the rows in order, so the typed table needs no sort.
    """
    name = f"hk_map_{i}"
    source = f"(SELECT v FROM hk_slow WHERE col = {i})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT v0 AS v, "
                f"{T.converted(0, kind, precision, scale)} AS x FROM ({T.cell_layers(source, ['v'], [], [kind])})")
    con.execute(f"DROP TYPE IF EXISTS {name}")
    con.execute(f"CREATE TYPE {name} AS ENUM (SELECT v FROM {name} ORDER BY v)")
    con.execute(f"SET VARIABLE {name} = (SELECT list(x ORDER BY v) FROM {name})")
    return name


def _integer_digits(con, text: str, column: str) -> int:
    whole, _ = _fast_digits(column)
    return con.execute(f"SELECT max({whole}) FROM {text} WHERE {fast_test(column, V.INTEGER)}").fetchone()[0] or 1


def _assume_from_sample(con, text: str, columns: list[str], fast_kinds: list[str | None]) -> tuple[list[tuple], list[int]]:
    """Like :func:`_check_fast_forms`, but only columns whose sample has cells outside the fast
    form are looked at (by the caller); the others are assumed to have none, which the typed
    table asserts as it is written (see :func:`typed_select`)."""
    outside = [f"count(*) FILTER (WHERE {c} IS NOT NULL AND NOT {fast_test(c, k)})" if k else "0"
               for c, k in zip(columns, fast_kinds, strict=True)]
    sample_slow = con.execute(f"SELECT {', '.join(outside)} FROM hk_sample").fetchone()
    parts = [f"count({c})" for c in columns]
    for c, kind, slow in zip(columns, fast_kinds, sample_slow, strict=True):
        if kind == V.DECIMAL:
            # Digits decide the column's precision, so they are taken from every cell.
            whole, frac = _fast_digits(c)
            test = f"{c} IS NOT NULL" if not slow else fast_test(c, kind)
            parts += [f"max(CASE WHEN {test} THEN {whole} END)", f"max(CASE WHEN {test} THEN {frac} END)"]
    totals = list(con.execute(f"SELECT {', '.join(parts)} FROM {text}").fetchone())
    non_null, digits = totals[:len(columns)], totals[len(columns):]
    checks = []
    for i, kind in enumerate(fast_kinds):
        whole_frac = (digits.pop(0), digits.pop(0)) if kind == V.DECIMAL else (None, None)
        checks.append((non_null[i], None if sample_slow[i] else 0, *whole_frac))
    return checks, [i for i, n in enumerate(sample_slow) if n]


def type_columns(con, text: str, ids: list[str], table_rows: int, check_all: bool = False) -> list[ColumnType]:
    """The type of every column of the text table ``text`` (a SQL relation with ``_row``).

    Unless ``check_all``, what the sample suggests is assumed where it cannot
    be known without a pass over every cell, and the typed table asserts it
    (a failed assertion raises an error containing :data:`UNCHECKED`; then
    type again with ``check_all``).
    """
    columns = [quote_identifier(i) for i in ids]
    sample = _sample_counts(con, text, columns)
    if table_rows <= SAMPLE_ROWS:
        return [ColumnType(T.column_kind(c), c) for c in sample]
    fast_kinds = [_fast_kind(c) for c in sample]
    if check_all:
        checks = _check_fast_forms(con, text, columns, fast_kinds)
        slow_columns = [i for i, (_, slow, *_) in enumerate(checks) if slow]
    else:
        checks, slow_columns = _assume_from_sample(con, text, columns, fast_kinds)
    slow_counts: dict[int, T.ColumnCounts] = {}
    if slow_columns:
        # The cells outside the fast form, as distinct values with how often they occur.
        groups = [f"SELECT {i} AS col, {columns[i]} AS v, count(*) AS n, min(_row) AS _row FROM {text} "
                  f"WHERE {columns[i]} IS NOT NULL AND NOT {fast_test(columns[i], fast_kinds[i])} GROUP BY {columns[i]}"
                  for i in slow_columns]
        con.execute(f"CREATE OR REPLACE TEMP TABLE hk_slow AS {' UNION ALL '.join(groups)}")
        rows = con.execute(T.count_cells_sql("hk_slow", weight="n")).fetchall()
        slow_counts = dict(enumerate(T.read_cell_counts(rows, len(columns))))
    result = []
    for i, (column, fast_kind, check) in enumerate(zip(columns, fast_kinds, checks, strict=True)):
        non_null, slow_cells, digits, scale = check
        if fast_kind is None:
            result.append(ColumnType(V.TEXT, T.ColumnCounts(non_null=non_null, kinds={T.TEXT: non_null})))
            continue
        if slow_cells is None:
            slow_cells = slow_counts[i].non_null
        counts = _merge(slow_counts.get(i) if slow_cells else None, fast_kind, non_null - slow_cells,
                        digits or 1, scale or 0, non_null)
        kind = T.column_kind(counts)
        if kind == V.DECIMAL and fast_kind == V.INTEGER and non_null > slow_cells:
            counts.int_digits = max(counts.int_digits, _integer_digits(con, text, column))
        plan = ColumnType(kind, counts, fast_kind=fast_kind, fast_cells=non_null - slow_cells,
                          assumed=not check_all)
        if slow_cells and kind != V.TEXT:
            plan.values = _map_values(con, i, kind, plan.precision, counts.scale)
        result.append(plan)
    return result


@dataclass
class Misfits:
    """The cells of a forced column that do not convert to the forced kind."""

    count: int
    first_row: int | None
    first_value: str | None


def allowed_codes(kind: str) -> set[int]:
    """Cell kind codes a column of ``kind`` takes without losing anything (markers become NULL)."""
    return {T.MARKER} | {code for code, k in T.CODE_KINDS.items() if V.join(k, kind) == kind}


def forced_types(con, text: str, ids: list[str], forced: dict[int, str]) -> dict[int, tuple[ColumnType, Misfits]]:
    """The type of each column position in ``forced`` (position → kind), with its misfit cells.

    Every distinct value of those columns is classified with the full rules of
    ``typesql`` (so 和暦, full-width digits, △ and 有/無 convert as usual); a cell
    converts when its own kind joins into the forced kind (an integer into a
    decimal, a date into a date and time). Forcing text always succeeds.
    """
    result: dict[int, tuple[ColumnType, Misfits]] = {}
    checked = {i: k for i, k in forced.items() if k != V.TEXT}
    for i, kind in forced.items():
        if kind == V.TEXT:
            result[i] = (ColumnType(V.TEXT, T.ColumnCounts(kinds={}), forced=True), Misfits(0, None, None))
    if not checked:
        return result
    columns = {i: quote_identifier(ids[i]) for i in checked}
    groups = [f"SELECT {i} AS col, {c} AS v, count(*) AS n, min(_row) AS _row FROM {text} "
              f"WHERE {c} IS NOT NULL GROUP BY {c}" for i, c in columns.items()]
    cells = T.cell_layers(f"({' UNION ALL '.join(groups)})", ["v"], ["col", "_row", "n"], [None])
    whole, frac = T.number_digits("n0")
    rows = con.execute(
        f"SELECT col, k0, sum(n), min(_row), arg_min(v0, _row), "
        f"max(CASE WHEN k0 IN ({T.INTEGER}, {T.DECIMAL}) THEN {whole} END), "
        f"max(CASE WHEN k0 = {T.DECIMAL} THEN {frac} END) "
        f"FROM ({cells}) WHERE k0 IS NOT NULL GROUP BY col, k0").fetchall()
    for i, kind in checked.items():
        allowed = allowed_codes(kind)
        mine = [r for r in rows if r[0] == i]
        bad = sorted((r for r in mine if r[1] not in allowed), key=lambda r: r[3])
        counts = T.ColumnCounts(
            non_null=int(sum(r[2] for r in mine)),
            markers=int(sum(r[2] for r in mine if r[1] == T.MARKER)),
            kinds={r[1]: int(r[2]) for r in mine if r[1] != T.MARKER},
            int_digits=max([r[5] for r in mine if r[5] is not None] + [1]),
            scale=max([r[6] for r in mine if r[6] is not None] + [0]),
        )
        misfits = Misfits(int(sum(r[2] for r in bad)), bad[0][3] if bad else None, bad[0][4] if bad else None)
        result[i] = (ColumnType(kind, counts, forced=True), misfits)
    return result


def typed_select(text: str, ids: list[str], types: list[ColumnType]) -> str:
    """The query writing the typed table: ``_id`` and every column in its type, in ``_id`` order."""
    columns = [quote_identifier(i) for i in ids]
    if any(t.forced for t in types) and any(t.fast_kind is not None for t in types):
        return _mixed_select(text, columns, types)
    if all(t.fast_kind is None for t in types):
        # Every cell was classified fully (a small table): convert with the full rules.
        kinds = [t.kind for t in types]
        converted = [T.converted(i, t.kind, t.precision, t.counts.scale) + " AS " + c
                     for i, (t, c) in enumerate(zip(types, columns, strict=True))]
        return f"SELECT _id, {', '.join(converted)} FROM ({T.cell_layers(text, columns, ['_id'], kinds)})"
    selected = [f"{_fast_cell(f't.{column}', t)} AS {column}" for t, column in zip(types, columns, strict=True)]
    return f"SELECT t._id, {', '.join(selected)} FROM {text} AS t"


def _mixed_select(text: str, columns: list[str], types: list[ColumnType]) -> str:
    """Like the fast path of :func:`typed_select`, with forced columns converted by the full rules.

    Every column goes through :func:`typesql.cell_layers` (as text, which adds
    nothing, unless it is forced), so each cell is named by its position and
    no column name can clash with the names of the layers.
    """
    kinds = [t.kind if t.forced else V.TEXT for t in types]
    source = f"({T.cell_layers(text, columns, ['_id'], kinds)}) AS t"
    selected = []
    for i, (t, column) in enumerate(zip(types, columns, strict=True)):
        if t.forced:
            selected.append(f"{T.converted(i, t.kind, t.precision, t.counts.scale)} AS {column}")
        else:
            selected.append(f"{_fast_cell(f't.v{i}', t)} AS {column}")
    return f"SELECT t._id, {', '.join(selected)} FROM {source}"


def _fast_cell(cell: str, t: ColumnType) -> str:
    """SQL converting one raw cell of a column typed by :func:`type_columns`."""
    if t.kind == V.TEXT:
        return cell
    target = T.sql_type(t.kind, t.precision, t.counts.scale)
    other = f"CAST(NULL AS {target})"
    if t.values:
        other = f"getvariable('{t.values}')[enum_code(TRY_CAST({cell} AS {t.values})) + 1]"
    elif t.assumed:
        other = f"CASE WHEN {cell} IS NULL THEN {other} ELSE error('{UNCHECKED}') END"
    if t.fast_cells:  # then the fast kind joins into the column's kind
        value = fast_value(cell, t.fast_kind, t.kind, t.precision, t.counts.scale)
        if t.assumed and t.kind == V.DECIMAL:
            value = _asserted_decimal(cell, target, t.counts.scale)
        other = f"CASE WHEN {fast_test(cell, t.fast_kind, shape_only=True)} THEN {value} ELSE {other} END"
    return other


def _asserted_decimal(cell: str, target: str, scale: int) -> str:
    """A plain number as ``target``, failing with UNCHECKED when its digits do not fit."""
    dot = f"strpos({cell}, '.')"
    canonical = canonical_number(cell)
    # A longer fraction would be rounded silently, so it is checked before the cast.
    return (f"CASE WHEN {dot} = 0 OR length({cell}) - {dot} <= {scale} "
            f"THEN coalesce(TRY_CAST({canonical} AS {target}), error('{UNCHECKED}')) "
            f"ELSE error('{UNCHECKED}') END")
