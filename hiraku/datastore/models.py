"""The datastore state of a resource: its ingestion job and its published table."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hiraku.catalog.models import Resource


class DatastoreTable(models.Model):
    """One per tabular resource. The Parquet files on disk are the data; this row
    says which version is current, what it looks like and how the last job went."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Processing")
        DONE = "done", _("Ready")
        ERROR = "error", _("Failed")

    class Origin(models.TextChoices):
        UPLOAD = "upload", _("Uploaded file")
        API = "api", _("Pushed through the API")

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True, related_name="datastore")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.UPLOAD)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Progress of the running job: phase name, units done and (when known) the total.
    phase = models.CharField(max_length=20, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(null=True, blank=True)
    # The published version that queries read; it stays in place while a new job runs or fails.
    version = models.PositiveIntegerField(null=True, blank=True)
    row_count = models.BigIntegerField(null=True, blank=True)
    # The sidecar of the published version: tables, columns with types and roles, warnings.
    schema = models.JSONField(default=dict, blank=True)
    # Staff's data dictionary: {column id: {"label": ..., "description": ...}}.
    fields_info = models.JSONField(default=dict, blank=True)
    primary_key = models.JSONField(default=list, blank=True)
    # The last job's error as Problem.as_dict() (message and location in ja and en).
    error = models.JSONField(null=True, blank=True)
    source_hash = models.CharField(max_length=100, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("datastore table")

    def __str__(self) -> str:
        return f"datastore {self.resource_id} v{self.version} ({self.status})"

    @property
    def is_queryable(self) -> bool:
        return self.version is not None

    @property
    def tables(self) -> list[dict]:
        return self.schema.get("tables", [])

    def columns(self, table: int = 0) -> list[dict]:
        tables = self.tables
        return tables[table]["columns"] if 0 <= table < len(tables) else []
