"""Organization and group read actions (CKAN's organization_* and group_*).

Both kinds share one implementation; they differ only in model, dictionary
shape and the search facet that links them to datasets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Model, Q
from django.utils.translation import gettext as _

from hiraku.catalog.models import Dataset, Group, Organization, State
from hiraku.catalog.permissions import visible_datasets_q
from hiraku.catalog.serializers import dataset_dict, group_dict, organization_dict
from hiraku.search import service as search_service
from hiraku.search.service import SearchQuery

from .. import registry
from ..errors import NotFound
from ..lookup import by_id_or_name
from ..params import Params
from .datasets import ordered_datasets

MAX_LIST_LIMIT = 1000
DEFAULT_ALL_FIELDS_LIMIT = 25
EMBEDDED_DATASETS = 10
SORT_FIELDS = ("name", "title", "package_count")


@dataclass(frozen=True)
class Kind:
    model: type[Model]
    to_dict: Callable[..., dict]
    facet: str  # the package_search facet naming this kind
    names_param: str  # the list parameter restricting *_list to some names
    label: str


ORGANIZATIONS = Kind(Organization, organization_dict, "organization", "organizations", "organization")
GROUPS = Kind(Group, group_dict, "groups", "groups", "group")


@registry.action()
def organization_list(context, data):
    """Organizations, as names or (with all_fields) dictionaries.

    :param all_fields: return dictionaries instead of names (default false)
    :param sort: ``name``, ``title`` or ``package_count``, then ``asc`` or ``desc`` (default ``title asc``)
    :param limit: at most this many (default 1000, or 25 with all_fields)
    :param offset: skip this many first
    :param include_dataset_count: add package_count to dictionaries (default true)
    :param organizations: only these names
    :param q: only those whose name, title or description contains this text
    """
    return _list(ORGANIZATIONS, context, data)


@registry.action()
def group_list(context, data):
    """Groups (themes), as names or (with all_fields) dictionaries.

    Takes the same parameters as organization_list, with ``groups`` restricting the names.
    """
    return _list(GROUPS, context, data)


@registry.action()
def organization_show(context, data):
    """One organization.

    :param id: its id or name
    :param include_datasets: embed up to 10 of its datasets (default false)
    :param include_dataset_count: add package_count (default true)
    """
    return _show(ORGANIZATIONS, context, data)


@registry.action()
def group_show(context, data):
    """One group (theme). Takes the same parameters as organization_show."""
    return _show(GROUPS, context, data)


def _list(kind: Kind, context, data: dict) -> list:
    params = Params(data)
    all_fields = params.boolean("all_fields", False)
    default_limit = DEFAULT_ALL_FIELDS_LIMIT if all_fields else MAX_LIST_LIMIT
    limit = params.integer("limit", default_limit, minimum=0, maximum=MAX_LIST_LIMIT)
    offset = params.integer("offset", 0, minimum=0)
    sort_field, descending = _parse_sort(params, params.string("sort") or "title asc")
    include_count = params.boolean("include_dataset_count", True)
    names = params.string_list(kind.names_param)
    text = params.string("q")
    params.raise_if_invalid()

    items = list(_active(kind, names, text))
    counts = _dataset_counts(kind, context.user) if sort_field == "package_count" else {}
    items.sort(key=lambda item: _sort_value(item, sort_field, counts), reverse=descending)
    page = items[offset:offset + limit]
    if not all_fields:
        return [item.name for item in page]
    if include_count and not counts:
        counts = _dataset_counts(kind, context.user, [item.pk for item in page])
    return [kind.to_dict(item, package_count=counts.get(item.pk, 0) if include_count else None)
            for item in page]


def _parse_sort(params: Params, sort_text: str) -> tuple[str, bool]:
    parts = sort_text.strip().lower().split()
    field = parts[0] if parts else ""
    direction = parts[1] if len(parts) > 1 else "asc"
    if field not in SORT_FIELDS or direction not in ("asc", "desc") or len(parts) > 2:
        params.add_error("sort", _("Cannot sort by “%(sort)s”; use name, title or package_count with asc or desc")
                         % {"sort": sort_text})
        return "title", False
    return field, direction == "desc"


def _active(kind: Kind, names: list[str], text: str):
    items = kind.model.objects.filter(state=State.ACTIVE)
    if names:
        items = items.filter(name__in=names)
    if text:
        items = items.filter(Q(name__icontains=text) | Q(title__icontains=text) | Q(description__icontains=text))
    return items


def _sort_value(item, sort_field: str, counts: dict) -> tuple:
    if sort_field == "package_count":
        return counts.get(item.pk, 0), item.name
    if sort_field == "title":
        return item.title.casefold(), item.name
    return (item.name,)


def _dataset_counts(kind: Kind, user, ids: list | None = None) -> dict:
    """Datasets the user may see, per organization or group id, in one aggregate query."""
    visible = Dataset.objects.filter(visible_datasets_q(user))
    if kind is ORGANIZATIONS:
        rows = visible.values_list("organization_id").annotate(n=Count("id"))
        if ids is not None:
            rows = rows.filter(organization_id__in=ids)
    else:
        links = Dataset.groups.through.objects.filter(dataset__in=visible.values("pk"))
        if ids is not None:
            links = links.filter(group_id__in=ids)
        rows = links.values_list("group_id").annotate(n=Count("dataset_id"))
    return dict(rows.order_by())


def _show(kind: Kind, context, data: dict) -> dict:
    params = Params(data)
    id_or_name = params.string("id", required=True)
    include_datasets = params.boolean("include_datasets", False)
    include_count = params.boolean("include_dataset_count", True)
    params.raise_if_invalid()
    item = by_id_or_name(kind.model.objects.filter(state=State.ACTIVE), id_or_name)
    if item is None:
        raise NotFound(_("%(kind)s %(id)s") % {"kind": kind.label, "id": id_or_name})
    result = kind.to_dict(item)
    result.update(extras=[], tags=[], groups=[])
    if include_count or include_datasets:
        found = search_service.search(
            SearchQuery(filters={kind.facet: [item.name]}, sort="modified_desc", facet_fields=(),
                        rows=EMBEDDED_DATASETS if include_datasets else 0, include_private=True),
            context.user,
        )
        if include_count:
            result["package_count"] = found.count
        if include_datasets:
            result["packages"] = [dataset_dict(dataset) for dataset in ordered_datasets(found.dataset_ids)]
    return result
