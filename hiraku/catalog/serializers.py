"""CKAN-shaped dictionaries of catalog objects.

Used by the Action API, by activity snapshots and by the search index, so the
three never disagree about what a dataset "is"."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

from .licenses import get_license
from .models import Dataset, Group, Organization, Resource


def iso(value) -> str | None:
    """CKAN's timestamp format: naive UTC ISO 8601 with microseconds."""
    if value is None:
        return None
    if hasattr(value, "utcoffset") and value.utcoffset() is not None:
        from datetime import UTC

        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat()


def organization_dict(org: Organization, *, package_count: int | None = None) -> dict:
    data = {
        "id": str(org.id),
        "name": org.name,
        "title": org.title,
        "title_en": org.title_en,
        "display_name": org.title,
        "description": org.description,
        "image_url": org.image_url,
        "image_display_url": org.image_url,
        "created": iso(org.created),
        "is_organization": True,
        "approval_status": "approved",
        "state": org.state,
        "type": "organization",
        "lgcode": org.lgcode,
        "url": org.url,
    }
    if package_count is not None:
        data["package_count"] = package_count
    return data


def group_dict(group: Group, *, package_count: int | None = None) -> dict:
    data = {
        "id": str(group.id),
        "name": group.name,
        "title": group.title,
        "title_en": group.title_en,
        "display_name": group.title,
        "description": group.description,
        "image_url": group.image_url,
        "image_display_url": group.image_url,
        "created": iso(group.created),
        "is_organization": False,
        "approval_status": "approved",
        "state": group.state,
        "type": "group",
    }
    if package_count is not None:
        data["package_count"] = package_count
    return data


def resource_download_url(resource: Resource, *, site_url: str | None = None) -> str:
    """The address of an uploaded file on this site, or the external URL.

    `site_url=""` gives a site-relative path for an upload (what the search index
    stores; see `absolutize_package`)."""
    if resource.file:
        path = reverse("web:resource_download",
                       kwargs={"dataset": resource.dataset.name, "resource_id": resource.id,
                               "filename": resource.original_filename})
        return (settings.SITE_URL if site_url is None else site_url) + path
    return resource.url


def resource_dict(resource: Resource, *, site_url: str | None = None) -> dict:
    return {
        "id": str(resource.id),
        "package_id": str(resource.dataset_id),
        "name": resource.name,
        "description": resource.description,
        "url": resource_download_url(resource, site_url=site_url),
        "url_type": "upload" if resource.file else None,
        "format": resource.format,
        "mimetype": resource.mimetype or None,
        "size": resource.size,
        "hash": resource.hash,
        "encoding": resource.encoding or None,
        "position": resource.position,
        "created": iso(resource.created),
        "last_modified": iso(resource.last_modified),
        "metadata_modified": iso(resource.modified),
        "state": resource.state,
        "datastore_active": _datastore_active(resource),
    }


def _datastore_active(resource: Resource) -> bool:
    # The datastore app adds the one-to-one `datastore`; querysets select it to avoid a query per resource.
    try:
        return resource.datastore.version is not None
    except ObjectDoesNotExist:
        return False


def dataset_dict(dataset: Dataset, *, site_url: str | None = None) -> dict:
    """The CKAN package dict. Call on a dataset fetched with `with_relations()`.

    `site_url=""` leaves the download URLs of uploads site-relative, for storing."""
    return package_dict(dataset, dataset.organization, dataset.resources.all(), dataset.tags.all(),
                        dataset.groups.all(), site_url=site_url)


def package_dict(dataset: Dataset, org: Organization, resources, tags, groups, *,
                 site_url: str | None = None) -> dict:
    """The CKAN package dict from a dataset and its relations, given separately.

    `resources` in position order (inactive ones are left out here); `tags` and
    `groups` need only the attributes used below, so batch code (the search
    index) can pass light objects instead of model instances."""
    lic = get_license(dataset.license_id)
    resources = [r for r in resources if r.state == "active"]
    tags = sorted(tags, key=lambda t: t.name)
    groups = sorted(groups, key=lambda g: g.name)
    extras = dict(dataset.extras or {})
    for key, value in (
        ("update_frequency", dataset.update_frequency),
        ("temporal_start", dataset.temporal_start.isoformat() if dataset.temporal_start else ""),
        ("temporal_end", dataset.temporal_end.isoformat() if dataset.temporal_end else ""),
        ("spatial", dataset.spatial),
        ("spatial_lgcode", dataset.spatial_lgcode),
        ("standard_type", dataset.standard_type),
    ):
        if value:
            extras.setdefault(key, value)
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "type": "dataset",
        "state": dataset.state,
        "private": dataset.private,
        "owner_org": str(org.id),
        "organization": organization_dict(org),
        "license_id": dataset.license_id,
        "license_title": lic.title if lic else dataset.license_id,
        "license_url": lic.url if lic else "",
        "url": dataset.url,
        "version": dataset.version,
        "author": dataset.author,
        "author_email": "",
        "maintainer": dataset.maintainer,
        "maintainer_email": dataset.maintainer_email,
        "metadata_created": iso(dataset.created),
        "metadata_modified": iso(dataset.modified),
        "isopen": bool(lic and lic.od_conformance == "approved"),
        "num_resources": len(resources),
        "num_tags": len(tags),
        "resources": [resource_dict(r, site_url=site_url) for r in resources],
        "tags": [{"id": str(t.id), "name": t.name, "display_name": t.name, "state": "active",
                  "vocabulary_id": None} for t in tags],
        "groups": [{"id": str(g.id), "name": g.name, "title": g.title, "display_name": g.title,
                    "description": g.description, "image_display_url": g.image_url} for g in groups],
        "extras": [{"key": k, "value": v if isinstance(v, str) else str(v)} for k, v in sorted(extras.items())],
        "update_frequency": dataset.update_frequency,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else None,
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else None,
        "spatial": dataset.spatial,
        "spatial_lgcode": dataset.spatial_lgcode,
        "standard_type": dataset.standard_type or None,
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "creator_user_id": str(dataset.creator_id) if dataset.creator_id else None,
    }


def absolutize_package(package: dict, site_url: str | None = None) -> dict:
    """Make a package dict built with `site_url=""` absolute for this site (in place).

    Only uploads have site-relative URLs; external resource URLs are left alone."""
    prefix = settings.SITE_URL if site_url is None else site_url
    for resource in package.get("resources", ()):
        url = resource.get("url")
        if resource.get("url_type") == "upload" and isinstance(url, str) and url.startswith("/"):
            resource["url"] = prefix + url
    return package
