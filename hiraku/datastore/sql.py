"""The safe engine behind ``datastore_search_sql``: one read-only SELECT over published tables.

A query goes through two independent fences:

1. **Validation by allow-list.** The text is parsed with sqlglot as PostgreSQL
   (what CKAN users write). It must be exactly one SELECT; every node of the
   tree must be a known-safe construct and every function must be on the
   allow-list below. Anything else (table functions, other schemas, settings,
   file access, unknown functions) is rejected before DuckDB sees it. Table
   references must be plain identifiers that the caller's ``resolve`` maps to
   a Parquet file, or CTE names in scope. Every table reference, CTE
   definition included, is rewritten to a generated name, so DuckDB never
   looks up a name the user chose.
2. **A locked DuckDB connection.** A fresh in-memory DuckDB with extension
   autoloading off, at most two threads, a memory limit and no spilling to
   disk exposes each resource as a view, allows reading exactly those Parquet
   files, disables all other external access and locks its configuration
   before the query runs. Even a query that slipped past validation cannot
   read other files, load extensions or change settings.

A timer interrupts queries that run too long, and the result is capped at
``row_cap`` rows (``truncated`` says when more existed).

Result values are JSON-ready: dates and times become ISO 8601 strings,
intervals ISO 8601 durations, and non-finite floats the strings "NaN",
"Infinity" and "-Infinity" (as PostgreSQL's JSON does). DECIMAL columns are
decided per column: if every value's shortest float repr is numerically
equal to the decimal, the column is returned as numbers (CKAN returns
numeric as JSON numbers); otherwise the whole column is returned as plain
decimal strings, so no digit is ever lost and a column never mixes types.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError

from hiraku.datastore.query import quote_identifier

DEFAULT_ROW_CAP = 32000
DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_LIMIT = "512MB"
DEFAULT_MAX_RESULT_BYTES = 64 * 1024 * 1024
MAX_SQL_LENGTH = 50_000
MAX_TABLES = 16
MAX_PATTERN_LENGTH = 500
MAX_REPEAT = 10_000

RESOURCE_PREFIX = "__resource_"
CTE_PREFIX = "__cte_"

# English msgids; Japanese lives in locale/ja/LC_MESSAGES/django.po.
MESSAGES: dict[str, Any] = {
    "empty_sql": _("The SQL statement is empty."),
    "sql_too_long": _("The SQL statement is longer than %(limit)s characters."),
    "syntax_error": _("The SQL could not be parsed: %(detail)s"),
    "too_complex": _("The SQL statement is nested too deeply."),
    "multiple_statements": _("Only one SQL statement is allowed; found %(count)s."),
    "not_select": _("Only SELECT statements are allowed, not %(kind)s."),
    "select_into": _("SELECT ... INTO is not allowed: queries cannot create tables."),
    "construct_not_allowed": _("This SQL construct is not allowed: %(construct)s."),
    "function_not_allowed": _("The function %(name)s is not allowed."),
    "table_function": _("Table functions such as %(name)s are not allowed; "
                        "write a resource id in double quotes as the table name."),
    "qualified_name": _("Qualified table names such as %(name)s are not allowed; "
                        "write the resource id alone."),
    "string_table_name": _("A string or file path cannot be used as a table name. "
                           "Write the resource id in double quotes."),
    "table_not_found": _("Table not found: %(name)s"),
    "too_many_tables": _("The query uses more than %(limit)s tables."),
    "type_not_allowed": _("Conversion to the type %(type)s is not allowed."),
    "unbounded_pattern": _("The pattern of %(name)s must be a string literal of at most %(limit)s characters."),
    "unbounded_argument": _("The count given to %(name)s must be a whole number literal "
                            "between 0 and %(limit)s."),
    "timeout": _("The query exceeded the time limit of %(seconds)s s and was stopped."),
    "out_of_memory": _("The query needed more than %(limit)s of memory and was stopped."),
    "invalid_reference": _("A name in the query could not be resolved: %(detail)s"),
    "invalid_value": _("A value could not be converted or computed: %(detail)s"),
    "forbidden": _("The query tried to read files or change settings, which is not allowed."),
    "query_failed": _("The query failed: %(detail)s"),
    "result_too_large": _("The result is larger than %(limit)s MB. Select fewer rows or columns."),
}


def _render(template: Any, params: Mapping[str, Any]) -> str:
    return str(template) % params if params else str(template)


_render_lazy = lazy(_render, str)


class SQLRejected(Exception):
    """A query that was refused or failed; ``code`` is stable, ``message`` follows the active language."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        self.message = _render_lazy(MESSAGES[code], params)
        super().__init__(f"{code}: {self.text('en')}")

    def text(self, language: str | None = None) -> str:
        if language is None:
            return str(self.message)
        with translation.override(language):
            return str(self.message)


