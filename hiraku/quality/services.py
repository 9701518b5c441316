"""The quality service layer: the check job, stored reports and dataset scores.

``check_resource`` runs after each newly uploaded file (``resource_file_changed``)
and keeps the latest report per resource. Reading functions follow the
catalog's permissions: what a user may not see is reported as not found.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone

from hiraku.catalog import permissions
from hiraku.catalog import services as catalog
from hiraku.catalog.files import local_file
from hiraku.catalog.models import Dataset, Organization, Resource, State
from hiraku.core.jobs import job

from .checks import validate_file
from .models import DatasetScore, QualityReport
from .scores import ResourceFacts, Score, score_dataset

logger = logging.getLogger(__name__)


# --- the job --------------------------------------------------------------------------------------------

def schedule_check(resource_id: str) -> None:
    """Queue a check of the resource's file (called after the upload committed)."""
    check_resource.enqueue(str(resource_id))


@job
def check_resource(resource_id: str) -> QualityReport | None:
    """Validate the resource's uploaded file and store the report; None for a resource without a file.

    Never raises: an unexpected failure is logged and recorded on the report."""
    try:
        resource = (Resource.objects.select_related("dataset", "dataset__organization")
                    .filter(pk=resource_id).first())
    except Exception:  # a malformed id must not break the queue either
        logger.exception("quality check of %s failed", resource_id)
        return None
    if resource is None or resource.state != State.ACTIVE or not resource.file:
        return None
    started = timezone.now()
    try:
        with local_file(resource) as path:
            file_hash = _sha256(path)
            report = validate_file(path, dataset=resource.dataset, filename=resource.original_filename,
                                   format=(resource.format or None) and resource.format.lower())
        data = report.as_dict()
    except Exception as error:  # the queue must survive any file; the failure is on the record
        logger.exception("quality check of %s failed", resource_id)
        stored, _ = QualityReport.objects.update_or_create(resource=resource, defaults={
            "status": QualityReport.Status.ERROR, "file_hash": resource.hash, "file_name": resource.original_filename,
            "report": {}, "readable": False, "errors": 0, "warnings": 0, "infos": 0, "stars": None,
            "standard_id": "", "standard_confidence": None, "missing_required": 0,
            "error": f"{type(error).__name__}: {error}"[:2000], "seconds": 0.0, "created": started,
        })
        _forget(resource)
        return stored
    summary = data["summary"]
    standard = data.get("standard") or {}
    stored, _ = QualityReport.objects.update_or_create(resource=resource, defaults={
        "status": QualityReport.Status.DONE, "file_hash": file_hash, "file_name": resource.original_filename,
        "report": data, "readable": data["readable"], "errors": summary["errors"],
        "warnings": summary["warnings"], "infos": summary["info"],
        "stars": (data.get("stars") or {}).get("stars"), "standard_id": standard.get("id") or "",
        "standard_confidence": standard.get("confidence"),
        "missing_required": len(standard.get("missing_required") or []), "error": "",
        "seconds": summary["seconds"], "created": started,
    })
    _forget(resource)
    return stored


def _forget(resource: Resource) -> None:
    refresh_score_safely(resource.dataset_id)
    try:
        forget_cached_reports(resource)
    except Exception:  # an unreachable cache only delays the dataset panel (see REPORT_CACHE_SECONDS)
        logger.exception("could not drop the cached quality reports of %s", resource.dataset_id)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


# --- reading --------------------------------------------------------------------------------------------

def get_report(resource_id: str, user=None) -> QualityReport:
    """The stored report of a resource the user may see; catalog.NotFound when there is none."""
    resource = catalog.get_resource(str(resource_id), user)
    report = QualityReport.objects.filter(resource=resource).first()
    if report is None:
        raise catalog.NotFound(str(resource_id))
    report.resource = resource
    return report


def report_for(resource: Resource) -> QualityReport | None:
    return QualityReport.objects.filter(resource=resource).first()


@dataclass
class DatasetQuality:
    dataset: Dataset
    score: Score
    resources: list[tuple[Resource, QualityReport | None]]

    @property
    def errors(self) -> int:
        return sum(r.errors for _, r in self.resources if r is not None)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for _, r in self.resources if r is not None)

    def resource_summaries(self) -> list[dict]:
        out = []
        for resource, report in self.resources:
            entry = {"id": str(resource.pk), "name": resource.name, "format": resource.format,
                     "uploaded": bool(resource.file), "report": report.summary if report else None}
            out.append(entry)
        return out

    def as_dict(self) -> dict:
        return {"dataset_id": str(self.dataset.pk), "name": self.dataset.name, "title": self.dataset.title,
                **self.score.as_dict(), "errors": self.errors, "warnings": self.warnings,
                "resources": self.resource_summaries()}


def _active_resources(dataset: Dataset) -> list[Resource]:
    resources = getattr(dataset, "_quality_resources", None)
    if resources is None:
        resources = list(dataset.resources.filter(state=State.ACTIVE).select_related("quality_report")
                         .order_by("position", "created"))
    return resources


def _report_of(resource: Resource) -> QualityReport | None:
    try:
        return resource.quality_report
    except QualityReport.DoesNotExist:
        return None


