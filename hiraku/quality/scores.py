"""The quality score of a dataset: explicit criteria, each worth some points.

The score (0–100) is the sum of the points of the criteria a dataset meets;
a criterion that does not apply (an update frequency with no schedule to
keep) counts as met. Each criterion carries a reason in Japanese and English
saying why it is met or what to do.

| id | points | met when |
| --- | --- | --- |
| ``license`` | 20 | the licence is given and open (not 未指定 or 非オープン) |
| ``description`` | 10 | the description has at least ``DESCRIPTION_MIN_CHARS`` characters |
| ``frequency_stated`` | 10 | the update frequency is stated (not 不明) |
| ``frequency_met`` | 10 | for a periodic frequency, the dataset was modified within the period plus a grace |
| ``machine_readable`` | 20 | at least one resource is structured data (CSV, Excel, JSON, XML, RDF...), not only PDF |
| ``standard`` | 15 | a checked file follows a standard dataset (detected or declared) with no required column missing |
| ``no_errors`` | 15 | files were checked and no report has an error-level finding or an unreadable file |

Grades: A from 90, B from 75, C from 50, D from 25, E below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .findings import LANGUAGES, render
from .stars import OPEN_FORMATS, PROPRIETARY_FORMATS, RDF_FORMATS

DESCRIPTION_MIN_CHARS = 50
NOT_OPEN_LICENSES = frozenset({"", "notspecified", "none", "other-closed"})
MACHINE_READABLE_FORMATS = (OPEN_FORMATS | PROPRIETARY_FORMATS | RDF_FORMATS | {"xls", "ods", "shp", "kml", "gml"}) - {
    "txt"}
# How old the last change may be for a periodic dataset to still keep its schedule (period plus a grace).
FREQUENCY_MAX_AGE = {
    "DAILY": timedelta(days=3),
    "WEEKLY": timedelta(days=10),
    "MONTHLY": timedelta(days=45),
    "QUARTERLY": timedelta(days=120),
    "ANNUAL": timedelta(days=400),
}
UNSTATED_FREQUENCIES = frozenset({"", "UNKNOWN"})
GRADES = ((90, "A"), (75, "B"), (50, "C"), (25, "D"), (0, "E"))

POINTS = {"license": 20, "description": 10, "frequency_stated": 10, "frequency_met": 10,
          "machine_readable": 20, "standard": 15, "no_errors": 15}

TITLES = {
    "license": _("Open licence"),
    "description": _("Description"),
    "frequency_stated": _("Update frequency stated"),
    "frequency_met": _("Updated on schedule"),
    "machine_readable": _("Machine-readable format"),
    "standard": _("Follows a standard dataset"),
    "no_errors": _("No errors in the files"),
}

REASONS = {
    "license.open": _("The licence (%(license)s) lets anyone reuse the data."),
    "license.missing": _("No licence is given. Choose an open licence such as CC BY 4.0."),
    "license.closed": _("The licence (%(license)s) is not open. Choose an open licence such as CC BY 4.0."),
    "description.ok": _("The description has %(chars)s characters."),
    "description.short": _("The description has %(chars)s characters; write at least %(minimum)s: what the data "
                            "is, its period, and how it is collected."),
    "frequency_stated.ok": _("The update frequency is stated (%(frequency)s)."),
    "frequency_stated.missing": _("The update frequency is not stated. Say how often the data is updated."),
    "frequency_met.not_periodic": _("There is no schedule to keep (%(frequency)s)."),
    "frequency_met.ok": _("Last changed %(days)s days ago, within the %(frequency)s schedule."),
    "frequency_met.late": _("Last changed %(days)s days ago: later than the %(frequency)s schedule "
                            "(at most %(limit)s days). Update the data or correct the frequency."),
    "machine_readable.ok": _("Structured data is available (%(formats)s)."),
    "machine_readable.none": _("No data file is in a machine-readable format (%(formats)s). Publish the table "
                               "as CSV."),
    "machine_readable.empty": _("The dataset has no data files."),
    "standard.ok": _("The file %(file)s follows %(standard)s with every required column."),
    "standard.missing": _("The file %(file)s follows %(standard)s but lacks required columns: %(columns)s."),
    "standard.none": _("No checked file follows a standard dataset. Use the columns of the matching "
                       "自治体標準オープンデータセット where one exists."),
    "no_errors.ok": _("%(count)s checked files have no errors."),
    "no_errors.errors": _("%(count)s errors (files with errors: %(files)s). See the findings of each file."),
    "no_errors.unchecked": _("No uploaded file has been checked yet."),
}

FREQUENCY_LABELS = {
    "IRREG": _("irregular"), "DAILY": _("daily"), "WEEKLY": _("weekly"), "MONTHLY": _("monthly"),
    "QUARTERLY": _("quarterly"), "ANNUAL": _("annual"), "NEVER": _("not updated"), "UNKNOWN": _("unknown"),
}


@dataclass
class Criterion:
    id: str
    met: bool
    reason: str  # a key of REASONS
    params: dict[str, Any] = field(default_factory=dict)
    applicable: bool = True

    @property
    def max_points(self) -> int:
        return POINTS[self.id]

    @property
    def points(self) -> int:
        return self.max_points if self.met else 0

    def title(self, language: str | None = None) -> str:
        return render(TITLES[self.id], {}, language)

    def explanation(self, language: str | None = None) -> str:
        params = {k: (render(v, {}, language) if k == "frequency" else v) for k, v in self.params.items()}
        return render(REASONS[self.reason], params, language)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "met": self.met, "applicable": self.applicable, "points": self.points,
            "max_points": self.max_points, "reason": self.reason,
            "title": {lang: self.title(lang) for lang in LANGUAGES},
            "explanation": {lang: self.explanation(lang) for lang in LANGUAGES},
        }


@dataclass
class Score:
    criteria: list[Criterion]

    @property
    def score(self) -> int:
        return sum(c.points for c in self.criteria)

    @property
    def grade(self) -> str:
        return grade_for(self.score)

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "grade": self.grade, "max_score": sum(POINTS.values()),
                "criteria": [c.as_dict() for c in self.criteria]}


def grade_for(score: int) -> str:
    for minimum, grade in GRADES:
        if score >= minimum:
            return grade
    return GRADES[-1][1]


def grade_points(grade: str) -> tuple[int, int]:
    """The lowest and the highest score of a grade: (90, 100) for A, (0, 24) for E."""
    highest = sum(POINTS.values())
    for minimum, name in GRADES:
        if name == grade:
            return minimum, highest
        highest = minimum - 1
    raise ValueError(f"unknown grade: {grade!r}")


@dataclass
class ResourceFacts:
    """What the score needs from one resource and its stored report (None: not checked)."""

    name: str
    format: str = ""
    report: Any = None  # a QualityReport, or anything with its attributes


def score_dataset(dataset: Any, resources: list[ResourceFacts], *, now: datetime | None = None) -> Score:
    """Score ``dataset`` (a catalog Dataset or any object with its fields) and its active resources."""
    now = now or timezone.now()
    return Score([
        _license(dataset), _description(dataset), *_frequency(dataset, now), _machine_readable(resources),
        _standard(dataset, resources), _no_errors(resources),
    ])


def _license(dataset) -> Criterion:
    from hiraku.catalog.licenses import get_license

    license_id = (getattr(dataset, "license_id", "") or "").strip()
    known = get_license(license_id)
    title = known.title if known else license_id
    if not license_id or license_id in ("notspecified", "none"):
        return Criterion("license", False, "license.missing")
    if license_id in NOT_OPEN_LICENSES:
        return Criterion("license", False, "license.closed", {"license": title})
    return Criterion("license", True, "license.open", {"license": title})


def _description(dataset) -> Criterion:
    chars = len("".join((getattr(dataset, "notes", "") or "").split()))
    if chars >= DESCRIPTION_MIN_CHARS:
        return Criterion("description", True, "description.ok", {"chars": chars})
    return Criterion("description", False, "description.short", {"chars": chars, "minimum": DESCRIPTION_MIN_CHARS})


def _frequency(dataset, now: datetime) -> list[Criterion]:
    frequency = getattr(dataset, "update_frequency", "") or ""
    label = FREQUENCY_LABELS.get(frequency, frequency)
    if frequency in UNSTATED_FREQUENCIES:
        stated = Criterion("frequency_stated", False, "frequency_stated.missing")
    else:
        stated = Criterion("frequency_stated", True, "frequency_stated.ok", {"frequency": label})
    limit = FREQUENCY_MAX_AGE.get(frequency)
    modified = getattr(dataset, "modified", None)
    if limit is None or modified is None:
        met = Criterion("frequency_met", True, "frequency_met.not_periodic", {"frequency": label}, applicable=False)
    else:
        age = now - modified
        params = {"days": max(0, age.days), "frequency": label, "limit": limit.days}
        met = Criterion("frequency_met", age <= limit, "frequency_met.ok" if age <= limit else "frequency_met.late",
                        params)
    return [stated, met]


def _format_of(resource: ResourceFacts) -> str:
    report = resource.report
    detected = None
    if report is not None and getattr(report, "report", None):
        detected = (report.report.get("file") or {}).get("format")
    return (detected or resource.format or "").lower()


def _machine_readable(resources: list[ResourceFacts]) -> Criterion:
    if not resources:
        return Criterion("machine_readable", False, "machine_readable.empty")
    formats = sorted({_format_of(r).upper() or "?" for r in resources})
    readable = sorted({f for f in formats if f.lower() in MACHINE_READABLE_FORMATS})
    if readable:
        return Criterion("machine_readable", True, "machine_readable.ok", {"formats": ", ".join(readable)})
    return Criterion("machine_readable", False, "machine_readable.none", {"formats": ", ".join(formats)})


def _standard(dataset, resources: list[ResourceFacts]) -> Criterion:
    partial = None
    for resource in resources:
        report = resource.report
        standard = (getattr(report, "report", None) or {}).get("standard") if report is not None else None
        if not standard:
            continue
        params = {"file": resource.name, "standard": standard.get("title") or standard.get("id")}
        missing = standard.get("missing_required") or []
        if not missing:
            return Criterion("standard", True, "standard.ok", params)
        if partial is None:
            partial = Criterion("standard", False, "standard.missing", {**params, "columns": "、".join(missing)})
    return partial or Criterion("standard", False, "standard.none")


def _no_errors(resources: list[ResourceFacts]) -> Criterion:
    checked = [r.report for r in resources if r.report is not None and getattr(r.report, "status", "done") == "done"]
    if not checked:
        return Criterion("no_errors", False, "no_errors.unchecked")
    bad = [r for r in checked if r.errors or not r.readable]
    if not bad:
        return Criterion("no_errors", True, "no_errors.ok", {"count": len(checked)})
    return Criterion("no_errors", False, "no_errors.errors",
                     {"count": sum(r.errors for r in bad), "files": len(bad)})
