"""Dataset and resource read actions (CKAN's package_* and resource_show)."""

from __future__ import annotations

import json
import re

from django.utils.translation import gettext as _

from hiraku.catalog import permissions, services
from hiraku.catalog.licenses import get_license
from hiraku.catalog.models import Dataset, Group, Organization
from hiraku.catalog.serializers import absolutize_package, dataset_dict, resource_dict
from hiraku.catalog.standards import standard_label
from hiraku.search import service as search_service
from hiraku.search.service import FACET_FIELDS, SORTS, SearchQuery

from .. import query as query_syntax
from .. import registry
from ..errors import SearchQueryError
from ..lookup import by_id_or_name
from ..params import Params

DEFAULT_SORT = "score desc, metadata_modified desc"
DEFAULT_ROWS = 10
MAX_ROWS = 1000
DEFAULT_FACET_LIMIT = 50


@registry.action()
def package_list(context, data):
    """Names of the public datasets, sorted by name.

    :param limit: at most this many names (default: all)
    :param offset: skip this many names first
    """
    params = Params(data)
    limit = params.integer("limit", -1, minimum=0)
    offset = params.integer("offset", 0, minimum=0)
    params.raise_if_invalid()
    names = (Dataset.objects.filter(permissions.visible_datasets_q(None, include_private=False))
             .order_by("name").values_list("name", flat=True))
    return list(names[offset:] if limit < 0 else names[offset:offset + limit])


@registry.action()
def package_show(context, data):
    """One dataset with its resources, tags, groups and organization.

    :param id: the dataset's id or name
    """
    params = Params(data)
    id_or_name = params.string("id") or params.string("name_or_id") or params.string("name")
    if not id_or_name:
        params.add_error("id", _("Missing value"))
    params.raise_if_invalid()
    return dataset_dict(services.get_dataset(id_or_name, context.user))


@registry.action()
def resource_show(context, data):
    """One resource of a dataset the caller may see.

    :param id: the resource's id
    """
    params = Params(data)
    resource_id = params.string("id", required=True)
    params.raise_if_invalid()
    return resource_dict(services.get_resource(resource_id, context.user))


@registry.action()
def package_search(context, data):
    """Search datasets; the same search as the web search page.

    :param q: free text; ``field:value`` terms act as filters; ``*:*`` or empty finds everything
    :param fq: filters such as ``organization:x tags:"y z" metadata_modified:[2024-01-01T00:00:00Z TO *]``
    :param fq_list: a list of such filter strings
    :param sort: e.g. ``metadata_modified desc`` (default ``score desc, metadata_modified desc``)
    :param rows: page size (default 10, at most 1000)
    :param start: offset of the first result
    :param facet.field: JSON list of facet fields
    :param facet.limit: values per facet (default 50, -1 for all)
    :param facet.mincount: leave out values with fewer datasets (default 1)
    :param include_private: include private datasets the caller may see (default false)
    :param include_drafts: include drafts the caller may edit (default false)
    """
    search_query, sort_text, matches_nothing = _read_search_params(data)
    if matches_nothing:
        return _search_response(0, [], {}, sort_text)
    result = search_service.search(search_query, context.user)
    facets = {name: result.facets.get(name, []) for name in search_query.facet_fields}
    return _search_response(result.count, result_packages(result.dataset_ids), facets, sort_text)


def result_packages(dataset_ids: list) -> list[dict]:
    """The package dicts of a result page, in the search order.

    They come from the search index (one query by key, no relations); a dataset
    indexed before the index stored them is built from the catalog instead."""
    stored = search_service.stored_packages(dataset_ids)
    missing = [pk for pk in dataset_ids if pk not in stored]
    built = {dataset.pk: dataset_dict(dataset) for dataset in ordered_datasets(missing)} if missing else {}
    packages = []
    for pk in dataset_ids:
        if pk in stored:
            packages.append(absolutize_package(json.loads(stored[pk])))
        elif pk in built:
            packages.append(built[pk])
    return packages