@dataclass
class SQLResult:
    fields: list[dict[str, str]]
    records: list[dict[str, Any]]
    truncated: bool
    sql: str


@dataclass
class Prepared:
    """A validated query rewritten for DuckDB, with the files its views read."""

    sql: str
    views: dict[str, Path] = field(default_factory=dict)  # generated view name -> Parquet file
    names: dict[str, str] = field(default_factory=dict)  # generated name -> name in the user's SQL


def execute_sql(sql: str, resolve: Callable[[str], Path | None], *, row_cap: int = DEFAULT_ROW_CAP,
                timeout: float = DEFAULT_TIMEOUT, memory_limit: str = DEFAULT_MEMORY_LIMIT,
                max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES) -> SQLResult:
    """Validate and run one SELECT; raises :class:`SQLRejected` on any refusal or failure."""
    prepared = prepare(sql, resolve)
    fields, records, truncated = run_prepared(prepared, row_cap=row_cap, timeout=timeout,
                                              memory_limit=memory_limit, max_result_bytes=max_result_bytes)
    return SQLResult(fields=fields, records=records, truncated=truncated, sql=sql)


# ---------------------------------------------------------------------------
# Validation and rewriting

_STRUCTURE = {
    exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery, exp.From, exp.Join,
    exp.Where, exp.Group, exp.Having, exp.Order, exp.Ordered, exp.Limit, exp.Offset, exp.Fetch,
    exp.LimitOptions, exp.Distinct, exp.Rollup, exp.Cube, exp.GroupingSets, exp.Values, exp.Tuple,
    exp.Column, exp.Identifier, exp.Alias, exp.TableAlias, exp.Star, exp.Paren,
    exp.Window, exp.WindowSpec, exp.Filter, exp.WithinGroup, exp.IgnoreNulls, exp.RespectNulls,
    exp.Literal, exp.Boolean, exp.Null, exp.ByteString, exp.UnicodeString, exp.RawString,
    exp.Interval,
    exp.Cast, exp.TryCast, exp.Case, exp.If, exp.Exists, exp.Any, exp.All, exp.In, exp.Between,
    exp.Is, exp.Like, exp.ILike, exp.Escape, exp.Not, exp.Neg, exp.And, exp.Or, exp.Xor,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Pow, exp.DPipe,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ,
    exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseNot, exp.Collate, exp.AtTimeZone,
}

