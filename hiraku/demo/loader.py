"""Load the demo catalog shipped in `hiraku/demo/data/` through the catalog services.

Every write goes through `hiraku.catalog.services`, so the demo datasets get
activity records and search entries exactly as if city staff had entered them.
Each object is compared with the manifest before anything is written, so a
second run changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from hiraku.catalog import services
from hiraku.catalog.forms import OrganizationForm, parse_tags
from hiraku.catalog.models import Dataset, Group, Organization, Resource, State
from hiraku.catalog.serializers import organization_dict

DATA_DIR = Path(__file__).resolve().parent / "data"
MANIFEST_PATH = DATA_DIR / "manifest.json"

# Dataset form fields the manifest decides; anything else (contact details
# entered by staff, say) is left as it is.
MANAGED_FIELDS = (
    "title", "organization", "notes", "tags", "groups", "license_id", "standard_type",
    "update_frequency", "spatial", "spatial_lgcode", "url", "state", "private",
)
ORGANIZATION_FIELDS = ("title", "title_en", "lgcode", "url", "description")
GROUP_FIELDS = ("title", "title_en", "description")


class DemoDataError(Exception):
    """The shipped demo data is inconsistent (a missing file, a broken manifest)."""


@dataclass
class LoadReport:
    """What one run did, per kind of object: created, updated, unchanged."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def add(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})[outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())


# --- Manifest -------------------------------------------------------------------

