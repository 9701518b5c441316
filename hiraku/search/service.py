"""The search service: the one entry point the web search page and the
CKAN `package_search` action share.

Backends (hiraku.search.backends) implement the same contract on SQLite FTS5
and on PostgreSQL; the analyzer (hiraku.search.analyzer) is shared by both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

# Facet fields, named as CKAN names them (quality_grade is Hiraku's: the grade A–E of the stored
# hiraku.quality DatasetScore). The position is the code stored in the index: append only.
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "standard_type", "quality_grade")
SORTS = {
    "score desc, metadata_modified desc": "relevance",
    "score desc": "relevance",
    "relevance": "relevance",
    "metadata_modified desc": "modified_desc",
    "metadata_modified asc": "modified_asc",
    "metadata_created desc": "created_desc",
    "metadata_created asc": "created_asc",
    "popularity desc": "popularity",
    "views_recent desc": "popularity",
    "name asc": "name_asc",
    "name desc": "name_desc",
    "title_string asc": "title_asc",
    "title_string desc": "title_desc",
    "id asc": "id_asc",
    "id desc": "id_desc",
    "quality_score desc": "quality_desc",
    "quality_score asc": "quality_asc",
}


@dataclass
class SearchQuery:
    q: str = ""
    # field -> values; every value must match (CKAN fq semantics: AND).
    filters: dict[str, list[str]] = field(default_factory=dict)
    modified_from: datetime | None = None
    modified_to: datetime | None = None
    sort: str = "relevance"  # one of the values of SORTS
    rows: int = 10
    start: int = 0
    facet_fields: tuple[str, ...] = FACET_FIELDS
    facet_limit: int = 50
    facet_mincount: int = 1
    include_private: bool = False
    include_drafts: bool = False


@dataclass
class SearchResult:
    count: int
    dataset_ids: list[uuid.UUID]
    facets: dict[str, list[tuple[str, int]]]


def search(query: SearchQuery, user=None) -> SearchResult:
    from .backends import get_backend

    return get_backend().search(query, user)


def stored_packages(dataset_ids) -> dict:
    """The CKAN package dicts stored in the index (JSON text, uploads site-relative) by dataset id;
    datasets without one are left out."""
    from .backends import get_backend

    return get_backend().packages(list(dataset_ids))


def index_dataset(dataset_id) -> None:
    index_datasets([dataset_id])


def index_datasets(dataset_ids) -> None:
    """Bring these datasets' index entries up to date (removing deleted ones)."""
    from .backends import get_backend

    get_backend().index_datasets(dataset_ids)


def index_dataset_later(dataset_id, using: str = "default") -> None:
    """Re-index after the surrounding transaction commits (never index uncommitted state)."""
    index_datasets_later([dataset_id], using=using)


class _PendingIndex:
    """The datasets a transaction changed, indexed together by ONE on_commit callback.

    A single dataset write fires several signals (the save, each relation change,
    resource saves); each one adds its ids here instead of scheduling its own
    callback, so the dataset is indexed once per transaction."""

    ATTRIBUTE = "hiraku_pending_index"

    def __init__(self, connection):
        self.connection = connection
        self.ids: dict = {}  # insertion-ordered set
        self.done = False

    def __call__(self) -> None:
        self.done = True
        if getattr(self.connection, self.ATTRIBUTE, None) is self:
            delattr(self.connection, self.ATTRIBUTE)
        if self.ids:
            index_datasets(list(self.ids))

    @classmethod
    def current(cls, using: str) -> _PendingIndex:
        connection = transaction.get_connection(using)
        pending = getattr(connection, cls.ATTRIBUTE, None)
        # A rollback (of the transaction or of the savepoint that registered the
        # callback) discards the callback: start a new batch then.
        if pending is None or pending.done or not any(
                entry[1] is pending for entry in connection.run_on_commit):
            pending = cls(connection)
            setattr(connection, cls.ATTRIBUTE, pending)
            transaction.on_commit(pending, using=using)
        return pending


def index_datasets_later(dataset_ids, using: str = "default") -> None:
    ids = list(dataset_ids)
    if not ids:
        return
    if not transaction.get_connection(using).in_atomic_block:
        index_datasets(ids)  # autocommit: the change is committed already
        return
    _PendingIndex.current(using).ids.update(dict.fromkeys(ids))


def rebuild_index() -> int:
    from .backends import get_backend

    return get_backend().rebuild()
