"""The dataset listing shared by the search, organization and group pages.

Every listing goes through `hiraku.search.service.search`, the same entry
point as the CKAN `package_search` action, so the two never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from django.db.models import Prefetch
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from hiraku.catalog.models import Dataset, Resource, State
from hiraku.search.service import FACET_FIELDS, SearchQuery, search

from . import querystrings
from .presenters import FACET_TITLES, GRADE_ORDER, Facet, FacetOption, SelectedFilter, facet_labels

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
# Deep pages cost the database more and nobody reads them; refine the search instead.
MAX_PAGE = 500

# Sort keys shown in the UI, in the service's vocabulary.
SORT_OPTIONS = (
    ("relevance", _("Relevance")),
    ("modified_desc", _("Recently updated")),
    ("popularity", _("Popularity")),
    ("name_asc", _("Name (A–Z)")),
    ("quality_desc", _("Quality score (best first)")),
    ("quality_asc", _("Quality score (worst first)")),
)
_SORT_KEYS = {key for key, _label in SORT_OPTIONS}


@dataclass
class PageLink:
    number: int
    url: str
    current: bool


@dataclass
class Listing:
    query: str
    sort: str
    count: int
    page: int
    page_count: int
    datasets: list[Dataset]
    facets: list[Facet] = field(default_factory=list)
    selected: list[SelectedFilter] = field(default_factory=list)
    pages: list[PageLink] = field(default_factory=list)
    previous_url: str = ""
    next_url: str = ""
    sort_options: tuple = SORT_OPTIONS

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.count else 0

    @property
    def last_number(self) -> int:
        return min(self.page * PAGE_SIZE, self.count)


def _page_number(params: QueryDict) -> int:
    try:
        page = int(params.get("page", "1"))
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def _sort(params: QueryDict) -> str:
    sort = params.get("sort", "")
    return sort if sort in _SORT_KEYS else "relevance"


def _filters(params: QueryDict, fixed: dict[str, str]) -> dict[str, list[str]]:
    filters = {name: [v for v in params.getlist(name) if v] for name in FACET_FIELDS}
    for name, value in fixed.items():
        filters[name] = [value, *[v for v in filters[name] if v != value]]
    return {name: values for name, values in filters.items() if values}


def datasets_in_order(ids) -> list[Dataset]:
    """The datasets for a result page, in the engine's order, with what a result row shows."""
    resources = Resource.objects.filter(state=State.ACTIVE).only("id", "dataset_id", "format")
    by_id = Dataset.objects.select_related("organization").prefetch_related(
        Prefetch("resources", queryset=resources)
    ).in_bulk(list(ids))
    return [by_id[i] for i in ids if i in by_id]


def _facets(result_facets, params: QueryDict, fixed: dict[str, str]) -> list[Facet]:
    facets = []
    for name in FACET_FIELDS:
        if name in fixed:
            continue
        buckets = result_facets.get(name, [])
        if name == "quality_grade":  # best grade first, not the most frequent
            buckets = sorted(buckets, key=lambda bucket: GRADE_ORDER.get(bucket[0], len(GRADE_ORDER)))
        labels = facet_labels(name, [value for value, _count in buckets])
        selected = set(params.getlist(name))
        facet = Facet(field=name, title=str(FACET_TITLES[name]))
        for value, count in buckets:
            is_selected = value in selected
            url = (querystrings.without_value(params, name, value) if is_selected
                   else querystrings.with_value(params, name, value))
            facet.options.append(FacetOption(value, labels.get(value, value), count, is_selected, url))
        if facet.options:
            facets.append(facet)
    return facets


def _selected(filters: dict[str, list[str]], params: QueryDict, fixed: dict[str, str]) -> list[SelectedFilter]:
    chosen = []
    for name, values in filters.items():
        removable = [v for v in values if fixed.get(name) != v]
        labels = facet_labels(name, removable) if removable else {}
        for value in removable:
            chosen.append(SelectedFilter(name, str(FACET_TITLES[name]), labels.get(value, value),
                                         querystrings.without_value(params, name, value)))
    return chosen


def _pages(params: QueryDict, page: int, page_count: int) -> list[PageLink]:
    """A window of page links around the current page, plus the first and the last."""
    numbers = {1, page_count, *range(max(1, page - 2), min(page_count, page + 2) + 1)}
    return [PageLink(n, querystrings.with_page(params, n), n == page) for n in sorted(numbers) if n >= 1]


def build_listing(params: QueryDict, user, *, fixed: dict[str, str] | None = None) -> Listing:
    fixed = fixed or {}
    page = _page_number(params)
    text = (params.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    filters = _filters(params, fixed)
    sort = _sort(params)
    result = search(SearchQuery(q=text, filters=filters, sort=sort, rows=PAGE_SIZE,
                                start=(page - 1) * PAGE_SIZE), user)
    page_count = min(max(1, ceil(result.count / PAGE_SIZE)), MAX_PAGE)
    listing = Listing(query=text, sort=sort, count=result.count, page=page, page_count=page_count,
                      datasets=datasets_in_order(result.dataset_ids),
                      facets=_facets(result.facets, params, fixed),
                      selected=_selected(filters, params, fixed))
    if page_count > 1:
        listing.pages = _pages(params, page, page_count)
    if page > 1:
        listing.previous_url = querystrings.with_page(params, page - 1)
    if page < page_count:
        listing.next_url = querystrings.with_page(params, page + 1)
    return listing