def dataset_quality(dataset: Dataset, *, now=None) -> DatasetQuality:
    """The score of a dataset (already checked for visibility) with its resources' reports."""
    pairs = [(r, _report_of(r)) for r in _active_resources(dataset)]
    facts = [ResourceFacts(name=r.name, format=r.format, report=report) for r, report in pairs]
    return DatasetQuality(dataset, score_dataset(dataset, facts, now=now), pairs)


REPORT_CACHE_SECONDS = 300
_SCORE_FIELDS = ("status", "readable", "errors", "warnings", "infos", "stars", "standard_id", "standard_confidence",
                 "missing_required", "created")


def _cache_key(dataset: Dataset, resources: list[Resource]) -> str:
    files = ",".join(sorted(f"{r.pk}:{r.hash}" for r in resources if r.file))
    return f"quality:reports:{dataset.pk}:{hashlib.sha1(files.encode()).hexdigest()}"


def _slim(report: QualityReport) -> dict:
    """What the dataset panel needs of a report: its counts and, of the report itself, the format and standard."""
    data = report.report or {}
    standard = {k: v for k, v in (data.get("standard") or {}).items() if k not in ("mapping", "unknown_headers")}
    return {**{name: getattr(report, name) for name in _SCORE_FIELDS},
            "report": {"file": {"format": (data.get("file") or {}).get("format")}, "standard": standard or None}}


def cached_dataset_quality(dataset: Dataset) -> DatasetQuality:
    """dataset_quality for the dataset page: the resources already loaded with the dataset, and the reports
    from the cache (keyed by the files' hashes, dropped whenever a report is stored)."""
    resources = [r for r in dataset.resources.all() if r.state == State.ACTIVE]
    key = _cache_key(dataset, resources)
    slim = cache.get(key)
    if slim is None:
        uploaded = [r.pk for r in resources if r.file]
        reports = QualityReport.objects.filter(resource_id__in=uploaded) if uploaded else []
        slim = {str(r.resource_id): _slim(r) for r in reports}
        cache.set(key, slim, REPORT_CACHE_SECONDS)
    pairs = [(r, QualityReport(resource_id=r.pk, **slim[str(r.pk)]) if str(r.pk) in slim else None)
             for r in resources]
    facts = [ResourceFacts(name=r.name, format=r.format, report=report) for r, report in pairs]
    return DatasetQuality(dataset, score_dataset(dataset, facts), pairs)


def forget_cached_reports(resource: Resource) -> None:
    resources = list(Resource.objects.filter(dataset_id=resource.dataset_id, state=State.ACTIVE))
    cache.delete(_cache_key(resource.dataset, resources))


def dataset_quality_for(id_or_name: str, user=None) -> DatasetQuality:
    return dataset_quality(catalog.get_dataset(id_or_name, user))


def get_organization(id_or_name: str) -> Organization:
    organization = Organization.objects.filter(name=id_or_name, state=State.ACTIVE).first()
    if organization is None and catalog.looks_like_uuid(id_or_name):
        organization = Organization.objects.filter(pk=id_or_name, state=State.ACTIVE).first()
    if organization is None:
        raise catalog.NotFound(id_or_name)
    return organization


def organization_quality(organization: Organization, user=None, *, now=None) -> list[DatasetQuality]:
    """The organization's datasets the user may see, worst first (score, then errors, then title)."""
    resources = Prefetch("resources", to_attr="_quality_resources",
                         queryset=Resource.objects.filter(state=State.ACTIVE).select_related("quality_report")
                         .order_by("position", "created"))
    datasets = (Dataset.objects.filter(permissions.visible_datasets_q(user, include_drafts=True),
                                       organization=organization)
                .select_related("organization").prefetch_related(resources))
    rows = [dataset_quality(d, now=now) for d in datasets]
    rows.sort(key=lambda q: (q.score.score, -q.errors, q.dataset.title))
    return rows


SEVERITIES = ("error", "warning", "info")


def filter_findings(findings: list[dict], *, severity: str = "", rule: str = "") -> list[dict]:
    """Stored findings of one severity and/or one rule (empty: any)."""
    return [f for f in findings if (not severity or f.get("severity") == severity) and (not rule or f.get("rule") == rule)]


def report_dict(report: QualityReport) -> dict:
    """The stored report for the API: the resource, the summary and the validation report itself."""
    resource = report.resource
    return {"resource_id": str(resource.pk), "package_id": str(resource.dataset_id), "name": resource.name,
            **report.summary, "error": report.error or None, "report": report.report or None}


# --- the stored score (for sorting search results) ------------------------------------------------------

def refresh_score(dataset_id) -> DatasetScore | None:
    """Recompute and store the dataset's score; None (and no row) for a deleted or missing dataset."""
    dataset = Dataset.objects.select_related("organization").filter(pk=dataset_id).first()
    if dataset is None or dataset.state == State.DELETED:
        DatasetScore.objects.filter(dataset_id=dataset_id).delete()
        return None
    score = dataset_quality(dataset).score
    stored, _ = DatasetScore.objects.update_or_create(
        dataset=dataset, defaults={"score": score.score, "grade": score.grade, "computed": timezone.now()})
    return stored


def refresh_score_safely(dataset_id) -> None:
    try:
        refresh_score(dataset_id)
    except Exception:  # a stale sort key must not fail a catalog write or the check job
        logger.exception("quality score of %s could not be stored", dataset_id)