_FUNCTIONS = {
    # text
    exp.Lower, exp.Upper, exp.Length, exp.Substring, exp.Replace, exp.Trim, exp.Concat, exp.ConcatWs,
    exp.StrPosition, exp.Left, exp.Right, exp.SplitPart, exp.StartsWith, exp.EndsWith, exp.Contains,
    exp.Reverse, exp.Initcap, exp.Ascii, exp.Chr, exp.Unicode, exp.Translate, exp.Levenshtein, exp.MD5,
    exp.BitLength, exp.Pad, exp.Repeat,
    exp.RegexpLike, exp.RegexpFullMatch, exp.RegexpReplace, exp.RegexpExtract, exp.RegexpSubstr,
    exp.SimilarTo,
    # dates and times
    exp.TimestampTrunc, exp.DateTrunc, exp.Extract, exp.TimeToStr, exp.StrToDate, exp.StrToTime,
    exp.UnixToTime, exp.TimeFromParts, exp.TimestampFromParts, exp.LastDay, exp.Dayname, exp.Monthname,
    exp.Year, exp.Quarter, exp.Month, exp.Week, exp.Day, exp.DayOfWeek, exp.Hour, exp.Minute, exp.Second,
    exp.CurrentDate, exp.CurrentTime, exp.CurrentTimestamp, exp.Localtimestamp, exp.DateAdd, exp.DateSub,
    # numbers and conditions
    exp.Abs, exp.Round, exp.Floor, exp.Ceil, exp.Trunc, exp.Sign, exp.Sqrt, exp.Cbrt, exp.Exp, exp.Ln,
    exp.Log, exp.Pi, exp.Rand, exp.Degrees, exp.Radians, exp.Sin, exp.Cos, exp.Tan, exp.Asin, exp.Acos,
    exp.Atan, exp.Atan2, exp.WidthBucket, exp.IsNan, exp.IsInf, exp.Greatest, exp.Least,
    exp.Coalesce, exp.Nullif,
    # aggregates
    exp.Count, exp.CountIf, exp.Sum, exp.Avg, exp.Min, exp.Max, exp.Stddev, exp.StddevPop, exp.StddevSamp,
    exp.Variance, exp.VariancePop, exp.Median, exp.Quantile, exp.PercentileCont, exp.PercentileDisc,
    exp.Mode, exp.GroupConcat, exp.LogicalAnd, exp.LogicalOr, exp.Corr, exp.CovarPop, exp.CovarSamp,
    exp.ApproxDistinct, exp.AnyValue, exp.ArgMax, exp.ArgMin, exp.First, exp.Last, exp.Kurtosis,
    exp.Skewness, exp.Grouping,
    # window functions
    exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist, exp.Ntile, exp.Lag, exp.Lead,
    exp.FirstValue, exp.LastValue, exp.NthValue,
}

# DuckDB functions sqlglot does not model; they reach DuckDB under the same name.
_ANONYMOUS_FUNCTIONS = frozenset({
    "regexp_matches", "strftime", "strptime", "try_strptime", "make_date", "age", "isfinite", "epoch",
    "today", "datepart", "octet_length", "strip_accents", "gcd", "lcm", "quantile_cont", "quantile_disc",
    "entropy", "product", "every",
})

# Where the pattern sits in regular-expression functions: it must be a short literal.
_PATTERN_ARGS: dict[type, str] = {
    exp.RegexpLike: "expression", exp.RegexpFullMatch: "expression", exp.RegexpReplace: "expression",
    exp.RegexpExtract: "expression", exp.RegexpSubstr: "expression", exp.SimilarTo: "expression",
}
# Functions whose output grows with a count argument: the count must be a small literal.
_COUNT_ARGS: dict[type, str] = {exp.Pad: "expression", exp.Repeat: "times"}

_TYPES = frozenset({
    exp.DataType.Type.TINYINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.INT, exp.DataType.Type.BIGINT,
    exp.DataType.Type.INT128, exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE, exp.DataType.Type.DECIMAL,
    exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT, exp.DataType.Type.CHAR, exp.DataType.Type.BPCHAR,
    exp.DataType.Type.DATE, exp.DataType.Type.TIME, exp.DataType.Type.TIMETZ, exp.DataType.Type.TIMESTAMP,
    exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.INTERVAL, exp.DataType.Type.BOOLEAN,
})

# Bare words sqlglot keeps as Var: date parts in EXTRACT, units in INTERVAL.
_DATE_PARTS = frozenset(
    word + suffix
    for word in ("year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond",
                 "microsecond", "decade", "century", "millennium", "dow", "doy", "isodow", "isoyear",
                 "epoch", "julian", "timezone", "timezone_hour", "timezone_minute")
    for suffix in ("", "s")
)

# Table arguments that only name the table; anything else (ONLY, TABLESAMPLE, ...) is refused.
_TABLE_ARGS = frozenset({"this", "alias", "joins"})


