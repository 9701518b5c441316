"""The datastore part of the resource page: status, table preview, column profile,
chart, map and downloads, plus the small JSON endpoints the page's scripts read.

Everything is read through :mod:`hiraku.datastore.services` and the datastore
library (profile, charts, mapping); this module only turns GET parameters into
requests and answers into what the templates show. The page works without
JavaScript: paging, sorting, filters and the chart form are links and GET forms.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import duckdb
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_POST, require_safe

from hiraku.catalog import permissions
from hiraku.catalog import services as catalog
from hiraku.datastore import charts, dictionary, dumps, geo, mapping, push, services
from hiraku.datastore.models import DatastoreTable
from hiraku.datastore.profile import profile_table
from hiraku.datastore.search import SearchInputError, SearchRequest, dump_request, json_value, parse_spatial
from hiraku.datastore.spatial import DISTANCE, Spatial

logger = logging.getLogger(__name__)

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE = 1_000_000
FILTER_PREFIX = "f."
PREVIEW_ANCHOR = "#data-preview"
CHART_TYPES = (("bar", _("Bar chart")), ("line", _("Line chart")), ("pie", _("Pie chart")))
FUNCTIONS = (
    ("count", _("Count")), ("sum", _("Sum")), ("avg", _("Average")), ("min", _("Minimum")), ("max", _("Maximum")),
)
CHART_PARAMS = ("chart", "group_by", "value", "function")
TYPE_LABELS = {
    "int": _("Integer"), "numeric": _("Number"), "text": _("Text"), "date": _("Date"),
    "timestamp": _("Date and time"), "time": _("Time"), "bool": _("Yes/no"),
}
NUMERIC_TYPES = ("int", "numeric")
STATUS_LABELS = {"pending": _("Waiting"), "running": _("Processing"), "done": _("Ready"), "error": _("Failed")}
PHASE_LABELS = {
    "read": _("Reading the file"), "extract": _("Reading the file"), "convert": _("Converting values"),
    "write": _("Writing the table"), "publish": _("Publishing"),
}
TRUE_WORDS = {"true", "1", "yes", "y", "はい", "有", "あり", "○", "〇"}
FALSE_WORDS = {"false", "0", "no", "n", "いいえ", "無", "なし", "×"}
# What went wrong with a parameter, in the page language.
FIELD_MESSAGES = {
    "page": _("The page number is not valid."),
    "size": _("Choose 20, 50 or 100 rows per page."),
    "sort": _("The table cannot be sorted by that column."),
    "filters": _("A filter does not fit its column: check the column and the value (dates as 2024-04-01)."),
    "q": _("A filter names a column the table does not have."),
    "sheet": _("The table has no sheet of that name."),
    "chart": _("Choose a bar, line or pie chart."),
    "group_by": _("Choose a column to group the rows by."),
    "value": _("Choose a number column for this aggregate, or count the rows."),
    "function": _("This aggregate cannot be used with the chosen column."),
    "limit": _("The number of categories is not valid."),
    "columns": _("The table has no latitude and longitude columns, so it cannot be shown on a map."),
    "id": _("The row number is not valid."),
    "near": _("Give the place as latitude,longitude in degrees, e.g. 34.3428,134.0466."),
}
DOWNLOADS = (
    ("csv", True, _("CSV for Excel (UTF-8 with BOM)")),
    ("csv", False, _("CSV (UTF-8)")),
    ("tsv", False, _("TSV (UTF-8)")),
    ("xlsx", False, _("Excel (XLSX)")),
    ("json", False, "JSON"),
    ("geojson", False, _("GeoJSON (map points)")),
    ("parquet", False, _("Parquet")),
)


# A download of filtered rows is built for each request: the formats people open themselves.
SELECTION_DOWNLOADS = tuple(d for d in DOWNLOADS if d[0] in ("csv", "xlsx", "json", "geojson"))


class BadParameter(Exception):
    def __init__(self, field_name: str, message=None):
        super().__init__(field_name)
        self.field = field_name
        self.message = message or FIELD_MESSAGES.get(field_name, _("A parameter is not valid."))


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _localized(texts: dict | None) -> str:
    if not texts:
        return ""
    return texts.get(_language()) or texts.get("en") or texts.get("ja") or ""


def _query(params: QueryDict, anchor: str = "", **changes) -> str:
    """``?…`` with ``changes`` applied (None removes a key); any change but paging starts at page 1."""
    copied = params.copy()
    if "page" not in changes:
        copied.pop("page", None)
    for key, value in changes.items():
        if value is None:
            copied.pop(key, None)
        else:
            copied[key] = str(value)
    encoded = copied.urlencode()
    return (f"?{encoded}" if encoded else "?") + anchor


def _resource_or_404(dataset_name: str, resource_id, user):
    try:
        resource = catalog.get_resource(str(resource_id), user)
    except catalog.NotFound as missing:
        raise Http404 from missing
    if resource.dataset.name != dataset_name:
        raise Http404
    return resource


def _queryable_table(resource) -> DatastoreTable:
    table = services.table_status(resource)
    if table is None or not table.is_queryable:
        raise Http404
    table.resource = resource
    return table


def _sheet_index(table: DatastoreTable, params: QueryDict) -> int:
    try:
        return services.table_index(table, params.get("sheet") or None)
    except catalog.NotFound as missing:
        raise BadParameter("sheet") from missing


# --- what the page shows ----------------------------------------------------------

@dataclass
class Column:
    id: str
    label: str
    type: str
    description: str = ""
    sort_url: str = ""
    aria_sort: str = ""
    next_order: str = "asc"

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS.get(self.type, self.type))

    @property
    def is_row_number(self) -> bool:
        return self.id == "_id"


@dataclass
class Cell:
    text: str
    kind: str  # "number", "date", "bool", "text" or "empty"
    row_header: bool = False


@dataclass
class PageLink:
    number: int
    url: str
    current: bool = False
    gap_before: bool = False


@dataclass
class ActiveFilter:
    column: Column
    value: str
    remove_url: str
    contains: bool


@dataclass
class TablePreview:
    columns: list[Column]
    rows: list[list[Cell]]
    total: int
    page: int
    size: int
    sort: str
    order: str
    filters: list[ActiveFilter]
    pages: list[PageLink] = field(default_factory=list)
    previous_url: str = ""
    next_url: str = ""
    clear_filters_url: str = ""
    size_options: tuple = PAGE_SIZES
    selection: dict[str, str] = field(default_factory=dict)  # the dump parameters of the filtered rows
    near: str = ""  # the place the rows are sorted by distance from ("lat,lon"), if any
    clear_near_url: str = ""

    @property
    def first(self) -> int:
        return (self.page - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def filter_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.is_row_number and c.id != DISTANCE]


@dataclass
class ChartView:
    types: tuple = CHART_TYPES
    functions: tuple = FUNCTIONS
    columns: list[Column] = field(default_factory=list)
    value_columns: list[Column] = field(default_factory=list)
    chart: str = "bar"
    group_by: str = ""
    value: str = ""
    function: str = "count"
    figures: dict | None = None
    title: str = ""
    group_label: str = ""
    value_label: str = ""
    error: str = ""

    @property
    def rows(self) -> list[tuple[Any, Any]]:
        if not self.figures:
            return []
        return list(zip(self.figures["labels"], self.figures["values"], strict=True))

    @property
    def script_data(self) -> dict:
        return {"type": self.chart, "title": self.title, "labels": (self.figures or {}).get("labels", []),
                "values": (self.figures or {}).get("values", []), "valueLabel": self.value_label,
                "groupLabel": self.group_label, "empty": gettext("(empty)"),
                "truncatedText": gettext("Only the first %(shown)s of %(groups)s categories are shown.")}


def status_texts() -> dict[str, str]:
    """What the status script writes, in the page language (placeholders as in Python)."""
    return {
        "pending": gettext("Waiting to be processed."),
        "running": gettext("Processing"),
        "phase": gettext("Processing: %(phase)s"),
        "done": gettext("Processing finished."),
        "error": gettext("The table could not be processed."),
        "of": gettext("%(done)s of %(total)s rows"),
        "so_far": gettext("%(done)s rows so far"),
    }


@dataclass
class DatastorePage:
    table: DatastoreTable
    status: dict
    status_url: str
    status_texts: dict = field(default_factory=status_texts)
    warnings: list[dict] = field(default_factory=list)
    sheets: list[dict] = field(default_factory=list)
    sheet: str = ""
    preview: TablePreview | None = None
    profile: list[dict] = field(default_factory=list)
    chart: ChartView | None = None
    map: dict | None = None
    downloads: list[dict] = field(default_factory=list)
    selection_downloads: list[dict] = field(default_factory=list)  # of the rows the filters keep
    dictionary: list[dict] = field(default_factory=list)
    error: str = ""
    unavailable: bool = False
    status_code: int = 200
    redirect_to: str = ""


def status_of(table: DatastoreTable) -> dict:
    """The job's state as the page and the status endpoint show it."""
    total = table.progress_total
    done = table.progress_done or 0
    error = table.error or None
    return {
        "status": table.status,
        "label": str(STATUS_LABELS.get(table.status, table.status)),
        "busy": table.status in (DatastoreTable.Status.PENDING, DatastoreTable.Status.RUNNING),
        "phase": table.phase,
        "phase_label": str(PHASE_LABELS.get(table.phase, table.phase)),
        "done": done,
        "total": total,
        "percent": min(100, math.floor(done * 100 / total)) if total else None,
        "version": table.version,
        "rows": table.row_count,
        "error": {"message": _localized(error.get("message")), "location": _localized(error.get("location"))}
        if error else None,
        "previous_version_served": bool(error) and table.version is not None,
    }


