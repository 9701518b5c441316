"""Turning catalog objects into what a page shows: localized titles, licence
links, the attribution text, facet labels and readable change history.

Only presentation lives here; every rule about data stays in the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from hiraku.catalog.licenses import License, get_license
from hiraku.catalog.models import Group, Organization
from hiraku.catalog.standards import standard_label
from hiraku.quality.scores import GRADES, grade_points

# Short licence names as they appear in credit lines, e.g. 「（CC BY 4.0）」.
_LICENSE_SHORT_NAMES = {
    "cc-by-4.0": "CC BY 4.0",
    "cc-by-sa-4.0": "CC BY-SA 4.0",
    "cc-zero": "CC0",
    "pdl-1.0": "PDL1.0",
    "gsl-2.0": _("Government of Japan Standard Terms of Use 2.0"),
}


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


def display_title(obj) -> str:
    """An organization's or group's title in the page language (English when given)."""
    english = getattr(obj, "title_en", "")
    return english if is_english() and english else obj.title


def license_title(license_id: str) -> str:
    lic = get_license(license_id)
    if lic is None:
        return license_id
    return lic.title_en if is_english() else lic.title


def license_short_name(lic: License) -> str:
    return str(_LICENSE_SHORT_NAMES.get(lic.id, lic.title_en if is_english() else lic.title))


def attribution_text(dataset) -> str:
    """The credit line users must show; the publisher's own wording wins when given."""
    configured = (dataset.extras or {}).get("attribution")
    if configured:
        return str(configured)
    lic = get_license(dataset.license_id)
    if lic is None or not lic.attribution_required:
        return ""
    return gettext("Source: %(publisher)s open data (%(license)s)") % {
        "publisher": display_title(dataset.organization),
        "license": license_short_name(lic),
    }


# --- Facets ---------------------------------------------------------------------

FACET_TITLES = {
    "organization": _("Organization"),
    "groups": _("Theme"),
    "tags": _("Tag"),
    "res_format": _("Format"),
    "license_id": _("Licence"),
    "standard_type": _("Standard dataset"),
    "quality_grade": _("Quality grade"),
}

# Quality grades best first, the order of their facet options.
GRADE_ORDER = {grade: position for position, (_minimum, grade) in enumerate(GRADES)}


def grade_label(grade: str) -> str:
    """A quality grade with its points, e.g. 「A（90〜100点）」."""
    if grade not in GRADE_ORDER:
        return grade
    low, high = grade_points(grade)
    return gettext("%(grade)s (%(low)s–%(high)s points)") % {"grade": grade, "low": low, "high": high}


def facet_labels(field_name: str, values: list[str]) -> dict[str, str]:
    """Display titles for facet values (names → titles) with one query per facet at most."""
    if field_name == "organization":
        return {o.name: display_title(o) for o in Organization.objects.filter(name__in=values)}
    if field_name == "groups":
        return {g.name: display_title(g) for g in Group.objects.filter(name__in=values)}
    if field_name == "license_id":
        return {v: license_title(v) for v in values}
    if field_name == "standard_type":
        return {v: standard_label(v) for v in values}
    if field_name == "quality_grade":
        return {v: grade_label(v) for v in values}
    return {v: v for v in values}


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class Facet:
    field: str
    title: str
    options: list[FacetOption] = field(default_factory=list)


@dataclass
class SelectedFilter:
    field: str
    field_title: str
    label: str
    remove_url: str


# --- Change history -------------------------------------------------------------

_ACTIVITY_VERBS = {
    "new package": _("created the dataset"),
    "changed package": _("updated the dataset"),
    "deleted package": _("deleted the dataset"),
}

# Keys of the CKAN package dict that an Activity's `changes` may name.
_CHANGED_FIELD_LABELS = {
    "title": _("Title"), "name": _("URL name"), "notes": _("Description"), "tags": _("Tags"),
    "groups": _("Themes"), "license_id": _("Licence"), "license_title": None, "license_url": None,
    "isopen": None, "resources": _("Data files"), "url": _("Source URL"), "version": _("Version"),
    "author": _("Author"), "maintainer": _("Contact name"), "maintainer_email": _("Contact email"),
    "update_frequency": _("Update frequency"), "temporal_start": _("Period from"),
    "temporal_end": _("Period to"), "spatial": _("Spatial coverage"),
    "spatial_lgcode": _("Spatial coverage code"), "standard_type": _("Standard dataset"),
    "extras": _("Additional information"), "private": _("Visibility"), "state": _("State"),
    "owner_org": _("Organization"), "metadata_created": None, "id": None, "type": None,
    "creator_user_id": None, "author_email": None,
}


def activity_verb(activity_type: str) -> str:
    return str(_ACTIVITY_VERBS.get(activity_type, activity_type))


def changed_field_labels(changes: dict) -> list[str]:
    """Readable names of the fields an activity changed, without derived duplicates."""
    labels: list[str] = []
    for key in changes:
        label = _CHANGED_FIELD_LABELS.get(key, key)
        if label is not None and str(label) not in labels:
            labels.append(str(label))
    return labels


@dataclass
class HistoryEntry:
    timestamp: object
    actor: str
    verb: str
    fields: list[str]


def history_entries(activities) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            timestamp=activity.timestamp,
            actor=activity.actor.get_username() if activity.actor else gettext("System"),
            verb=activity_verb(activity.activity_type),
            fields=changed_field_labels(activity.changes or {}) if activity.activity_type == "changed package"
            else [],
        )
        for activity in activities
    ]