def prepare(sql: str, resolve: Callable[[str], Path | None]) -> Prepared:
    """Validate ``sql`` and rewrite it for the locked connection; raises :class:`SQLRejected`."""
    if not isinstance(sql, str) or not sql.strip():
        raise SQLRejected("empty_sql")
    if len(sql) > MAX_SQL_LENGTH:
        raise SQLRejected("sql_too_long", limit=MAX_SQL_LENGTH)
    try:
        tree = _parse_one(sql)
        rewriter = _Rewriter(sql, resolve)
        rewriter.statement(tree)
        _name_outputs(tree, sql)
        _call_keyword_functions(tree)
        duck_sql = tree.sql(dialect="duckdb", identify=True, comments=False,
                            unsupported_level=ErrorLevel.RAISE)
    except RecursionError:
        raise SQLRejected("too_complex") from None
    except SqlglotError as e:  # a construct sqlglot cannot write for DuckDB
        raise SQLRejected("construct_not_allowed", construct=str(e).splitlines()[0][:200]) from None
    return Prepared(sql=duck_sql, views=rewriter.views, names=rewriter.names)


def _parse_one(sql: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read="postgres") if s is not None]
    except ParseError as e:
        raise SQLRejected("syntax_error", detail=_parse_error_detail(e)) from None
    except SqlglotError as e:
        raise SQLRejected("syntax_error", detail=str(e).splitlines()[0][:200]) from None
    if not statements:
        raise SQLRejected("empty_sql")
    if len(statements) > 1:
        raise SQLRejected("multiple_statements", count=len(statements))
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.SetOperation | exp.Subquery):
        raise SQLRejected("not_select", kind=_first_keyword(sql))
    return tree


def _parse_error_detail(error: ParseError) -> str:
    if not error.errors:
        return "invalid SQL"
    first = error.errors[0]
    # sqlglot names its own classes in some messages ("missing for <class '...Glob'>").
    description = re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", str(first.get("description")))
    return f"{description} (line {first.get('line')}, column {first.get('col')})"


def _first_keyword(sql: str) -> str:
    try:
        tokens = sqlglot.tokenize(sql, read="postgres")
    except SqlglotError:
        tokens = []
    return tokens[0].text.upper()[:40] if tokens else "?"


