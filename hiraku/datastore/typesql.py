"""The column type system of :mod:`values`, written as DuckDB SQL.

Classifying and converting millions of cells one by one in Python is what
made ingestion slow, so whole columns are classified and converted by DuckDB
with the same rules ``values.classify`` and ``values.convert`` apply to a
single value (tests compare the two on the same inputs):

- a cell is trimmed of Python whitespace and full-width ASCII is folded to
  ASCII before it is recognised; dash-only cells are null
  markers;
- integers and decimals with thousands separators and △/▲ signs; leading
  zeros keep a value text (codes); integers outside BIGINT count as decimals;
- Western and era dates (和暦), an optional weekday after them, times and
  date-times, 有/無 and true/false.

:func:`cell_layers` gives each cell a small integer kind code; :func:`column_kind`
joins a column's counts the way ``values.join`` joins kinds; :func:`converted`
turns a column into its final type.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import values as V

# Kind codes of single cells, as computed by ``kind_code``.
MARKER, INTEGER, DECIMAL, BOOLEAN, DATE, TIME, DATETIME, TEXT = range(1, 9)
CODE_KINDS = {INTEGER: V.INTEGER, DECIMAL: V.DECIMAL, BOOLEAN: V.BOOLEAN, DATE: V.DATE, TIME: V.TIME,
              DATETIME: V.DATETIME, TEXT: V.TEXT}

# What str.strip() removes, so blank cells and trimming match Python.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())

# RE2 patterns mirroring the regular expressions of values.py (which use ASCII
# classes too). RE2 has no back-references, so each separator is spelled out.
_SP = r"[\t\n\v\f\r ]"
_D2 = "([0-9]{1,2})"
_NUMBER_BODY = "(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]*|0)"
_SIGN = "(?:[+\\-]|[△▲])?"
INTEGER_RE = f"{_SIGN}{_NUMBER_BODY}"
DECIMAL_RE = f"{_SIGN}{_NUMBER_BODY}\\.[0-9]+"
_KANJI_MD = f"年{_SP}*{_D2}{_SP}*月{_SP}*{_D2}{_SP}*日"
_SEP_MD = f"(?:-{_D2}-{_D2}|/{_D2}/{_D2}|\\.{_D2}\\.{_D2})"
_ERA = "(?:明治|大正|昭和|平成|令和|[MTSHRmtshr])"
_ERA_YEAR = f"{_ERA}{_SP}*(?:元|[0-9]{{1,2}}){_SP}*"
_DATE_KANJI = f"(?:[0-9]{{4}}{_KANJI_MD}|{_ERA_YEAR}{_KANJI_MD})"
_DATE_SEP = f"(?:[0-9]{{4}}{_SEP_MD}|{_ERA_YEAR}{_SEP_MD})"
_WEEKDAY = "\\([月火水木金土日](?:曜日?)?(?:・?祝)?\\)"
TIME_RE = ("(?:[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]{1,6})?)?"
           "|[0-9]{1,2}時(?:[0-9]{1,2}分(?:[0-9]{1,2}秒)?)?)")
DATE_RE = f"(?:{_DATE_KANJI}|{_DATE_SEP})(?:{_SP}*{_WEEKDAY})?"
# The time may follow a date ending in 日 directly; otherwise (also after a
# weekday) a blank or T separates them.
DATETIME_RE = (f"(?:{_DATE_KANJI}(?:{_SP}*T{_SP}*|{_SP}*)"
               f"|(?:{_DATE_KANJI}{_SP}*{_WEEKDAY}|{_DATE_SEP}(?:{_SP}*{_WEEKDAY})?)(?:{_SP}*T{_SP}*|{_SP}+)){TIME_RE}")
_GATE_CHARS = "0123456789+-△▲明大昭平令MTSHRmtshr"
_TRUE = ("true", "有", "有り")
_FALSE = ("false", "無", "無し")


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values) -> str:
    # list_contains() rather than IN: DuckDB plans a long IN list as a join, which
    # made planning a wide table take seconds.
    return "[" + ", ".join(literal(v) for v in values) + "]"


MARKERS_SQL = _list(sorted(V.NULL_MARKERS))


def _class(chars: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):04X}}}" for c in chars) + "]"


_WS_CLASS = _class(WHITESPACE)
_WS_EDGES = literal(f"^{_WS_CLASS}+|{_WS_CLASS}+$")
# Full-width forms that can be part of a number, date, time or yes/no value,
# in groups that are only folded when a cell holds one of them (translate()
# with the whole table is far slower than a few replace() calls).
_FOLD_GROUPS = [
    "０１２３４５６７８９",
    "＋－，．：／（）\u3000\u2212\u2010\u2011\u2013",
    "ＭＴＳＨＲＵＥＦＡＬｍｔｓｈｒｕｅｆａｌ",
]
_FOLD_GATE = literal(_class("".join(_FOLD_GROUPS)))
_FIRST_CHARS = "0123456789+-△▲明大昭平令MTSHRmtshrFf有無" + "".join(_FOLD_GROUPS)


def blank_to_null(column: str) -> str:
    """The cell as written, or NULL when it holds only whitespace.

    Only a cell whose first character could be whitespace (below ``!``, or
    from U+0085 to U+3000) pays for the regular expression. Strings compare
    by their UTF-8 bytes, which order as code points do; comparing is about
    twice as fast as looking at the first character with ``ascii()``.
    """
    maybe_blank = f"({column} < '!' OR ({column} >= '\u0085' AND {column} < '\u3001'))"
    blank = f"regexp_full_match({column}, {literal(_WS_CLASS + '*')})"
    return f"CASE WHEN {maybe_blank} AND {blank} THEN NULL ELSE {column} END"


def _trimmed(column: str) -> str:
    return (f"CASE WHEN regexp_matches({column}, {_WS_EDGES}) "
            f"THEN regexp_replace({column}, {_WS_EDGES}, '', 'g') ELSE {column} END")


def _canonical_number(n: str) -> str:
    return f"replace(regexp_replace({n}, '^[△▲]', '-'), ',', '')"


# Kinds recognised by pattern alone, before dates and times are checked for validity.
_DATE_LIKE, _TIME_LIKE, _DATETIME_LIKE = 21, 22, 23
_ERA_PATTERN = literal(f"^({_ERA[3:-1]})")


def _shape_code(n: str) -> str:
    """Kind by pattern; dates and times still need a validity check (see :func:`cell_layers`)."""
    booleans = _list(_TRUE + _FALSE)
    return f"""(CASE
        WHEN {n} IS NULL OR {n} = '' THEN NULL
        WHEN list_contains({MARKERS_SQL}, {n}) THEN {MARKER}
        WHEN NOT contains({literal(_GATE_CHARS)}, left({n}, 1)) THEN
            CASE WHEN list_contains({booleans}, lower({n})) THEN {BOOLEAN} ELSE {TEXT} END
        WHEN regexp_full_match({n}, {literal(INTEGER_RE)}) THEN
            CASE WHEN TRY_CAST({_canonical_number(n)} AS BIGINT) IS NULL THEN {DECIMAL} ELSE {INTEGER} END
        WHEN regexp_full_match({n}, {literal(DECIMAL_RE)}) THEN {DECIMAL}
        WHEN list_contains({booleans}, lower({n})) THEN {BOOLEAN}
        WHEN regexp_full_match({n}, {literal(DATE_RE)}) THEN {_DATE_LIKE}
        WHEN regexp_full_match({n}, {literal(TIME_RE)}) THEN {_TIME_LIKE}
        WHEN regexp_full_match({n}, {literal(DATETIME_RE)}) THEN {_DATETIME_LIKE}
        ELSE {TEXT} END)"""


def _era_base(era: str) -> str:
    whens = " ".join(f"WHEN {literal(name)} THEN {base}" for name, base in V._ERAS.items())
    return f"(CASE upper({era}) {whens} END)"


def _fold_step(source: str, group: str, needs_fold: str) -> str:
    replaced = source
    for ch in group:
        replaced = f"replace({replaced}, {literal(ch)}, {literal(chr(V._FULLWIDTH[ord(ch)]))})"
    return f"CASE WHEN {needs_fold} AND regexp_matches({source}, {literal(_class(group))}) THEN {replaced} ELSE {source} END"


def _column_steps(i: int, kind: str | None) -> list[list[tuple[str, str]]]:
    """Per layer, the (name, SQL) parts column i needs; later layers see earlier names."""
    if kind == V.TEXT:
        return []
    steps = [
        [(f"t{i}", _trimmed(f"v{i}"))],
        [(f"g{i}", f"(regexp_matches(t{i}, {_FOLD_GATE}) AND contains({literal(_FIRST_CHARS)}, left(t{i}, 1)))")],
        [(f"a{i}", _fold_step(f"t{i}", _FOLD_GROUPS[0], f"g{i}"))],
        [(f"b{i}", _fold_step(f"a{i}", _FOLD_GROUPS[1], f"g{i}"))],
        [(f"n{i}", _fold_step(f"b{i}", _FOLD_GROUPS[2], f"g{i}"))],
    ]
    if kind is None:
        steps.append([(f"s{i}", _shape_code(f"n{i}"))])
    elif kind in (V.DATE, V.TIME, V.DATETIME):
        shape = {V.DATE: str(_DATE_LIKE), V.TIME: str(_TIME_LIKE),
                 V.DATETIME: f"CASE WHEN regexp_full_match(n{i}, {literal(DATETIME_RE)}) THEN {_DATETIME_LIKE} "
                             f"ELSE {_DATE_LIKE} END"}[kind]
        steps.append([(f"s{i}", shape)])
    else:
        return steps
    dates = f"s{i} IN ({_DATE_LIKE}, {_DATETIME_LIKE})"
    era = _era_base(f"regexp_extract(n{i}, {_ERA_PATTERN}, 1)")
    steps.append([
        (f"d{i}", f"CASE WHEN s{i} IN ({_DATE_LIKE}, {_TIME_LIKE}, {_DATETIME_LIKE}) "
                  f"THEN list_transform(regexp_extract_all(n{i}, '[0-9]+'), x -> CAST(x AS BIGINT)) END"),
        (f"era{i}", f"CASE WHEN {dates} AND NOT regexp_matches(n{i}, '^[0-9]') THEN {era} END"),
        # Position of the month among the numbers: 元年 has no year number.
        (f"o{i}", f"CASE WHEN strpos(n{i}, '元') > 0 THEN 0 ELSE 1 END"),
        (f"fr{i}", f"coalesce(CAST(rpad(regexp_extract(n{i}, '[0-9]:[0-9]{{2}}:[0-9]{{2}}\\.([0-9]{{1,6}})', 1), "
                   f"6, '0') AS BIGINT), 0)"),
    ])
    first = f"(CASE WHEN s{i} = {_TIME_LIKE} THEN 1 ELSE o{i} + 3 END)"
    # Era years count from 1 (元年 = 1); Western years must be 1–9999.
    steps.append([
        (f"y{i}", f"CASE WHEN era{i} IS NULL THEN d{i}[1] WHEN o{i} = 0 THEN era{i} "
                  f"WHEN d{i}[1] >= 1 THEN era{i} + d{i}[1] - 1 END"),
        (f"h{i}", f"d{i}[{first}]"), (f"mi{i}", f"coalesce(d{i}[{first} + 1], 0)"),
        (f"se{i}", f"coalesce(d{i}[{first} + 2], 0)"),
    ])
    micros = f"((h{i} * 60 + mi{i}) * 60 + se{i}) * 1000000 + fr{i}"
    steps.append([
        (f"date{i}", f"CASE WHEN {dates} AND y{i} >= 1 THEN try(make_date(y{i}, d{i}[o{i} + 1], d{i}[o{i} + 2])) END"),
        (f"time{i}", f"CASE WHEN s{i} IN ({_TIME_LIKE}, {_DATETIME_LIKE}) AND h{i} < 24 AND mi{i} < 60 "
                     f"AND se{i} < 60 THEN TIME '00:00:00' + to_microseconds({micros}) END"),
    ])
    return steps


def _final_kind(i: int) -> str:
    """Kind code of column i: a date or time that does not exist is text."""
    return (f"CASE s{i} "
            f"WHEN {_DATE_LIKE} THEN CASE WHEN date{i} IS NULL THEN {TEXT} ELSE {DATE} END "
            f"WHEN {_TIME_LIKE} THEN CASE WHEN time{i} IS NULL THEN {TEXT} ELSE {TIME} END "
            f"WHEN {_DATETIME_LIKE} THEN CASE WHEN date{i} IS NULL OR time{i} IS NULL THEN {TEXT} "
            f"ELSE {DATETIME} END ELSE s{i} END")


def cell_layers(source: str, columns: list[str], passthrough: list[str], kinds: list[str | None]) -> str:
    """A query over ``source`` giving, per column i, its text ``v{i}``, normalized text ``n{i}``
    and, where needed, kind code ``k{i}`` and parsed ``date{i}`` / ``time{i}``.

    ``kinds[i]`` is None to classify column i, or the column's known type,
    which limits the work to what converting it needs. Each layer is a
    projection over the previous one, so every part of a cell is computed once.
    """
    per_column = [_column_steps(i, kind) for i, kind in enumerate(kinds)]
    for i, kind in enumerate(kinds):
        if kind is None:
            per_column[i].append([(f"k{i}", _final_kind(i))])
    depth = max((len(steps) for steps in per_column), default=0)
    live = [[f"v{i}"] for i in range(len(columns))]
    query = f"SELECT {', '.join(passthrough + [f'{c} AS v{i}' for i, c in enumerate(columns)])} FROM {source}"
    for level in range(depth):
        items = list(passthrough)
        for i, steps in enumerate(per_column):
            new = steps[level] if level < len(steps) else []
            items += live[i] + [f"{sql} AS {name}" for name, sql in new]
            live[i] += [name for name, _ in new]
        query = f"SELECT {', '.join(items)} FROM ({query})"
    return query


def number_digits(n: str) -> tuple[str, str]:
    """SQL for (integer digits, fraction digits) of a numeric cell, as precision inputs."""
    digits = f"replace(regexp_replace({n}, '^[+\\-△▲]', ''), ',', '')"
    whole = f"split_part({digits}, '.', 1)"
    return f"greatest(length(ltrim({whole}, '0')), 1)", f"length(split_part({digits}, '.', 2))"


def sql_type(kind: str, precision: int = 0, scale: int = 0) -> str:
    if kind == V.DECIMAL:
        return f"DECIMAL({max(precision, 1)}, {scale})" if precision <= 38 else "DOUBLE"
    return {V.INTEGER: "BIGINT", V.BOOLEAN: "BOOLEAN", V.DATE: "DATE", V.TIME: "TIME",
            V.DATETIME: "TIMESTAMP", V.TEXT: "VARCHAR"}[kind]


def converted(i: int, kind: str, precision: int = 0, scale: int = 0) -> str:
    """SQL turning column i of :func:`cell_layers` (built with ``kind``) into ``kind``.

    Only valid once the column's values are known to fit ``kind`` (see
    :func:`column_kind`): a value that does not fit raises instead of being lost.
    Markers and blanks become NULL.
    """
    n = f"n{i}"
    if kind == V.TEXT:
        return f"v{i}"
    if kind in (V.INTEGER, V.DECIMAL):
        value = f"CAST({_canonical_number(n)} AS {sql_type(kind, precision, scale)})"
    elif kind == V.BOOLEAN:
        value = f"list_contains({_list(_TRUE)}, lower({n}))"
    elif kind == V.DATE:
        value = f"date{i}"
    elif kind == V.TIME:
        value = f"time{i}"
    else:
        value = f"(CASE WHEN s{i} = {_DATETIME_LIKE} THEN date{i} + time{i} ELSE CAST(date{i} AS TIMESTAMP) END)"
    return f"(CASE WHEN {n} IS NULL OR {n} = '' OR list_contains({MARKERS_SQL}, {n}) THEN NULL ELSE {value} END)"



@dataclass
class ColumnCounts:
    """What one pass over a column tells about its type."""

    non_null: int = 0
    markers: int = 0
    kinds: dict[int, int] | None = None  # kind code -> number of cells
    int_digits: int = 1
    scale: int = 0
    first_text_row: int | None = None
    first_text_value: str | None = None

    @property
    def text(self) -> int:
        return (self.kinds or {}).get(TEXT, 0)

    @property
    def typed(self) -> int:
        return sum(n for code, n in (self.kinds or {}).items() if code != TEXT)


def _join(codes) -> str | None:
    kind = None
    for code in codes:
        kind = V.join(kind, CODE_KINDS[code])
    return kind


def column_kind(counts: ColumnCounts) -> str:
    """The column's type: the join of its cells' kinds; any text cell makes it text."""
    present = [code for code, n in sorted((counts.kinds or {}).items()) if n]
    return _join(present) or V.TEXT


def typed_kind(counts: ColumnCounts) -> str | None:
    """The join of the kinds of the cells that are not text (None when there are none)."""
    return _join(code for code, n in sorted((counts.kinds or {}).items()) if n and code != TEXT)


def count_cells_sql(source: str, row_column: str = "_row", weight: str | None = None) -> str:
    """Per column, the inputs of :class:`ColumnCounts`, from ``source`` in long form.

    ``source`` has one row per non-blank cell: ``col`` (the column), ``v`` (the
    text) and ``row_column``; with ``weight``, a row stands for that many cells
    (a distinct value and how often it occurs). The classification is written
    once for all columns, which keeps planning cheap for wide tables.
    """
    carried = ["col", row_column] + ([weight] if weight else [])
    cells = cell_layers(source, ["v"], carried, [None])
    whole, frac = number_digits("n0")
    amount = f"sum({weight})" if weight else "count(*)"
    parts = [f"{amount} FILTER (WHERE k0 IS NOT NULL)"]
    parts += [f"{amount} FILTER (WHERE k0 = {code})" for code in range(MARKER, TEXT + 1)]
    parts += [f"max(CASE WHEN k0 IN ({INTEGER}, {DECIMAL}) THEN {whole} END)",
              f"max(CASE WHEN k0 = {DECIMAL} THEN {frac} END)",
              f"min({row_column}) FILTER (WHERE k0 = {TEXT})", f"arg_min(v0, {row_column}) FILTER (WHERE k0 = {TEXT})"]
    return f"SELECT col, {', '.join(parts)} FROM ({cells}) GROUP BY col"


def long_cells(source: str, columns: list[str], row_column: str = "_row") -> str:
    """``source`` (a wide table of text columns) as one row per non-blank cell: col (position), v, row."""
    parts = [f"SELECT {i} AS col, {c} AS v, {row_column} FROM {source} WHERE {c} IS NOT NULL"
             for i, c in enumerate(columns)]
    return "(" + " UNION ALL ".join(parts) + ")"


def read_cell_counts(rows: list[tuple], ncolumns: int) -> list[ColumnCounts]:
    """:class:`ColumnCounts` per column position from the rows of :func:`count_cells_sql`."""
    by_column = {row[0]: row[1:] for row in rows}
    empty = (0,) * (1 + TEXT) + (None, None, None, None)
    return read_counts(tuple(v for i in range(ncolumns) for v in by_column.get(i, empty)), ncolumns)


PER_COLUMN = 1 + (TEXT - MARKER + 1) + 4


def read_counts(row: tuple, ncolumns: int) -> list[ColumnCounts]:
    result = []
    for i in range(ncolumns):
        values = row[i * PER_COLUMN:(i + 1) * PER_COLUMN]
        non_null, per_code = values[0], values[1:1 + TEXT]
        digits, scale, first_row, first_value = values[1 + TEXT:]
        kinds = {code: int(n) for code, n in zip(range(INTEGER, TEXT + 1), per_code[1:], strict=True) if n}
        result.append(ColumnCounts(non_null=int(non_null or 0), markers=int(per_code[0] or 0), kinds=kinds,
                                   int_digits=max(digits or 1, 1), scale=scale or 0,
                                   first_text_row=first_row, first_text_value=first_value))
    return result