def _columns(table: DatastoreTable, index: int) -> list[Column]:
    out = []
    for entry in services.fields(table, index):
        info = entry.get("info") or {}
        label = gettext("No.") if entry["id"] == "_id" else (info.get("label") or entry["id"])
        out.append(Column(id=entry["id"], label=label, type=entry["type"],
                          description=info.get("description", "")))
    return out


def _cell(value: Any, column: Column) -> Cell:
    if value is None or value == "":
        return Cell("", "empty")
    if isinstance(value, bool):
        return Cell(gettext("Yes") if value else gettext("No"), "bool")
    value = json_value(value)
    if column.is_numeric:
        return Cell(str(value), "number")
    if column.type in ("date", "timestamp", "time"):
        return Cell(str(value), "date")
    return Cell(str(value), "text")


def _filter_value(column: Column, text: str) -> Any:
    if column.type == "bool":
        word = text.strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return text.strip()


def _page_links(params: QueryDict, page: int, page_count: int) -> list[PageLink]:
    shown = sorted({1, page_count, *range(max(1, page - 2), min(page_count, page + 2) + 1)})
    links, previous = [], 0
    for number in shown:
        links.append(PageLink(number, _query(params, PREVIEW_ANCHOR, page=number if number > 1 else None),
                              current=number == page, gap_before=previous and number - previous > 1))
        previous = number
    return links