class _Rewriter:
    """Walks the tree with CTE scopes, checks every node and renames every table reference."""

    def __init__(self, sql: str, resolve: Callable[[str], Path | None]):
        self.source = sql
        self.resolve = resolve
        self.views: dict[str, Path] = {}
        self.names: dict[str, str] = {}
        self._by_name: dict[str, str] = {}  # name in the user's SQL -> generated view name
        self._ctes = 0

    def statement(self, tree: exp.Expression) -> None:
        self.visit(tree, {})

    def visit(self, node: exp.Expression, scope: dict[str, str]) -> None:
        self.check(node)
        with_ = node.args.get("with_")
        if with_ is not None:
            scope = self.visit_with(with_, scope)
        if isinstance(node, exp.Table):
            self.rename_table(node, scope)
        for child in list(node.iter_expressions()):
            if child is not with_:
                self.visit(child, scope)

    def visit_with(self, with_: exp.Expression, scope: dict[str, str]) -> dict[str, str]:
        if not isinstance(with_, exp.With) or any(with_.args.get(k) for k in ("search", "cycle", "udfs")):
            raise SQLRejected("construct_not_allowed", construct="WITH")
        recursive = bool(with_.args.get("recursive"))
        scope = dict(scope)
        for cte in with_.expressions:
            if not isinstance(cte, exp.CTE) or cte.args.get("scalar") or cte.args.get("key_expressions"):
                raise SQLRejected("construct_not_allowed", construct="WITH")
            alias = cte.args["alias"]
            name = _identifier_name(alias.this)
            self._ctes += 1
            generated = f"{CTE_PREFIX}{self._ctes}"
            self.names[generated] = alias.this.name
            inner = {**scope, name: generated} if recursive else scope
            self.visit(cte.this, inner)
            alias.set("this", exp.to_identifier(generated, quoted=True))
            scope[name] = generated
        return scope

    def check(self, node: exp.Expression) -> None:
        kind = type(node)
        if kind in _STRUCTURE:
            self.check_structure(node)
        elif kind in _FUNCTIONS:
            self.check_bounds(node)
        elif kind is exp.Anonymous:
            if node.name.lower() not in _ANONYMOUS_FUNCTIONS:
                raise SQLRejected("function_not_allowed", name=node.name)
            if node.name.lower() == "regexp_matches":
                self.check_pattern(node, node.expressions[1] if len(node.expressions) > 1 else None)
        elif kind is exp.Table:
            self.check_table(node)
        elif kind is exp.DataType:
            self.check_type(node)
        elif kind is exp.DataTypeParam:
            if not isinstance(node.this, exp.Literal):
                raise SQLRejected("type_not_allowed", type=node.sql(dialect="postgres"))
        elif kind is exp.Var:
            # Bare words are date parts (EXTRACT, INTERVAL) or collation names (COLLATE nocase).
            if node.name.lower() not in _DATE_PARTS and not isinstance(node.parent, exp.Collate):
                raise SQLRejected("construct_not_allowed", construct=node.name[:40])
        elif kind is exp.Into:
            raise SQLRejected("select_into")
        elif isinstance(node, exp.Func):
            raise SQLRejected("function_not_allowed", name=node.sql_name().lower())
        else:
            raise SQLRejected("construct_not_allowed", construct=_construct_name(node))

    def check_structure(self, node: exp.Expression) -> None:
        if isinstance(node, exp.Star) and any(node.args.values()):
            raise SQLRejected("construct_not_allowed", construct="* EXCLUDE/REPLACE")
        if isinstance(node, exp.Column) and (node.args.get("db") or node.args.get("catalog")):
            raise SQLRejected("qualified_name", name=node.sql(dialect="postgres"))

    def check_bounds(self, node: exp.Expression) -> None:
        if type(node) in _PATTERN_ARGS:
            self.check_pattern(node, node.args.get(_PATTERN_ARGS[type(node)]))
        if type(node) in _COUNT_ARGS:
            count = node.args.get(_COUNT_ARGS[type(node)])
            if not (isinstance(count, exp.Literal) and not count.is_string and count.this.isdigit()
                    and int(count.this) <= MAX_REPEAT):
                raise SQLRejected("unbounded_argument", name=_function_name(node), limit=MAX_REPEAT)

    def check_pattern(self, node: exp.Expression, pattern: exp.Expression | None) -> None:
        # RE2 runs in linear time, but a literal pattern keeps compilation bounded and predictable.
        if not (isinstance(pattern, exp.Literal) and pattern.is_string and len(pattern.this) <= MAX_PATTERN_LENGTH):
            raise SQLRejected("unbounded_pattern", name=_function_name(node), limit=MAX_PATTERN_LENGTH)

    def check_type(self, node: exp.DataType) -> None:
        if node.this not in _TYPES or node.args.get("nested") or node.args.get("values"):
            raise SQLRejected("type_not_allowed", type=node.sql(dialect="postgres"))

    def check_table(self, node: exp.Table) -> None:
        target = node.this
        if isinstance(target, exp.Func):
            name = target.name if isinstance(target, exp.Anonymous) else target.sql_name().lower()
            raise SQLRejected("table_function", name=name)
        if not isinstance(target, exp.Identifier):
            raise SQLRejected("construct_not_allowed", construct=_construct_name(target))
        if node.args.get("db") or node.args.get("catalog"):
            raise SQLRejected("qualified_name", name=node.sql(dialect="postgres"))
        extra = sorted(k for k, v in node.args.items() if v and k not in _TABLE_ARGS)
        if extra:
            raise SQLRejected("construct_not_allowed", construct=extra[0].rstrip("_").upper())
        start = target.meta.get("start")
        if start is not None and self.source[start:start + 1] == "'":
            raise SQLRejected("string_table_name")

    def rename_table(self, node: exp.Table, scope: dict[str, str]) -> None:
        original = node.this
        name = _identifier_name(original)
        generated = scope.get(name) or self.view_for(name)
        node.set("this", exp.to_identifier(generated, quoted=True))
        if not node.args.get("alias"):
            # Keeps "<resource id>"."column" and cte.column references working.
            node.set("alias", exp.TableAlias(this=original.copy()))

    def view_for(self, name: str) -> str:
        if name in self._by_name:
            return self._by_name[name]
        if "/" in name or "\\" in name:
            raise SQLRejected("string_table_name")
        path = self.resolve(name)
        if path is None or not Path(path).is_file():
            raise SQLRejected("table_not_found", name=name)
        if len(self.views) >= MAX_TABLES:
            raise SQLRejected("too_many_tables", limit=MAX_TABLES)
        generated = f"{RESOURCE_PREFIX}{len(self.views) + 1}"
        self._by_name[name] = generated
        self.views[generated] = Path(path).resolve()
        self.names[generated] = name
        return generated


