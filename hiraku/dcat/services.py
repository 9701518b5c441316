"""Reading the catalog for the DCAT endpoints and the activity feeds.

Visibility always goes through `hiraku.catalog.permissions`, free text
through `hiraku.search.service`, so these outputs show exactly what the web
pages and the CKAN API show to the same user."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, QuerySet

from hiraku.catalog import permissions, services
from hiraku.catalog.models import Activity, Dataset, Organization, State
from hiraku.search.service import SearchQuery, search

PAGE_SIZE = 100
FEED_LENGTH = 50


class InvalidPage(Exception):
    pass


@dataclass
class CatalogPage:
    datasets: list[Dataset]
    number: int
    per_page: int
    total: int

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def visible_datasets(user) -> QuerySet[Dataset]:
    return Dataset.objects.filter(permissions.visible_datasets_q(user))


def catalog_page(user, *, page: int = 1, q: str = "", modified_since: datetime | None = None,
                 per_page: int | None = None) -> CatalogPage:
    """One page of the datasets `user` may see, newest change first (relevance first with `q`)."""
    per_page = per_page or PAGE_SIZE
    if page < 1:
        raise InvalidPage(page)
    start = (page - 1) * per_page
    if q:
        result = search(SearchQuery(q=q, modified_from=modified_since, rows=per_page, start=start,
                                    facet_fields=(), include_private=True), user)
        total, ids = result.count, result.dataset_ids
        by_id = {d.id: d for d in services.datasets_with_relations().filter(id__in=ids)}
        datasets = [by_id[i] for i in ids if i in by_id]
    else:
        queryset = visible_datasets(user)
        if modified_since is not None:
            queryset = queryset.filter(modified__gte=modified_since)
        total = queryset.count()
        ids = list(queryset.order_by("-modified", "id").values_list("id", flat=True)[start:start + per_page])
        by_id = {d.id: d for d in services.datasets_with_relations().filter(id__in=ids)}
        datasets = [by_id[i] for i in ids]
    result = CatalogPage(datasets=datasets, number=page, per_page=per_page, total=total)
    if page > result.last:
        raise InvalidPage(page)
    return result


def catalog_modified(user) -> datetime | None:
    return visible_datasets(user).aggregate(latest=Max("modified"))["latest"]


def catalog_publisher() -> Organization | None:
    """Who publishes the catalog: HIRAKU_CATALOG_PUBLISHER (an organization's URL name), else the
    first top-level organization with a 全国地方公共団体コード, else the first organization."""
    active = Organization.objects.filter(state=State.ACTIVE).order_by("created", "name")
    configured = os.environ.get("HIRAKU_CATALOG_PUBLISHER", "").strip()
    if configured:
        found = active.filter(name=configured).first()
        if found is not None:
            return found
    return active.filter(parent__isnull=True).exclude(lgcode="").first() or active.first()


# --- Activity -------------------------------------------------------------------

def visible_activity(user, *, dataset: Dataset | None = None, organization: Organization | None = None,
                     limit: int = FEED_LENGTH) -> QuerySet[Activity]:
    """The newest changes to datasets `user` may see, optionally of one dataset or organization."""
    activities = Activity.objects.filter(dataset__in=visible_datasets(user).values("id"))
    if dataset is not None:
        activities = activities.filter(dataset=dataset)
    if organization is not None:
        activities = activities.filter(dataset__organization=organization)
    return (activities.select_related("actor", "dataset", "dataset__organization")
            .order_by("-timestamp")[:limit])
