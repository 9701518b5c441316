"""Turn catalog rows into search documents, in batches and with few queries.

Reads plain values rather than model instances so that a full rebuild of
hundreds of thousands of datasets stays within minutes.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from hiraku.catalog.models import Dataset, Organization, Resource, State
from hiraku.catalog.serializers import package_dict
from hiraku.quality.models import DatasetScore

from .analyzer import index_text
from .service import FACET_FIELDS

# The position of a facet field is the compact code stored in the index: append only.
FACET_CODES = {name: code for code, name in enumerate(FACET_FIELDS)}


@dataclass
class IndexedDocument:
    dataset_id: uuid.UUID
    organization_id: uuid.UUID
    state: str
    private: bool
    name: str
    title: str
    created: datetime
    modified: datetime
    title_text: str
    tags_text: str
    body_text: str
    # (facet code, value) pairs; duplicates removed.
    facets: set[tuple[int, str]] = field(default_factory=set)
    # The stored CKAN package dict (JSON), see SearchDocument.package.
    package: str | None = None


_DATASET_FIELDS = (
    "id", "name", "title", "notes", "state", "private", "created", "modified", "license_id", "standard_type",
    "spatial", "organization_id", "organization__name", "organization__title",
)


def _document(row: dict, tags: list[str], groups: list[tuple[str, str]],
              resources: list[tuple[str, str, str]], quality_grade: str = "") -> IndexedDocument:
    facets = {(FACET_CODES["organization"], row["organization__name"]),
              (FACET_CODES["license_id"], row["license_id"])}
    facets.update((FACET_CODES["tags"], tag) for tag in tags)
    facets.update((FACET_CODES["groups"], name) for name, _title in groups)
    facets.update((FACET_CODES["res_format"], fmt) for _name, _desc, fmt in resources if fmt)
    if row["standard_type"]:
        facets.add((FACET_CODES["standard_type"], row["standard_type"]))
    if quality_grade:
        # The stored grade (hiraku.quality.models.DatasetScore); the search signals re-index
        # a dataset when its grade changes.
        facets.add((FACET_CODES["quality_grade"], quality_grade))
    return IndexedDocument(
        dataset_id=row["id"],
        organization_id=row["organization_id"],
        state=row["state"],
        private=row["private"],
        name=row["name"],
        title=row["title"],
        created=row["created"],
        modified=row["modified"],
        # The URL name is part of the title field: "park-list" finds "park list".
        title_text=index_text(row["title"], row["name"]),
        tags_text=index_text(*tags, *(title for _name, title in groups)),
        body_text=index_text(row["notes"], row["organization__title"], row["spatial"],
                             *(text for name, desc, _fmt in resources for text in (name, desc))),
        facets={(code, value) for code, value in facets if value},
    )


def package_json(package: dict) -> str:
    return json.dumps(package, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class _TagRow:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class _GroupRow:
    id: uuid.UUID
    name: str
    title: str
    description: str
    image_url: str
    state: str


_GROUP_FIELDS = ("id", "name", "title", "description", "image_url", "state")


def _documents(datasets: list[Dataset]) -> list[IndexedDocument]:
    """Index documents, each with its stored package dict: exactly `dataset_dict`
    (what package_show returns), download URLs of uploads site-relative.

    One query per relation for the whole batch and light objects for tags and
    groups: the ORM's prefetching would double the time of a rebuild."""
    ids = [dataset.pk for dataset in datasets]
    organizations = Organization.objects.in_bulk({dataset.organization_id for dataset in datasets})
    tags: dict = defaultdict(list)
    for dataset_id, *values in Dataset.tags.through.objects.filter(dataset_id__in=ids).values_list(
            "dataset_id", "tag_id", "tag__name"):
        tags[dataset_id].append(_TagRow(*values))
    groups: dict = defaultdict(list)
    for dataset_id, *values in Dataset.groups.through.objects.filter(dataset_id__in=ids).values_list(
            "dataset_id", *(f"group__{name}" for name in _GROUP_FIELDS)):
        groups[dataset_id].append(_GroupRow(*values))
    by_id = {dataset.pk: dataset for dataset in datasets}
    resources: dict = defaultdict(list)
    # The order of `datasets_with_relations`: position, then creation.
    for resource in (Resource.objects.filter(dataset_id__in=ids).select_related("datastore")
                     .order_by("position", "created")):
        resource.dataset = by_id[resource.dataset_id]
        resources[resource.dataset_id].append(resource)
    grades = dict(DatasetScore.objects.filter(dataset_id__in=ids).values_list("dataset_id", "grade"))
    documents = []
    for dataset in datasets:
        org = organizations[dataset.organization_id]
        row = {name: getattr(dataset, name) for name in _DATASET_FIELDS if "__" not in name}
        row.update(organization__name=org.name, organization__title=org.title)
        document = _document(
            row, [tag.name for tag in tags[dataset.pk]],
            [(group.name, group.title) for group in groups[dataset.pk] if group.state == State.ACTIVE],
            [(r.name, r.description, r.format) for r in resources[dataset.pk] if r.state == State.ACTIVE],
            grades.get(dataset.pk, ""))
        document.package = package_json(package_dict(dataset, org, resources[dataset.pk], tags[dataset.pk],
                                                     groups[dataset.pk], site_url=""))
        documents.append(document)
    return documents


def build_documents(dataset_ids: Iterable) -> list[IndexedDocument]:
    """Documents for the given datasets that belong in the index (deleted ones do not)."""
    return _documents(list(Dataset.objects.filter(pk__in=list(dataset_ids)).exclude(state=State.DELETED)))


def iter_all_documents(batch_size: int = 2000) -> Iterator[list[IndexedDocument]]:
    """Every indexable dataset, in batches ordered by id (keyset paging, constant memory)."""
    last_id = None
    while True:
        qs = Dataset.objects.exclude(state=State.DELETED).order_by("id")
        if last_id is not None:
            qs = qs.filter(id__gt=last_id)
        datasets = list(qs[:batch_size])
        if not datasets:
            return
        last_id = datasets[-1].pk
        yield _documents(datasets)
