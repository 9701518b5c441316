"""Search index tables: one row per indexed dataset plus compact facet rows.

The text index itself (an FTS5 table on SQLite, a tsvector column with a GIN
index on PostgreSQL) is created by vendor-specific SQL in the migrations,
because Django has no field type for either.
"""

from __future__ import annotations

from django.db import models

from hiraku.catalog.models import Organization


class SearchDocument(models.Model):
    """What search needs of a dataset: visibility, sort keys and the FTS row id.

    The visibility columns carry the same names as on Dataset so that
    `catalog.permissions.visible_datasets_q` applies to this table unchanged.
    """

    id = models.BigAutoField(primary_key=True)
    dataset_id = models.UUIDField(unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING, db_constraint=False,
                                     related_name="+")
    state = models.CharField(max_length=10)
    private = models.BooleanField(default=False)
    name = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    created = models.DateTimeField()
    modified = models.DateTimeField()
    # The CKAN package dict as JSON, download URLs of uploads site-relative (as
    # CKAN keeps its validated data dict in Solr): a result page is one query.
    # NULL for rows written before this column existed.
    package = models.TextField(null=True, blank=True)  # noqa: DJ001 - NULL: not stored; no table rebuild

    class Meta:
        indexes = [
            models.Index(fields=["modified"], name="search_doc_modified"),
            models.Index(fields=["created"], name="search_doc_created"),
            models.Index(fields=["name"], name="search_doc_name"),
            models.Index(fields=["title"], name="search_doc_title"),
        ]

    def __str__(self) -> str:
        return self.name


class FacetValue(models.Model):
    """A facet value (an organization name, a tag, a format…) as a small integer.

    Rows are never deleted or changed, so every process may cache id → value."""

    field = models.PositiveSmallIntegerField()
    value = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["field", "value"], name="search_facet_value_unique")]

    def __str__(self) -> str:
        return f"{self.field}:{self.value}"


class IndexGeneration(models.Model):
    """A single value changed by every index write; part of every cache key,
    so cached facet counts are invalidated in all web processes at once."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)