def read_manifest(path: Path = MANIFEST_PATH) -> dict:
    """The manifest, checked: every dataset names a known organization and existing files."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DemoDataError(
            f"Cannot read the demo manifest {path.name}: {error} / デモのマニフェストを読めません。"
        ) from error
    org_names = {org["name"] for org in manifest.get("organizations", [])}
    for spec in manifest.get("datasets", []):
        if spec.get("organization") not in org_names:
            raise DemoDataError(
                f"Dataset {spec.get('name')} names an unknown organization / 不明な組織を指定しています。"
            )
        for resource in spec.get("resources", []):
            if not resource_path(spec, resource).is_file():
                raise DemoDataError(
                    f"Missing demo file {resource['file']} of dataset {spec['name']} / デモのファイルがありません。"
                )
    return manifest


def resource_path(dataset_spec: dict, resource_spec: dict) -> Path:
    return DATA_DIR / dataset_spec["source_dir"] / resource_spec["file"]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


# --- Organizations and groups ----------------------------------------------------

def ensure_organization(actor, spec: dict, report: LoadReport) -> Organization:
    organization = Organization.objects.filter(name=spec["name"]).first()
    wanted = {key: spec.get(key, "") for key in ORGANIZATION_FIELDS}
    if organization and all(getattr(organization, key) == value for key, value in wanted.items()):
        report.add("organizations", "unchanged")
        return organization
    created = organization is None
    # Taken before validation: a ModelForm writes cleaned values onto its instance.
    before = None if created else organization_dict(organization)
    # Validate through the same form staff use, so a bad lgcode is refused here too.
    kept = {"image_url": organization.image_url, "parent": organization.parent_id or ""} if organization else {}
    data = {"image_url": "", "parent": "", **kept, **wanted, "name": spec["name"]}
    form = OrganizationForm(data=data, instance=organization)
    if not form.is_valid():
        raise services.CatalogValidationError(services.form_errors(form))
    organization = form.save(commit=False)
    organization.modified = timezone.now()
    organization.save()
    services.record_activity(
        actor, "new organization" if created else "changed organization", organization,
        before=before, after=organization_dict(organization), organization=organization,
    )
    report.add("organizations", "created" if created else "updated")
    return organization


def ensure_group(actor, spec: dict, report: LoadReport) -> Group:
    group = Group.objects.filter(name=spec["name"]).first()
    wanted = {key: spec.get(key, "") for key in GROUP_FIELDS}
    if group and all(getattr(group, key) == value for key, value in wanted.items()):
        report.add("groups", "unchanged")
        return group
    created = group is None
    group = group or Group(name=spec["name"])
    for key, value in wanted.items():
        setattr(group, key, value)
    group.modified = timezone.now()
    group.full_clean()
    group.save()
    services.record_activity(actor, "new group" if created else "changed group", group,
                             after={"name": group.name, **wanted})
    report.add("groups", "created" if created else "updated")
    return group


# --- Datasets and resources ------------------------------------------------------

def desired_dataset_values(spec: dict, defaults: dict) -> dict:
    """The managed fields of a dataset as the manifest wants them, normalized for comparison."""
    def value(key: str, fallback: str = "") -> str:
        return spec.get(key, defaults.get(key, fallback))

    return {
        "title": spec["title"],
        "organization": spec["organization"],
        "notes": spec.get("notes", ""),
        "tags": sorted(parse_tags(spec.get("tags", []))),
        "groups": sorted(spec.get("groups", [])),
        "license_id": value("license_id", "cc-by-4.0"),
        "standard_type": spec.get("standard_type", ""),
        "update_frequency": spec.get("update_frequency", "IRREG"),
        "spatial": value("spatial"),
        "spatial_lgcode": value("spatial_lgcode"),
        "url": spec.get("url", ""),
        "state": State.ACTIVE.value,
        "private": False,
    }


def current_dataset_values(dataset: Dataset) -> dict:
    return {
        "title": dataset.title,
        "organization": dataset.organization.name,
        "notes": dataset.notes,
        "tags": sorted(tag.name for tag in dataset.tags.all()),
        "groups": sorted(group.name for group in dataset.groups.all()),
        "license_id": dataset.license_id,
        "standard_type": dataset.standard_type,
        "update_frequency": dataset.update_frequency,
        "spatial": dataset.spatial,
        "spatial_lgcode": dataset.spatial_lgcode,
        "url": dataset.url,
        "state": dataset.state,
        "private": dataset.private,
    }


def desired_extras(spec: dict, defaults: dict, current: dict | None = None) -> dict:
    extras = dict(current or {})
    extras["attribution"] = spec.get("attribution", defaults.get("attribution", ""))
    return extras


def ensure_dataset(actor, spec: dict, defaults: dict, report: LoadReport) -> Dataset | None:
    wanted = desired_dataset_values(spec, defaults)
    dataset = Dataset.objects.filter(name=spec["name"]).first()
    if dataset is not None and dataset.state == State.DELETED:
        # Staff deleted it on purpose: the demo does not bring it back.
        report.skipped.append(spec["name"])
        return None
    form_values = {**wanted, "name": spec["name"], "tags": ", ".join(wanted["tags"])}
    if dataset is None:
        dataset = services.create_dataset(actor, form_values, extras=desired_extras(spec, defaults))
        report.add("datasets", "created")
        return dataset
    extras = desired_extras(spec, defaults, dataset.extras)
    if current_dataset_values(dataset) == wanted and extras == dataset.extras:
        report.add("datasets", "unchanged")
        return dataset
    data = {**services.dataset_form_data(dataset), **form_values}
    dataset = services.update_dataset(actor, dataset, data, extras=extras)
    report.add("datasets", "updated")
    return dataset


def ensure_resource(actor, dataset: Dataset, dataset_spec: dict, spec: dict, report: LoadReport) -> Resource:
    path = resource_path(dataset_spec, spec)
    existing = dataset.resources.filter(name=spec["name"], state=State.ACTIVE).first()
    if existing is not None and existing.hash == file_sha256(path):
        report.add("resources", "unchanged")
        return existing
    data = {"name": spec["name"], "description": spec.get("description", ""), "url": "", "format": ""}
    with path.open("rb") as handle:
        # The published file name (spaces, "(1)" and all) is what staff would upload.
        files = {"file": File(handle, name=spec["file"])}
        if existing is None:
            resource = services.add_resource(actor, dataset, data, files)
            report.add("resources", "created")
        else:
            resource = services.update_resource(actor, existing, data, files)
            report.add("resources", "updated")
    return resource


def load_demo_catalog(actor, manifest: dict | None = None) -> LoadReport:
    """Create or update every organization, group, dataset and file of the manifest."""
    manifest = manifest if manifest is not None else read_manifest()
    defaults = manifest.get("dataset_defaults", {})
    report = LoadReport()
    with transaction.atomic():
        for spec in manifest.get("organizations", []):
            ensure_organization(actor, spec, report)
        for spec in manifest.get("groups", []):
            ensure_group(actor, spec, report)
    for spec in manifest.get("datasets", []):
        # One transaction per dataset: a failure never leaves a dataset half-loaded.
        with transaction.atomic():
            dataset = ensure_dataset(actor, spec, defaults, report)
            if dataset is None:
                continue
            dataset = Dataset.objects.get(pk=dataset.pk)
            for resource_spec in spec.get("resources", []):
                ensure_resource(actor, dataset, spec, resource_spec, report)
    return report
