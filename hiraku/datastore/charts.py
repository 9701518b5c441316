"""Figures for charts: one aggregate per category of an ingested table.

``aggregate(parquet_path, group_by, value, function)`` groups the rows by a
column and answers the count, sum, average, minimum or maximum of another
column per group, largest first (categories that are numbers or dates keep
their own order, so a line over years reads left to right). Column names are
checked against the table before they reach the SQL text and the function is
one of a fixed set, so nothing the user typed is ever executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from .query import open_table, quote_identifier, run
from .search import SearchInputError, ckan_type, json_value

FUNCTIONS = ("count", "sum", "avg", "min", "max")
NUMERIC_TYPES = ("int", "numeric")
ORDERED_TYPES = ("int", "numeric", "date", "timestamp", "time")
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
ORDERS = ("auto", "value", "label")
# Suggested default chart: a text column with a handful of categories.
SUGGEST_MIN_GROUPS = 2
SUGGEST_MAX_GROUPS = 30


class ChartInputError(SearchInputError):
    """A chart parameter the table cannot answer; ``field`` names the parameter."""


def value_functions(column_type: str) -> tuple[str, ...]:
    """Aggregates that make sense for a value column of this CKAN type."""
    if column_type in NUMERIC_TYPES:
        return FUNCTIONS
    if column_type in ORDERED_TYPES:
        return ("count", "min", "max")
    return ("count",)


def aggregate(parquet_path: str | Path, group_by: str, value: str | None, function: str,
              limit: int = DEFAULT_LIMIT, order: str = "auto") -> dict[str, Any]:
    """{"labels": [...], "values": [...], "groups": total number of groups, "truncated": bool}.

    ``value`` may be None only for ``count`` (rows per group); with a column,
    ``count`` counts its filled cells. ``order`` is "value" (largest first),
    "label" (category order) or "auto" (category order for numbers and dates,
    largest first otherwise). Raises :class:`ChartInputError` for bad input.
    """
    if function not in FUNCTIONS:
        raise ChartInputError("function", _("Unknown aggregate: %(value)s") % {"value": function})
    if order not in ORDERS:
        raise ChartInputError("order", _("Unknown order: %(value)s") % {"value": order})
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ChartInputError("limit", _("The limit must be between 1 and %(max)s.") % {"max": MAX_LIMIT})
    with open_table(parquet_path) as con:
        types = {name: ckan_type(native)
                 for name, native in run(con, "SELECT column_name, column_type FROM (DESCRIBE data)")[1]}
        if group_by not in types:
            raise ChartInputError("group_by", _("No such column: %(column)s") % {"column": group_by})
        if value is None or value == "":
            if function != "count":
                raise ChartInputError("value", _("Choose a column to aggregate."))
            measure = "count(*)"
        else:
            if value not in types:
                raise ChartInputError("value", _("No such column: %(column)s") % {"column": value})
            if function not in value_functions(types[value]):
                raise ChartInputError("function", _("Column %(column)s cannot be aggregated with %(function)s.")
                                      % {"column": value, "function": function})
            measure = f"{function}({quote_identifier(value)})"
        by_label = order == "label" or (order == "auto" and types[group_by] in ORDERED_TYPES)
        sort = "g ASC NULLS LAST" if by_label else "m DESC NULLS LAST, g ASC NULLS LAST"
        grouped = f"SELECT {quote_identifier(group_by)} AS g, {measure} AS m FROM data GROUP BY 1"
        rows = run(con, f"SELECT g, m FROM ({grouped}) ORDER BY {sort} LIMIT ?", [limit])[1]
        groups = run(con, f"SELECT count(DISTINCT {quote_identifier(group_by)}) + "
                          f"(count(*) > count({quote_identifier(group_by)}))::INTEGER FROM data")[1][0][0]
    return {
        "labels": [json_value(g) for g, _m in rows],
        "values": [json_value(m) for _g, m in rows],
        "groups": groups,
        "truncated": groups > len(rows),
    }


def suggest(profile: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A sensible first chart from a column profile: rows per category of a text column with
    a handful of values, else of the first column that repeats; None when nothing repeats."""
    candidates = [c for c in profile if c["count"] and c["distinct"] < c["count"]]
    for column in candidates:
        if column["type"] == "text" and SUGGEST_MIN_GROUPS <= column["distinct"] <= SUGGEST_MAX_GROUPS:
            return {"group_by": column["id"], "value": None, "function": "count"}
    for column in candidates:
        if column["type"] != "numeric" and column["distinct"] >= SUGGEST_MIN_GROUPS:
            return {"group_by": column["id"], "value": None, "function": "count"}
    return None