# PostgreSQL names an unaliased cast of a constant after the type (SELECT 1::int gives "int4").
_PG_TYPE_NAMES = {
    exp.DataType.Type.INT: "int4", exp.DataType.Type.BIGINT: "int8", exp.DataType.Type.SMALLINT: "int2",
    exp.DataType.Type.DOUBLE: "float8", exp.DataType.Type.FLOAT: "float4", exp.DataType.Type.DECIMAL: "numeric",
    exp.DataType.Type.BOOLEAN: "bool", exp.DataType.Type.CHAR: "bpchar", exp.DataType.Type.BPCHAR: "bpchar",
}
_PG_FUNCTION_NAMES = {exp.GroupConcat: "string_agg"}
_NAME_RE = re.compile(r'"?([A-Za-z_][A-Za-z0-9_]*)"?')
_NO_NAME = "?column?"


def _name_outputs(tree: exp.Expression, source: str) -> None:
    """Alias unnamed output columns the way PostgreSQL names them (count, sum, ?column?, ...).

    DuckDB would call them "count_star()" or repeat the whole expression; CKAN clients expect
    PostgreSQL's names as the record keys.
    """
    select = tree
    while isinstance(select, exp.SetOperation | exp.Subquery):
        select = select.this
    if not isinstance(select, exp.Select):
        return
    named = []
    for projection in select.expressions:
        if isinstance(projection, exp.Alias | exp.Column | exp.Star):
            named.append(projection)
        else:
            named.append(exp.alias_(projection, _pg_name(projection, source), quoted=True))
    select.set("expressions", named)


def _pg_name(node: exp.Expression, source: str) -> str:
    if isinstance(node, exp.Column):
        return node.name
    if isinstance(node, exp.Alias):
        return node.alias
    if isinstance(node, exp.Window | exp.Filter | exp.WithinGroup | exp.IgnoreNulls | exp.RespectNulls
                  | exp.Paren):
        return _pg_name(node.this, source)
    if isinstance(node, exp.Cast):
        inner = _pg_name(node.this, source)
        if inner != _NO_NAME:
            return inner
        return _PG_TYPE_NAMES.get(node.to.this, node.to.this.name.lower())
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Exists):
        return "exists"
    if isinstance(node, exp.Subquery):
        inner = node.this
        while isinstance(inner, exp.SetOperation | exp.Subquery):
            inner = inner.this
        return _pg_name(inner.expressions[0], source) if isinstance(inner, exp.Select) else _NO_NAME
    if isinstance(node, exp.Func):
        return _function_name_in_source(node, source)
    return _NO_NAME


def _function_name_in_source(node: exp.Func, source: str) -> str:
    """The name as the user wrote it (strpos, not STR_POSITION); operators such as % have none."""
    start, end = node.meta.get("start"), node.meta.get("end")
    if start is not None and end is not None:
        written = _NAME_RE.fullmatch(source[start:end + 1])
        return written.group(1).lower() if written else _NO_NAME
    if isinstance(node, exp.Binary):
        return _NO_NAME
    if type(node) in _PG_FUNCTION_NAMES:
        return _PG_FUNCTION_NAMES[type(node)]
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return node.sql_name().lower()


# DuckDB reads a bare CURRENT_DATE as a column that falls back to the function, so an output
# column named "current_date" would refer to itself; call the functions explicitly instead.
_KEYWORD_FUNCTIONS = {
    exp.CurrentDate: "current_date", exp.CurrentTime: "get_current_time",
    exp.CurrentTimestamp: "get_current_timestamp", exp.Localtimestamp: "current_localtimestamp",
}


def _call_keyword_functions(tree: exp.Expression) -> None:
    for node in list(tree.find_all(*_KEYWORD_FUNCTIONS)):
        node.replace(exp.Anonymous(this=_KEYWORD_FUNCTIONS[type(node)], expressions=[]))


