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

from hiraku.catalog.models import Dataset, Resource, State
from hiraku.catalog.serializers import dataset_dict

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


def _related_values(dataset_ids: list) -> tuple[dict, dict, dict]:
    tags: dict = defaultdict(list)
    for dataset_id, tag in Dataset.tags.through.objects.filter(dataset_id__in=dataset_ids).values_list(
            "dataset_id", "tag__name"):
        tags[dataset_id].append(tag)
    groups: dict = defaultdict(list)
    for dataset_id, name, title in Dataset.groups.through.objects.filter(
            dataset_id__in=dataset_ids, group__state=State.ACTIVE).values_list(
            "dataset_id", "group__name", "group__title"):
        groups[dataset_id].append((name, title))
    resources: dict = defaultdict(list)
    for dataset_id, name, description, fmt in Resource.objects.filter(
            dataset_id__in=dataset_ids, state=State.ACTIVE).values_list(
            "dataset_id", "name", "description", "format"):
        resources[dataset_id].append((name, description, fmt))
    return tags, groups, resources


def _document(row: dict, tags: list[str], groups: list[tuple[str, str]],
              resources: list[tuple[str, str, str]]) -> IndexedDocument:
    facets = {(FACET_CODES["organization"], row["organization__name"]),
              (FACET_CODES["license_id"], row["license_id"])}
    facets.update((FACET_CODES["tags"], tag) for tag in tags)
    facets.update((FACET_CODES["groups"], name) for name, _title in groups)
    facets.update((FACET_CODES["res_format"], fmt) for _name, _desc, fmt in resources if fmt)
    if row["standard_type"]:
        facets.add((FACET_CODES["standard_type"], row["standard_type"]))
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


def _packages(dataset_ids: list) -> dict:
    """The stored package dicts: exactly `dataset_dict` (what package_show returns),
    with the download URLs of uploads site-relative."""
    from hiraku.catalog.services import datasets_with_relations

    return {dataset.pk: package_json(dataset_dict(dataset, site_url=""))
            for dataset in datasets_with_relations().filter(pk__in=dataset_ids)}


def _documents(rows: list[dict]) -> list[IndexedDocument]:
    ids = [row["id"] for row in rows]
    tags, groups, resources = _related_values(ids)
    packages = _packages(ids)
    documents = []
    for row in rows:
        document = _document(row, tags[row["id"]], groups[row["id"]], resources[row["id"]])
        document.package = packages.get(row["id"])
        documents.append(document)
    return documents


def build_documents(dataset_ids: Iterable) -> list[IndexedDocument]:
    """Documents for the given datasets that belong in the index (deleted ones do not)."""
    ids = list(dataset_ids)
    rows = list(Dataset.objects.filter(pk__in=ids).exclude(state=State.DELETED).values(*_DATASET_FIELDS))
    return _documents(rows)


def iter_all_documents(batch_size: int = 2000) -> Iterator[list[IndexedDocument]]:
    """Every indexable dataset, in batches ordered by id (keyset paging, constant memory)."""
    last_id = None
    while True:
        qs = Dataset.objects.exclude(state=State.DELETED).order_by("id")
        if last_id is not None:
            qs = qs.filter(id__gt=last_id)
        rows = list(qs.values(*_DATASET_FIELDS)[:batch_size])
        if not rows:
            return
        last_id = rows[-1]["id"]
        yield _documents(rows)