def _read_search_params(data: dict) -> tuple[SearchQuery, str, bool]:
    params = Params(data)
    q = params.string("q")
    fq_list = [params.string("fq"), *params.string_list("fq_list")]
    rows = params.integer("rows", DEFAULT_ROWS, minimum=0, maximum=MAX_ROWS)
    start = params.integer("start", 0, minimum=0)
    sort_text = params.string("sort") or DEFAULT_SORT
    faceting = params.boolean("facet", True)
    facet_fields = params.string_list("facet.field")
    facet_limit = params.integer("facet.limit", DEFAULT_FACET_LIMIT)
    facet_mincount = params.integer("facet.mincount", 1, minimum=0)
    include_private = params.boolean("include_private", False)
    include_drafts = params.boolean("include_drafts", False)
    params.raise_if_invalid()

    parsed = query_syntax.parse(q, [fq for fq in fq_list if fq])
    matches_nothing = _resolve_owner_orgs(parsed)
    search_query = SearchQuery(
        q=parsed.text,
        filters=parsed.filters,
        modified_from=parsed.modified_from,
        modified_to=parsed.modified_to,
        sort=_sort_key(sort_text),
        rows=rows,
        start=start,
        facet_fields=_facet_fields(facet_fields) if faceting else (),
        facet_limit=-1 if facet_limit < 0 else facet_limit,  # negative: every value (CKAN's -1)
        facet_mincount=facet_mincount,
        include_private=include_private,
        include_drafts=include_drafts,
    )
    return search_query, sort_text, matches_nothing


def _resolve_owner_orgs(parsed: query_syntax.ParsedQuery) -> bool:
    """Turn owner_org ids into organization filters; True when one names no organization."""
    if not parsed.owner_org_ids:
        return parsed.matches_nothing
    names = []
    for org_id in parsed.owner_org_ids:
        organization = by_id_or_name(Organization.objects.all(), org_id)
        if organization is None:
            return True
        names.append(organization.name)
    for name in names:
        parsed.add_filter("organization", name)
    return parsed.matches_nothing


def _sort_key(sort_text: str) -> str:
    normalized = re.sub(r"\s*,\s*", ", ", re.sub(r"\s+", " ", sort_text.strip())).lower()
    if normalized not in SORTS:
        raise SearchQueryError(_("cannot sort by “%(sort)s”; use one of: %(choices)s")
                               % {"sort": sort_text, "choices": ", ".join(SORTS)})
    return SORTS[normalized]


def _facet_fields(requested: list[str]) -> tuple[str, ...]:
    unknown = [name for name in requested if name not in FACET_FIELDS]
    if unknown:
        raise SearchQueryError(_("cannot facet on %(fields)s; facet fields are: %(choices)s")
                               % {"fields": ", ".join(unknown), "choices": ", ".join(FACET_FIELDS)})
    return tuple(dict.fromkeys(requested))


def ordered_datasets(dataset_ids: list) -> list[Dataset]:
    """The page's datasets in the search order, fetched in one query with their relations."""
    by_id = {dataset.pk: dataset for dataset in services.datasets_with_relations().filter(pk__in=dataset_ids)}
    return [by_id[pk] for pk in dataset_ids if pk in by_id]


def _search_response(count: int, packages: list[dict], facets: dict[str, list[tuple[str, int]]],
                     sort_text: str) -> dict:
    display_names = _facet_display_names(facets)
    return {
        "count": count,
        "sort": sort_text,
        "results": packages,
        "facets": {name: dict(values) for name, values in facets.items()},
        "search_facets": {
            name: {
                "title": name,
                "items": [{"name": value, "display_name": display_names[name].get(value, value), "count": n}
                          for value, n in values],
            }
            for name, values in facets.items()
        },
    }


def _facet_display_names(facets: dict[str, list[tuple[str, int]]]) -> dict[str, dict[str, str]]:
    """Readable names of facet values: titles of organizations and groups, licence and standard names."""
    names: dict[str, dict[str, str]] = {}
    for name, values in facets.items():
        keys = [value for value, _count in values]
        if name in ("organization", "groups") and keys:
            model = Organization if name == "organization" else Group
            names[name] = dict(model.objects.filter(name__in=keys).values_list("name", "title"))
        elif name == "license_id":
            names[name] = {key: lic.title for key in keys if (lic := get_license(key))}
        elif name == "standard_type":
            names[name] = {key: standard_label(key) for key in keys}
        else:
            names[name] = {}
    return names