def _identifier_name(identifier: exp.Identifier) -> str:
    """PostgreSQL's rule: quoted names are exact, unquoted ones fold to lower case."""
    return identifier.name if identifier.quoted else identifier.name.lower()


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else type(node).__name__.lower()


def _construct_name(node: exp.Expression) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).upper()


# ---------------------------------------------------------------------------
# Execution on a locked connection

_MEMORY_RE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)", re.IGNORECASE)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list_literal(items: Iterable[str]) -> str:
    return "[" + ", ".join(_literal(i) for i in items) + "]"


def _connect(views: Mapping[str, Path], memory_limit: str) -> duckdb.DuckDBPyConnection:
    """A fresh connection that can read exactly the views' Parquet files and nothing else."""
    if not _MEMORY_RE.fullmatch(memory_limit):
        raise ValueError(f"invalid memory limit: {memory_limit!r}")
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "threads": "2",
        "memory_limit": memory_limit,
        "temp_directory": "",  # no spilling: a query that does not fit in memory fails cleanly
    })
    try:
        for name, path in views.items():
            con.execute(f"CREATE VIEW {quote_identifier(name)} AS "
                        f"SELECT * FROM read_parquet({_literal(str(path))})")
        con.execute(f"SET allowed_paths={_list_literal(str(p) for p in views.values())}")
        con.execute("SET allowed_directories=[]")
        con.execute("SET enable_external_access=false")
        con.execute("SET lock_configuration=true")
    except BaseException:
        con.close()
        raise
    return con


def run_prepared(prepared: Prepared, *, row_cap: int = DEFAULT_ROW_CAP, timeout: float = DEFAULT_TIMEOUT,
                 memory_limit: str = DEFAULT_MEMORY_LIMIT,
                 max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES) -> tuple[list[dict], list[dict], bool]:
    """Run already-prepared SQL on a locked connection; returns (fields, records, truncated)."""
    row_cap = max(int(row_cap), 0)
    wrapped = f"SELECT * FROM ({prepared.sql}) LIMIT {row_cap + 1}"
    try:
        con = _connect(prepared.views, memory_limit)
    except duckdb.Error as e:  # e.g. a damaged Parquet file
        raise SQLRejected("query_failed", detail=_clean_detail(str(e), prepared)) from None
    interrupted = threading.Event()

    def stop() -> None:
        interrupted.set()
        with suppress(duckdb.Error):  # the query may have just finished and closed the connection
            con.interrupt()

    timer = threading.Timer(timeout, stop)
    timer.start()
    try:
        cursor = con.execute(wrapped)
        description = cursor.description
        table = cursor.to_arrow_table()
    except duckdb.Error as e:
        raise _rejection(e, interrupted.is_set(), prepared, timeout, memory_limit) from None
    finally:
        timer.cancel()
        con.close()
    if table.nbytes > max_result_bytes:
        raise SQLRejected("result_too_large", limit=f"{max_result_bytes / 2**20:.3g}")
    truncated = table.num_rows > row_cap
    table = table.slice(0, row_cap)
    return _fields_and_records(description, table) + (truncated,)


def _rejection(error: duckdb.Error, interrupted: bool, prepared: Prepared, timeout: float,
               memory_limit: str) -> SQLRejected:
    if interrupted or isinstance(error, duckdb.InterruptException):
        return SQLRejected("timeout", seconds=_seconds(timeout))
    if isinstance(error, duckdb.OutOfMemoryException):
        return SQLRejected("out_of_memory", limit=memory_limit)
    if isinstance(error, duckdb.PermissionException):
        return SQLRejected("forbidden")
    detail = _clean_detail(str(error), prepared)
    if isinstance(error, duckdb.BinderException | duckdb.CatalogException):
        return SQLRejected("invalid_reference", detail=detail)
    if isinstance(error, duckdb.ParserException | duckdb.SyntaxException):
        return SQLRejected("syntax_error", detail=detail)
    if isinstance(error, duckdb.DataError | duckdb.InvalidInputException):
        return SQLRejected("invalid_value", detail=detail)
    return SQLRejected("query_failed", detail=detail)


def _seconds(timeout: float) -> str:
    return f"{timeout:g}"