def _int_param(params: QueryDict, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise BadParameter(name) from error


def _near(params: QueryDict, columns: list[Column], has_coordinates: bool) -> tuple[Spatial | None, list[Column]]:
    """The ``near`` parameter as a spatial selection, and the columns with the distance after the row number."""
    text = params.get("near", "").strip()
    if not text:
        return None, columns
    if not has_coordinates:
        raise BadParameter("columns")
    try:
        selection = parse_spatial(text, None, None)
    except SearchInputError as error:
        raise BadParameter("near") from error
    distance = Column(id=DISTANCE, label=gettext("Distance (m)"), type="numeric")
    return selection, columns[:1] + [distance] + columns[1:]


def build_preview(table: DatastoreTable, index: int, params: QueryDict, columns: list[Column],
                  has_coordinates: bool = False) -> TablePreview:
    """One page of the table as the GET parameters ask (page, size, sort, order, f.<column>, near)."""
    spatial, columns = _near(params, columns, has_coordinates)
    by_id = {c.id: c for c in columns}
    page = _int_param(params, "page", 1)
    size = _int_param(params, "size", DEFAULT_PAGE_SIZE)
    if not 1 <= page <= MAX_PAGE:
        raise BadParameter("page")
    if size not in PAGE_SIZES:
        raise BadParameter("size")
    sort = params.get("sort") or (DISTANCE if spatial else "_id")
    order = params.get("order") or "asc"
    if sort not in by_id or order not in ("asc", "desc"):
        raise BadParameter("sort")
    filters, contains, active = {}, {}, []
    for key in params:
        if not key.startswith(FILTER_PREFIX):
            continue
        column = by_id.get(key[len(FILTER_PREFIX):])
        value = params.get(key, "")
        if column is None:
            raise BadParameter("q")
        if not value.strip():
            continue
        is_text = column.type == "text"
        if is_text:
            contains[column.id] = value
        else:
            filters[column.id] = _filter_value(column, value)
        active.append(ActiveFilter(column, value, _query(params, PREVIEW_ANCHOR, **{key: None}), is_text))
    quoted = '"' + sort.replace('"', '""') + '"'
    sort_spec = f"{quoted} {order}" + ("" if sort == "_id" else ', "_id" asc')
    request = SearchRequest(filters=filters, q=contains or None, sort=sort_spec, limit=size,
                            offset=(page - 1) * size, spatial=spatial,
                            fields=[c.id for c in columns] if spatial else None)
    try:
        result = services.search(table, request, index)
    except SearchInputError as error:
        raise BadParameter(error.field if error.field in FIELD_MESSAGES else "filters") from error
    for column in columns:
        if column.id == sort:
            column.aria_sort = "ascending" if order == "asc" else "descending"
            column.next_order = "desc" if order == "asc" else "asc"
        column.sort_url = _query(params, PREVIEW_ANCHOR, sort=column.id, order=column.next_order)
    rows = [[_cell(value, by_id[f["id"]]) for f, value in zip(result.fields, row, strict=True)]
            for row in result.rows]
    for row in rows:
        row[0].row_header = result.fields[0]["id"] == "_id"
    total = result.total or 0
    page_count = max(1, math.ceil(total / size))
    preview = TablePreview(columns=columns, rows=rows, total=total, page=page, size=size, sort=sort, order=order,
                           filters=active)
    if spatial:
        preview.near = ",".join(f"{degrees:.6f}".rstrip("0").rstrip(".") for degrees in spatial.near)
        preview.clear_near_url = _query(params, PREVIEW_ANCHOR, near=None, sort=None if sort == DISTANCE else sort)
    if page_count > 1 or page > 1:
        preview.pages = _page_links(params, min(page, page_count), page_count)
    if page > 1:
        preview.previous_url = _query(params, PREVIEW_ANCHOR, page=page - 1 if page > 2 else None)
    if page < page_count:
        preview.next_url = _query(params, PREVIEW_ANCHOR, page=page + 1)
    if active or spatial:
        preview.selection = {"sort": sort_spec}
        if spatial:
            preview.selection["near"] = preview.near
        if filters:
            preview.selection["filters"] = json.dumps(filters, ensure_ascii=False)
        if contains:
            preview.selection["q"] = json.dumps(contains, ensure_ascii=False)
        cleared = params.copy()
        for key in [k for k in cleared if k.startswith(FILTER_PREFIX)]:
            cleared.pop(key)
        preview.clear_filters_url = _query(cleared, PREVIEW_ANCHOR)
    return preview


def filter_redirect(params: QueryDict, columns: list[Column]) -> str:
    """The filter form sends filter_column + filter_value; the page's address keeps them as f.<column>."""
    column = params.get("filter_column", "")
    if column not in {c.id for c in columns}:
        raise BadParameter("q")
    kept = params.copy()
    for key in ("filter_column", "filter_value", "page"):
        kept.pop(key, None)
    value = params.get("filter_value", "").strip()
    if value:
        kept[FILTER_PREFIX + column] = value
    else:
        kept.pop(FILTER_PREFIX + column, None)
    return _query(kept, PREVIEW_ANCHOR)


def chart_title(function: str, group_label: str, value_label: str) -> str:
    if function == "count" and not value_label:
        return gettext("Number of rows by %(group)s") % {"group": group_label}
    names = {
        "count": gettext("Number of filled %(value)s by %(group)s"),
        "sum": gettext("Sum of %(value)s by %(group)s"),
        "avg": gettext("Average of %(value)s by %(group)s"),
        "min": gettext("Minimum of %(value)s by %(group)s"),
        "max": gettext("Maximum of %(value)s by %(group)s"),
    }
    return names[function] % {"group": group_label, "value": value_label}


def build_chart(table: DatastoreTable, index: int, params: QueryDict, columns: list[Column],
                profile: list[dict]) -> ChartView:
    by_id = {c.id: c for c in columns}
    view = ChartView(columns=[c for c in columns if not c.is_row_number],
                     value_columns=[c for c in columns if c.is_numeric and not c.is_row_number])
    if any(params.get(p) for p in CHART_PARAMS):
        view.chart = params.get("chart") or "bar"
        view.group_by = params.get("group_by", "")
        view.value = params.get("value", "")
        view.function = params.get("function") or "count"
    else:
        suggested = charts.suggest(profile)
        if suggested is None:
            return view
        view.group_by, view.function = suggested["group_by"], suggested["function"]
    if view.chart not in dict(CHART_TYPES):
        view.error = str(FIELD_MESSAGES["chart"])
        return view
    try:
        view.figures = charts.aggregate(services.parquet_path(table, index), view.group_by, view.value or None,
                                        view.function)
    except SearchInputError as error:
        view.error = str(FIELD_MESSAGES.get(error.field, error.message))
        return view
    view.group_label = by_id[view.group_by].label
    view.value_label = by_id[view.value].label if view.value else ""
    view.title = chart_title(view.function, view.group_label, view.value_label)
    return view


def _profile_rows(profile: list[dict], columns: list[Column]) -> list[dict]:
    by_id = {c.id: c for c in columns}
    rows = []
    for entry in profile:
        column = by_id.get(entry["id"]) or Column(entry["id"], entry["id"], entry["type"])
        rows.append({**entry, "column": column, "type_label": column.type_label,
                     "top": [{"text": _cell(t["value"], column).text, "count": t["count"]} for t in entry["top"]]})
    return rows


def _type_name(kind: str) -> str:
    return str(TYPE_LABELS.get(push.ckan_type(kind), kind))


def _dictionary_rows(table: DatastoreTable, index: int) -> list[dict]:
    info = table.fields_info or {}
    typed = table.origin == DatastoreTable.Origin.UPLOAD  # the types of pushed tables come with their fields
    rows = []
    for c in table.columns(index):
        entry = info.get(c["id"], {})
        inferred = c.get("inferred") or c["type"]
        current = entry.get("type_override", "")
        choices = [{"value": kind, "selected": kind == current,
                    "label": _type_name(kind) if kind else gettext("Automatic (%(type)s)")
                    % {"type": _type_name(inferred)}} for kind in dictionary.TYPE_CHOICES] if typed else []
        rows.append({"id": c["id"], "header": c.get("header") or c["id"], "label": entry.get("label", ""),
                     "description": entry.get("description", ""), "inferred": _type_name(inferred),
                     "type_choices": choices})
    return rows


def _downloads(table: DatastoreTable, index: int, has_coordinates: bool, rows: int | None,
               selection: dict | None = None, formats: tuple = DOWNLOADS) -> list[dict]:
    """Links to the table's downloads; with ``selection`` (dump parameters), of the ``rows`` it selects.

    No XLSX link when the rows would not fit an Excel sheet.
    """
    base = reverse("datastore:dump", kwargs={"resource_id": table.resource_id})
    sheet = table.tables[index].get("name") if len(table.tables) > 1 else None
    out = []
    for fmt, bom, label in formats:
        if (fmt == "geojson" and not has_coordinates) or (fmt == "xlsx" and (rows or 0) > dumps.XLSX_MAX_ROWS):
            continue
        query = {"format": fmt, **(selection or {})}
        if bom:
            query["bom"] = "true"
        if sheet:
            query["sheet"] = sheet
        out.append({"format": fmt, "label": str(label), "url": f"{base}?{urlencode(query)}"})
    return out


def _map(resource, params: QueryDict, columns: list[Column], selection: dict | None = None) -> dict:
    """The map section of a table with coordinates; with ``selection`` (the preview's filters as dump
    parameters), of those rows only."""
    url = reverse("web:resource_map", kwargs={"dataset": resource.dataset.name, "resource_id": resource.id})
    query = {"sheet": params["sheet"]} if params.get("sheet") else {}
    query.update({k: v for k, v in (selection or {}).items() if k in ("filters", "q")})
    filtered = bool(selection)
    return {
        "url": url + (f"?{urlencode(query)}" if query else ""),
        "tile_url": settings.HIRAKU_MAP_TILE_URL,
        "tile_attribution": settings.HIRAKU_MAP_TILE_ATTRIBUTION,
        "labels": {c.id: c.label for c in columns if not c.is_row_number},
        "texts": {"count": gettext("%(count)s points match the filters.") if filtered
                  else gettext("%(count)s points on the map."),
                  "truncated": gettext("The first %(shown)s of %(count)s points are shown."),
                  "none": gettext("No row that matches the filters has usable coordinates.") if filtered
                  else gettext("No row has usable coordinates."),
                  "failed": gettext("The map could not be loaded."),
                  "loading": gettext("Loading the row…"), "row_failed": gettext("The row could not be loaded."),
                  "empty": gettext("(empty)"), "yes": gettext("Yes"), "no": gettext("No"),
                  "marker": gettext("Row %(id)s"),
                  "place": gettext("The place the table is sorted from"),
                  "centred": gettext("The map is centred on the place the table is sorted from (the red circle).")},
    }


def datastore_page(request, resource) -> DatastorePage | None:
    """Everything the resource page shows about the resource's table; None when it has none."""
    table = services.table_status(resource)
    if table is None:
        return None
    table.resource = resource
    params = request.GET
    page = DatastorePage(
        table=table, status=status_of(table),
        status_url=reverse("web:resource_status", kwargs={"dataset": resource.dataset.name,
                                                          "resource_id": resource.id}),
    )
    for entry in table.tables:
        for warning in entry.get("warnings", []):
            page.warnings.append({"message": _localized(warning.get("message")),
                                  "location": _localized(warning.get("location"))})
    if not table.is_queryable:
        return page
    try:
        index = _sheet_index(table, params)
    except BadParameter as error:
        page.error, page.status_code = str(error.message), 400
        return page
    if len(table.tables) > 1:
        for position, entry in enumerate(table.tables):
            name = entry.get("name", "")
            page.sheets.append({"name": name, "current": position == index, "rows": entry.get("row_count"),
                                "url": "?" + urlencode({"sheet": name}) + PREVIEW_ANCHOR})
    page.sheet = table.tables[index].get("name", "") if table.tables else ""
    try:
        _fill_sections(request, resource, table, index, page)
    except (duckdb.Error, OSError):
        # The catalog page and the original file stay available whatever happened to the table files.
        logger.exception("datastore preview of resource %s failed", resource.pk)
        page.unavailable = True
        page.preview = page.chart = page.map = None
        page.profile, page.downloads, page.selection_downloads, page.dictionary = [], [], [], []
    return page


def _fill_sections(request, resource, table: DatastoreTable, index: int, page: DatastorePage) -> None:
    params = request.GET
    columns = _columns(table, index)
    if "filter_column" in params:
        try:
            page.redirect_to = request.path + filter_redirect(params, columns)
        except BadParameter as error:
            page.error, page.status_code = str(error.message), 400
        return
    has_coordinates = geo.coordinate_columns(table.columns(index)) is not None
    try:
        page.preview = build_preview(table, index, params, columns, has_coordinates)
    except BadParameter as error:
        page.error, page.status_code = str(error.message), 400
    profile = profile_table(services.parquet_path(table, index))
    page.profile = _profile_rows(profile, columns)
    page.chart = build_chart(table, index, params, [Column(c.id, c.label, c.type) for c in columns], profile)
    if page.chart.error:
        page.status_code = 400
    if has_coordinates:
        page.map = _map(resource, params, columns, page.preview.selection if page.preview else None)
    rows = table.tables[index].get("row_count") if index < len(table.tables) else table.row_count
    page.downloads = _downloads(table, index, has_coordinates, rows)
    if page.preview and page.preview.selection and page.preview.total:
        page.selection_downloads = _downloads(table, index, has_coordinates, page.preview.total,
                                              page.preview.selection, SELECTION_DOWNLOADS)
    if request.user.is_authenticated and permissions.can_edit_dataset(request.user, resource.dataset):
        page.dictionary = _dictionary_rows(table, index)


# --- JSON endpoints -----------------------------------------------------------------

def _bad_request(error) -> JsonResponse:
    """400 with the parameter's name, a message in the page language and the library's detail."""
    message = FIELD_MESSAGES.get(error.field, error.message)
    return JsonResponse({"error": {"field": error.field, "message": str(message), "detail": str(error.message)}},
                        status=400, json_dumps_params={"ensure_ascii": False})


@require_safe
def resource_status(request, dataset, resource_id):
    """The ingestion job's state, polled by the page while it runs."""
    resource = _resource_or_404(dataset, resource_id, request.user)
    table = services.table_status(resource)
    if table is None:
        raise Http404
    response = JsonResponse(status_of(table), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def resource_profile(request, dataset, resource_id):
    resource = _resource_or_404(dataset, resource_id, request.user)
    table = _queryable_table(resource)
    try:
        index = _sheet_index(table, request.GET)
    except BadParameter as error:
        return _bad_request(error)
    columns = {c.id: c for c in _columns(table, index)}
    profile = profile_table(services.parquet_path(table, index))
    for entry in profile:
        column = columns.get(entry["id"])
        entry["label"] = column.label if column else entry["id"]
    return JsonResponse({"version": table.version, "columns": profile}, json_dumps_params={"ensure_ascii": False})


@require_safe
def resource_chart(request, dataset, resource_id):
    """Figures for a chart: ?group_by=&value=&function=count|sum|avg|min|max&limit=."""
    resource = _resource_or_404(dataset, resource_id, request.user)
    table = _queryable_table(resource)
    params = request.GET
    try:
        index = _sheet_index(table, params)
        figures = charts.aggregate(services.parquet_path(table, index), params.get("group_by", ""),
                                   params.get("value") or None, params.get("function") or "count",
                                   limit=params.get("limit") or charts.DEFAULT_LIMIT)
    except (BadParameter, SearchInputError) as error:
        return _bad_request(error)
    labels = {c.id: c.label for c in _columns(table, index)}
    group_label = labels.get(params.get("group_by", ""), "")
    value_label = labels.get(params.get("value") or "", "")
    figures["title"] = chart_title(params.get("function") or "count", group_label, value_label)
    figures["group_label"] = group_label
    figures["value_label"] = value_label
    return JsonResponse(figures, json_dumps_params={"ensure_ascii": False})


@require_safe
@gzip_page  # point lists are long and compress about tenfold
def resource_map(request, dataset, resource_id):
    """The table's rows with coordinates as GeoJSON points named by their row; ``?id=`` one row whole."""
    resource = _resource_or_404(dataset, resource_id, request.user)
    table = _queryable_table(resource)
    try:
        index = _sheet_index(table, request.GET)
        path, columns = services.parquet_path(table, index), table.columns(index)
        if "id" in request.GET:
            answer = mapping.feature(path, columns, _int_param(request.GET, "id", 0))
            if answer is None:
                raise Http404
        else:
            answer = mapping.points(path, columns, selection=dump_request(request.GET))
    except (BadParameter, SearchInputError) as error:
        return _bad_request(error)
    return JsonResponse(answer, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False})


@require_POST
def resource_dictionary(request, dataset, resource_id):
    """Staff set each column's label, description and type (the data dictionary).

    A changed type re-types the table in the background; the page then shows
    the job's status, and its error if a value does not fit the chosen type.
    """
    resource = _resource_or_404(dataset, resource_id, request.user)
    if not (request.user.is_authenticated and permissions.can_edit_dataset(request.user, resource.dataset)):
        raise Http404
    table = _queryable_table(resource)
    entries = {}
    for key in request.POST:
        if key.startswith("label."):
            column = key[len("label."):]
            entries[column] = {"label": request.POST.get(key, ""),
                               "description": request.POST.get(f"description.{column}", "")}
            if f"type.{column}" in request.POST:
                entries[column]["type_override"] = request.POST.get(f"type.{column}", "")
    try:
        retyping = services.save_dictionary(request.user, table, entries)
    except dictionary.DictionaryError:
        return HttpResponseBadRequest(gettext("The data dictionary could not be saved: a column is not in the table, "
                                              "a type is unknown or a text is too long."),
                                      content_type="text/plain; charset=utf-8")
    if retyping:
        messages.success(request, gettext("The data dictionary was saved. The table is being converted to the "
                                          "chosen types; its progress is shown on this page, and the previous "
                                          "version is served until it is ready."))
    else:
        messages.success(request, gettext("The data dictionary was saved."))
    return redirect(reverse("web:resource_detail", kwargs={"dataset": dataset, "resource_id": resource_id})
                    + "#dictionary")
