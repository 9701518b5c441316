"""The catalog's service layer: the only place that changes catalog state.

Web views and API actions call these functions; each validates through the
catalog forms, writes in one transaction (nothing half-saved), records an
Activity, and lets the search index follow through signals."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from . import permissions
from .forms import DatasetForm, ResourceForm
from .models import Activity, DailyUsage, Dataset, Organization, Resource, State, Tag
from .serializers import dataset_dict


class CatalogValidationError(Exception):
    """Input was rejected; `errors` maps field name → list of messages (CKAN's shape)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


class NotFound(Exception):
    pass


def form_errors(form) -> dict[str, list[str]]:
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


# --- Reading ------------------------------------------------------------------

def datasets_with_relations() -> QuerySet[Dataset]:
    return Dataset.objects.select_related("organization").prefetch_related(
        "tags", "groups", Prefetch("resources", queryset=Resource.objects.order_by("position", "created"))
    )


def get_dataset(id_or_name: str, user=None, *, for_edit: bool = False) -> Dataset:
    """A dataset by name or id that `user` may see (or edit); NotFound otherwise.

    Invisible datasets are reported as not found so that private names do not leak."""
    qs = datasets_with_relations()
    dataset = qs.filter(name=id_or_name).first()
    if dataset is None and _looks_like_uuid(id_or_name):
        dataset = qs.filter(id=id_or_name).first()
    if dataset is None or not permissions.can_view_dataset(user, dataset):
        raise NotFound(id_or_name)
    if for_edit and not permissions.can_edit_dataset(user, dataset):
        raise PermissionDenied
    return dataset


def get_resource(resource_id: str, user=None) -> Resource:
    if not _looks_like_uuid(resource_id):
        raise NotFound(resource_id)
    resource = Resource.objects.select_related("dataset", "dataset__organization").filter(id=resource_id).first()
    if resource is None or resource.state != State.ACTIVE or not permissions.can_view_dataset(user, resource.dataset):
        raise NotFound(resource_id)
    return resource


_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


def _looks_like_uuid(value: str) -> bool:
    return bool(_UUID.match(value or ""))


# --- Activity -----------------------------------------------------------------

def _diff(before: dict | None, after: dict | None) -> dict:
    before, after = before or {}, after or {}
    ignored = {"metadata_modified", "organization", "num_resources", "num_tags"}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if key not in ignored and before.get(key) != after.get(key)
    }


def record_activity(actor, activity_type: str, obj, *, before: dict | None = None, after: dict | None = None,
                    dataset: Dataset | None = None, organization: Organization | None = None) -> Activity:
    object_type = {"Dataset": "package", "Resource": "resource", "Organization": "organization",
                   "Group": "group"}[type(obj).__name__]
    return Activity.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        activity_type=activity_type,
        object_type=object_type,
        object_id=obj.pk,
        dataset=dataset,
        organization=organization,
        data=after or before or {},
        changes=_diff(before, after),
    )


def _snapshot(dataset: Dataset) -> dict:
    return dataset_dict(datasets_with_relations().get(pk=dataset.pk))


# --- Datasets -------------------------------------------------------------------

def create_dataset(actor, data: dict, *, extras: dict | None = None) -> Dataset:
    """Create a dataset from form-shaped data (`organization` is the org name).

    `extras` are free key/value metadata (CKAN extras) such as an attribution."""
    form = DatasetForm(data=data, organizations=permissions.editable_organizations(actor))
    if not form.is_valid():
        raise CatalogValidationError(form_errors(form))
    organization = form.cleaned_data["organization"]
    if not permissions.can_create_in(actor, organization):
        raise PermissionDenied
    with transaction.atomic():
        dataset = form.save(commit=False)
        dataset.creator = actor if getattr(actor, "is_authenticated", False) else None
        dataset.created = dataset.modified = timezone.now()
        if extras is not None:
            dataset.extras = dict(extras)
        dataset.save()
        _save_relations(dataset, form)
        record_activity(actor, "new package", dataset, after=_snapshot(dataset), dataset=dataset,
                        organization=dataset.organization)
    return dataset


def update_dataset(actor, dataset: Dataset, data: dict, *, extras: dict | None = None) -> Dataset:
    """Replace the form fields (and, when given, the extras) of a dataset."""
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionDenied
    before = _snapshot(dataset)
    form = DatasetForm(data=data, instance=dataset, organizations=permissions.editable_organizations(actor))
    if not form.is_valid():
        raise CatalogValidationError(form_errors(form))
    with transaction.atomic():
        dataset = form.save(commit=False)
        dataset.modified = timezone.now()
        if extras is not None:
            dataset.extras = dict(extras)
        dataset.save()
        _save_relations(dataset, form)
        after = _snapshot(dataset)
        record_activity(actor, "changed package", dataset, before=before, after=after, dataset=dataset,
                        organization=dataset.organization)
    return dataset


def dataset_form_data(dataset: Dataset) -> dict:
    """The current values of a dataset as DatasetForm data (for partial updates)."""
    form = DatasetForm(instance=dataset)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "organization":
            value = dataset.organization.name
        elif name == "tags":
            value = ", ".join(value or [])
        if value is None:
            value = ""
        data[name] = value
    return data


def _save_relations(dataset: Dataset, form: DatasetForm) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in form.cleaned_data.get("tags", [])]
    dataset.tags.set(tags)
    dataset.groups.set(form.cleaned_data.get("groups", []))
    # Save again so post_save sees the final relations (search indexing).
    Dataset.objects.filter(pk=dataset.pk).update(modified=dataset.modified)
    from hiraku.search.service import index_dataset_later

    index_dataset_later(dataset.pk)