_ERROR_PREFIX_RE = re.compile(r"^[A-Za-z ]*Error:\s*")
_GENERATED_RE = re.compile(rf"(?:{RESOURCE_PREFIX}|{CTE_PREFIX})\d+")
# Absolute paths (POSIX or Windows) that follow a quote, bracket, space or the start of the text.
_PATH_RE = re.compile(r"(?:^|(?<=[\s'\"(\[=]))(?:[A-Za-z]:)?[/\\][^\s'\"\])]+")


def _clean_detail(message: str, prepared: Prepared) -> str:
    """DuckDB's first line, with generated names mapped back and no file system paths."""
    line = message.strip().splitlines()[0] if message.strip() else ""
    line = _ERROR_PREFIX_RE.sub("", line)
    for path in sorted({str(p) for p in prepared.views.values()}, key=len, reverse=True):
        line = line.replace(path, "<resource>")
    line = _PATH_RE.sub("<path>", line)
    line = _GENERATED_RE.sub(lambda m: prepared.names.get(m.group(0), m.group(0)), line)
    return line[:500]


# ---------------------------------------------------------------------------
# JSON-ready results

_INT_TYPES = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                        "UINTEGER", "UBIGINT", "UHUGEINT"})


def field_type(duckdb_type: str) -> str:
    """The CKAN-style type name of a DuckDB result type."""
    t = duckdb_type.upper()
    if t in _INT_TYPES:
        return "int"
    if t.startswith("DECIMAL") or t in ("DOUBLE", "FLOAT"):
        return "numeric"
    if t == "VARCHAR":
        return "text"
    if t == "BOOLEAN":
        return "bool"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t.startswith("TIME"):
        return "time"
    if t == "INTERVAL":
        return "interval"
    return duckdb_type.lower()


def _fields_and_records(description, table) -> tuple[list[dict], list[dict]]:
    names = [d[0] for d in description]
    types = [field_type(str(d[1])) for d in description]
    columns = [_convert_column(table.column(i).to_pylist(), types[i]) for i in range(len(names))]
    fields = [{"id": n, "type": t} for n, t in zip(names, types, strict=True)]
    records = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)] if columns else []
    return fields, records


def _convert_column(values: list[Any], kind: str) -> list[Any]:
    if kind == "int":
        return [None if v is None else int(v) for v in values]
    if kind == "numeric" and any(isinstance(v, Decimal) for v in values):
        return _decimal_column(values)
    return [json_value(v) for v in values]


def _decimal_column(values: list[Decimal | None]) -> list[Any]:
    """Numbers when every value survives the trip through a float exactly, else plain decimal strings."""
    floats = [None if v is None else float(v) for v in values]
    if all(v is None or (math.isfinite(f) and Decimal(repr(f)) == v) for v, f in zip(values, floats, strict=True)):
        return floats
    return [None if v is None else format(v, "f") for v in values]


def json_value(value: Any) -> Any:
    """One DuckDB value as something ``json.dumps`` accepts without loss of meaning."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return iso_duration(0, value.days, value.seconds * 10**9 + value.microseconds * 1000)
    if hasattr(value, "months") and hasattr(value, "nanoseconds"):  # Arrow's month-day-nano interval
        return iso_duration(value.months, value.days, value.nanoseconds)
    if isinstance(value, bytes | bytearray):
        return "\\x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def iso_duration(months: int, days: int, nanoseconds: int) -> str:
    """ISO 8601 duration such as P1Y2M3DT4H5M6.5S; components keep their own sign, as PostgreSQL does."""
    years, months = int(months / 12), months - int(months / 12) * 12
    sign = "-" if nanoseconds < 0 else ""
    hours, rest = divmod(abs(nanoseconds), 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    seconds, fraction = divmod(rest, 10**9)
    date = "".join(f"{n}{u}" for n, u in ((years, "Y"), (months, "M"), (days, "D")) if n)
    second_text = f"{seconds}.{fraction:09d}".rstrip("0").rstrip(".") if fraction else str(seconds)
    time = "".join(f"{sign}{n}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n)
    if seconds or fraction:
        time += f"{sign}{second_text}S"
    if not date and not time:
        return "PT0S"
    return "P" + date + ("T" + time if time else "")
