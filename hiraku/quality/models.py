"""The latest validation report of each uploaded resource file."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hiraku.catalog.models import Resource


class QualityReport(models.Model):
    """One per resource with an uploaded file: the report of its current file.

    ``report`` is :meth:`hiraku.quality.findings.Report.as_dict`; the counts,
    stars and standard are copied out of it so lists can sort and filter
    without reading the JSON. ``status`` is ``error`` when the check itself
    failed (the report is then empty and ``error`` says why)."""

    class Status(models.TextChoices):
        DONE = "done", _("Checked")
        ERROR = "error", _("Check failed")

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True,
                                    related_name="quality_report")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    file_hash = models.CharField(max_length=100, blank=True, help_text="sha256:<hex> of the checked file")
    file_name = models.CharField(max_length=300, blank=True)
    report = models.JSONField(default=dict, blank=True)
    readable = models.BooleanField(default=True)
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    infos = models.PositiveIntegerField(default=0)
    stars = models.PositiveSmallIntegerField(null=True, blank=True)
    standard_id = models.CharField(max_length=50, blank=True)
    standard_confidence = models.FloatField(null=True, blank=True)
    missing_required = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    seconds = models.FloatField(default=0.0)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("quality report")

    def __str__(self) -> str:
        return f"quality report of {self.resource_id}"

    @property
    def findings(self) -> list[dict]:
        return self.report.get("findings", []) if self.report else []

    @property
    def summary(self) -> dict:
        return {
            "status": self.status, "readable": self.readable, "errors": self.errors, "warnings": self.warnings,
            "info": self.infos, "stars": self.stars, "standard": self.standard_id or None,
            "standard_confidence": self.standard_confidence, "missing_required": self.missing_required,
            "file_hash": self.file_hash or None, "created": self.created.isoformat(),
        }


class DatasetScore(models.Model):
    """The quality score of a dataset as last computed, so search can sort and facet by it.

    Recomputed whenever the dataset, one of its resources or a report changes
    (see ``services.refresh_score``); the dataset page computes it live. A save
    or delete that changes the grade re-indexes the dataset (``hiraku.search.signals``):
    write rows through the model, not ``QuerySet.update``, which sends no signal."""

    dataset = models.OneToOneField("catalog.Dataset", on_delete=models.CASCADE, primary_key=True,
                                   related_name="quality_score")
    score = models.PositiveSmallIntegerField(db_index=True)
    grade = models.CharField(max_length=1)
    computed = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dataset quality score")

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.score} ({self.grade})"