def delete_dataset(actor, dataset: Dataset) -> None:
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionDenied
    before = _snapshot(dataset)
    with transaction.atomic():
        dataset.state = State.DELETED
        dataset.modified = timezone.now()
        dataset.save(update_fields=["state", "modified"])
        record_activity(actor, "deleted package", dataset, before=before, after=_snapshot(dataset),
                        dataset=dataset, organization=dataset.organization)


# --- Resources ------------------------------------------------------------------

_FORMAT_BY_EXTENSION = {
    "csv": "CSV", "tsv": "TSV", "txt": "TXT", "xlsx": "XLSX", "xls": "XLS", "ods": "ODS", "json": "JSON",
    "geojson": "GeoJSON", "pdf": "PDF", "zip": "ZIP", "xml": "XML", "rdf": "RDF", "ttl": "TTL",
    "kml": "KML", "shp": "SHP", "parquet": "Parquet", "docx": "DOCX", "doc": "DOC", "html": "HTML",
}


def guess_format(filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _FORMAT_BY_EXTENSION.get(extension, extension.upper())


def _fill_file_metadata(resource: Resource) -> None:
    upload = resource.file
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    resource.size = size
    resource.hash = f"sha256:{digest.hexdigest()}"
    resource.mimetype = mimetypes.guess_type(upload.name)[0] or "application/octet-stream"
    if not resource.format:
        resource.format = guess_format(upload.name)
    resource.last_modified = timezone.now()


def add_resource(actor, dataset: Dataset, data: dict, files: dict | None = None) -> Resource:
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionDenied
    form = ResourceForm(data=data, files=files or {}, instance=Resource(dataset=dataset))
    if not form.is_valid():
        raise CatalogValidationError(form_errors(form))
    before = _snapshot(dataset)
    with transaction.atomic():
        resource = form.save(commit=False)
        resource.position = dataset.resources.count()
        if files and form.cleaned_data.get("file"):
            _fill_file_metadata(resource)
        elif not resource.format:
            resource.format = guess_format(resource.url)
        resource.save()
        _touch(dataset)
        record_activity(actor, "changed package", dataset, before=before, after=_snapshot(dataset),
                        dataset=dataset, organization=dataset.organization)
    return resource


def update_resource(actor, resource: Resource, data: dict, files: dict | None = None) -> Resource:
    dataset = resource.dataset
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionDenied
    old_file = resource.file.name if resource.file else ""
    form = ResourceForm(data=data, files=files or {}, instance=resource)
    if not form.is_valid():
        raise CatalogValidationError(form_errors(form))
    before = _snapshot(dataset)
    with transaction.atomic():
        resource = form.save(commit=False)
        if files and form.cleaned_data.get("file") and resource.file.name != old_file:
            _fill_file_metadata(resource)
        resource.modified = timezone.now()
        resource.save()
        _touch(dataset)
        record_activity(actor, "changed package", dataset, before=before, after=_snapshot(dataset),
                        dataset=dataset, organization=dataset.organization)
    return resource


def delete_resource(actor, resource: Resource) -> None:
    dataset = resource.dataset
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionDenied
    before = _snapshot(dataset)
    with transaction.atomic():
        resource.state = State.DELETED
        resource.save(update_fields=["state"])
        _touch(dataset)
        record_activity(actor, "changed package", dataset, before=before, after=_snapshot(dataset),
                        dataset=dataset, organization=dataset.organization)


def _touch(dataset: Dataset) -> None:
    dataset.modified = timezone.now()
    dataset.save(update_fields=["modified"])


# --- Usage and popularity -------------------------------------------------------

_BOT_UA = re.compile(
    r"bot|crawl|spider|slurp|bingpreview|facebookexternalhit|headless|python-requests|curl|wget|httpclient"
    r"|scrapy|go-http-client|java/|libwww|monitor|uptime|preview",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    return not user_agent or bool(_BOT_UA.search(user_agent))


def record_usage(dataset: Dataset, *, kind: str, user_agent: str) -> bool:
    """Count a view or download by a person; bots and empty user agents are not counted."""
    if is_bot(user_agent):
        return False
    views, downloads = (1, 0) if kind == "view" else (0, 1)
    # Downloads weigh more than views: they show the data was actually used.
    Dataset.objects.filter(pk=dataset.pk).update(
        view_count=F("view_count") + views,
        download_count=F("download_count") + downloads,
        popularity=F("popularity") + views + 3 * downloads,
    )
    usage, _created = DailyUsage.objects.get_or_create(dataset=dataset, date=date.today())
    DailyUsage.objects.filter(pk=usage.pk).update(views=F("views") + views, downloads=F("downloads") + downloads)
    return True


def popular_datasets(user=None, limit: int = 10) -> QuerySet[Dataset]:
    return (Dataset.objects.filter(permissions.visible_datasets_q(user, include_private=False))
            .select_related("organization").order_by("-popularity", "-modified")[:limit])


def newest_datasets(user=None, limit: int = 10) -> QuerySet[Dataset]:
    return (Dataset.objects.filter(permissions.visible_datasets_q(user, include_private=False))
            .select_related("organization").order_by("-created")[:limit])


def activity_for_dataset(dataset: Dataset, limit: int = 50) -> QuerySet[Activity]:
    return Activity.objects.filter(dataset=dataset).select_related("actor").order_by("-timestamp")[:limit]
