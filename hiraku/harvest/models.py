"""Harvesting from other catalogs: where from, each run, and which local dataset came from where.

The catalog's Dataset carries no harvest fields; provenance lives here:
HarvestSource ─< HarvestRun;  HarvestSource ─< HarvestedDataset ─ Dataset (1:1).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hiraku.catalog.models import Dataset, Organization


class SourceType(models.TextChoices):
    CKAN = "ckan", _("CKAN Action API")
    DCAT = "dcat", _("DCAT (RDF)")


class Schedule(models.TextChoices):
    MANUAL = "manual", _("Manual")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


SCHEDULE_INTERVALS = {Schedule.DAILY: timedelta(days=1), Schedule.WEEKLY: timedelta(days=7)}


class HarvestSource(models.Model):
    """A remote catalog whose datasets are copied into one local organization."""

    title = models.CharField(_("title"), max_length=200, blank=True)
    # http(s) URL; DCAT sources added from the command line may also be file:// paths.
    url = models.CharField(_("URL"), max_length=1000)
    source_type = models.CharField(_("type"), max_length=10, choices=SourceType.choices)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="harvest_sources",
                                     verbose_name=_("target organization"))
    schedule = models.CharField(_("schedule"), max_length=10, choices=Schedule.choices, default=Schedule.MANUAL)
    # {"organization": "<remote organization name>", "force_all": true}
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_run = models.ForeignKey("HarvestRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["title", "url"]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def remote_organization(self) -> str:
        return str((self.config or {}).get("organization") or "")

    def is_due(self, now) -> bool:
        interval = SCHEDULE_INTERVALS.get(self.schedule)
        if not self.active or interval is None:
            return False
        last = self.runs.order_by("-started").first()
        return last is None or last.started <= now - interval


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Succeeded")
    PARTIAL = "partial", _("Partly failed")
    FAILED = "failed", _("Failed")


class HarvestRun(models.Model):
    """One harvest of a source, with its counts and a report line per problem or change."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="runs")
    started = models.DateTimeField(default=timezone.now, db_index=True)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    incremental_since = models.DateTimeField(null=True, blank=True)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    # [{"level": "error"|"warning"|"info", "remote": "<name or id>", "message": "..."}]
    report = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started"]

    def __str__(self) -> str:
        return f"{self.source} {self.started:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self) -> timedelta | None:
        return self.finished - self.started if self.finished else None


class HarvestedDataset(models.Model):
    """Marks a local dataset as a copy of a remote one; never created for local datasets."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="harvested")
    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="harvest_link")
    remote_id = models.CharField(max_length=500)
    remote_name = models.CharField(max_length=200, blank=True)
    original_url = models.CharField(max_length=1000, blank=True)
    remote_modified = models.CharField(max_length=64, blank=True)
    last_harvested = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "remote_id"], name="one_copy_per_remote_dataset")]

    def __str__(self) -> str:
        return f"{self.remote_name or self.remote_id} ← {self.source}"
