"""The catalog's service layer: the only place that changes catalog state.

Web views and API actions call these functions; each validates through the
catalog forms, writes in one transaction (nothing half-saved), records an
Activity, and lets the search index follow through signals."""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
import time
import uuid
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions, serializers
from .forms import DatasetForm, GroupForm, OrganizationForm, ResourceForm
from .models import (
    Activity,
    Capacity,
    DailyUsage,
    Dataset,
    Group,
    Membership,
    Organization,
    Resource,
    State,
    Tag,
)
from .serializers import dataset_dict
from .signals import announce_file_change


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
        "tags", "groups", Prefetch("resources", queryset=Resource.objects.select_related("datastore").order_by("position", "created"))
    )


def get_dataset(id_or_name: str, user=None, *, for_edit: bool = False) -> Dataset:
    """A dataset by name or id that `user` may see (or edit); NotFound otherwise.

    Invisible datasets are reported as not found so that private names do not leak."""
    qs = datasets_with_relations()
    dataset = qs.filter(name=id_or_name).first()
    if dataset is None and looks_like_uuid(id_or_name):
        dataset = qs.filter(id=id_or_name).first()
    if dataset is None or not permissions.can_view_dataset(user, dataset):
        raise NotFound(id_or_name)
    if for_edit and not permissions.can_edit_dataset(user, dataset):
        raise PermissionDenied
    return dataset


def get_resource(resource_id: str, user=None) -> Resource:
    if not looks_like_uuid(resource_id):
        raise NotFound(resource_id)
    resource = Resource.objects.select_related("dataset", "dataset__organization").filter(id=resource_id).first()
    if resource is None or resource.state != State.ACTIVE or not permissions.can_view_dataset(user, resource.dataset):
        raise NotFound(resource_id)
    return resource


_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


def looks_like_uuid(value: str) -> bool:
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
        dataset.id = new_dataset_id()
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
        dataset = _save_changed(form, extras)
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


def _save_changed(form: DatasetForm, extras: dict | None) -> Dataset:
    """Save an edited dataset's form (and its extras, when given) with a new modified time."""
    dataset = form.save(commit=False)
    dataset.modified = timezone.now()
    if extras is not None:
        dataset.extras = dict(extras)
    dataset.save()
    _save_relations(dataset, form)
    return dataset


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


def add_resource(actor, dataset: Dataset, data: dict, files: dict | None = None, *,
                 resource_id: uuid.UUID | None = None) -> Resource:
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionDenied
    instance = Resource(dataset=dataset) if resource_id is None else Resource(dataset=dataset, id=resource_id)
    form = ResourceForm(data=data, files=files or {}, instance=instance)
    if not form.is_valid():
        raise CatalogValidationError(form_errors(form))
    before = _snapshot(dataset)
    with transaction.atomic():
        resource = form.save(commit=False)
        resource.position = dataset.resources.count()
        has_file = bool(files and form.cleaned_data.get("file"))
        if has_file:
            _fill_file_metadata(resource)
        elif not resource.format:
            resource.format = guess_format(resource.url)
        resource.save()
        if has_file:
            announce_file_change(resource)
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
        new_file = bool(files and form.cleaned_data.get("file") and resource.file.name != old_file)
        if new_file:
            _fill_file_metadata(resource)
        resource.modified = timezone.now()
        resource.save()
        if new_file:
            announce_file_change(resource)
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


# --- Dataset identifiers --------------------------------------------------------

def new_dataset_id() -> uuid.UUID:
    """A dataset id greater than every existing one.

    Harvesters page through `package_search` sorted by `id asc`; when new ids
    always sort last, datasets added while they page never shift the pages
    already fetched, so every dataset is returned exactly once. The id starts
    with a millisecond timestamp (UUIDv7 layout) and is moved past the
    largest existing id when older random ids sort higher."""
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    candidate = (millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62) | secrets.randbits(62)
    largest = Dataset.objects.order_by("-id").values_list("id", flat=True).first()
    if largest is not None and candidate <= largest.int:
        high = (largest.int >> 64) + 1
        if high >= 1 << 64:
            return uuid.uuid4()
        candidate = (high << 64) | secrets.randbits(64)
    return uuid.UUID(int=candidate)


# --- Datasets with their resources (API create / replace) ------------------------

RESOURCE_INPUT_FIELDS = ("name", "description", "url", "format")


def _resource_errors(forms_: list) -> list[dict]:
    return [form_errors(form) if form.errors else {} for form in forms_]


def _resource_form(dataset: Dataset | None, values: dict, existing: Resource | None):
    data = {key: values.get(key) or "" for key in RESOURCE_INPUT_FIELDS}
    if existing is not None and existing.file and data["url"] == serializers.resource_download_url(existing):
        # The download address of an uploaded file is derived, not a link to keep.
        data["url"] = ""
    instance = existing if existing is not None else Resource(dataset=dataset)
    return ResourceForm(data=data, files={}, instance=instance)


def _check_can_write(actor, organization_name: str | None) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    organization = Organization.objects.filter(name=organization_name, state=State.ACTIVE).first()
    if organization is not None and not permissions.can_create_in(actor, organization):
        raise PermissionDenied


def create_dataset_with_resources(actor, data: dict, *, extras: dict | None = None,
                                  resources: list[dict] | None = None, dataset_id=None) -> Dataset:
    """Create a dataset and its resources (CKAN `package_create`) in one transaction.

    `data` is DatasetForm data; `resources` are dicts of name/description/url/format.
    `dataset_id` keeps a given id (site admins only, as when copying a catalog)."""
    _check_can_write(actor, data.get("organization"))
    form = DatasetForm(data=data, organizations=Organization.objects.filter(state=State.ACTIVE))
    resource_forms = [_resource_form(None, values, None) for values in resources or []]
    errors = {} if form.is_valid() else form_errors(form)
    if not all([f.is_valid() for f in resource_forms]):
        errors["resources"] = _resource_errors(resource_forms)
    if dataset_id is not None:
        if not getattr(actor, "is_superuser", False):
            raise PermissionDenied
        if Dataset.objects.filter(pk=dataset_id).exists():
            errors.setdefault("id", []).append(_("A dataset with this id already exists."))
    if errors:
        raise CatalogValidationError(errors)
    if not permissions.can_create_in(actor, form.cleaned_data["organization"]):
        raise PermissionDenied
    with transaction.atomic():
        dataset = form.save(commit=False)
        dataset.id = dataset_id or new_dataset_id()
        dataset.creator = actor
        dataset.created = dataset.modified = timezone.now()
        dataset.extras = dict(extras or {})
        dataset.save()
        _save_relations(dataset, form)
        for position, resource_form in enumerate(resource_forms):
            _save_resource(resource_form, dataset, position)
        record_activity(actor, "new package", dataset, after=_snapshot(dataset), dataset=dataset,
                        organization=dataset.organization)
    return dataset


def replace_dataset(actor, dataset: Dataset, data: dict, *, extras: dict | None = None,
                    resources: list[dict] | None = None) -> Dataset:
    """Replace a dataset's fields and extras (CKAN `package_update`) in one transaction.

    With `resources` the list replaces the current resources: entries with the
    id of a current resource update it, others are added, missing ones are
    deleted; the order of the list becomes the order of the resources. Without
    it the resources stay as they are."""
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionDenied
    if data.get("organization") != dataset.organization.name:
        _check_can_write(actor, data.get("organization"))
    before = _snapshot(dataset)
    form = DatasetForm(data=data, instance=dataset, organizations=Organization.objects.filter(state=State.ACTIVE))
    current = {str(r.pk): r for r in dataset.resources.filter(state=State.ACTIVE)}
    resource_forms = []
    if resources is not None:
        for values in resources:
            existing = current.get(str(values.get("id") or ""))
            resource_forms.append(_resource_form(dataset, values, existing))
    errors = {} if form.is_valid() else form_errors(form)
    if not all([f.is_valid() for f in resource_forms]):
        errors["resources"] = _resource_errors(resource_forms)
    if errors:
        raise CatalogValidationError(errors)
    organization = form.cleaned_data["organization"]
    if organization.pk != dataset.organization_id and not permissions.can_create_in(actor, organization):
        raise PermissionDenied
    with transaction.atomic():
        dataset = _save_changed(form, extras)
        if resources is not None:
            kept = set()
            for position, resource_form in enumerate(resource_forms):
                kept.add(str(_save_resource(resource_form, dataset, position).pk))
            for resource_id, resource in current.items():
                if resource_id not in kept:
                    resource.state = State.DELETED
                    resource.save(update_fields=["state"])
        after = _snapshot(dataset)
        record_activity(actor, "changed package", dataset, before=before, after=after, dataset=dataset,
                        organization=dataset.organization)
    return dataset


def _save_resource(form: ResourceForm, dataset: Dataset, position: int) -> Resource:
    resource = form.save(commit=False)
    resource.dataset = dataset
    if resource.position != position or resource._state.adding:
        resource.position = position
    if not resource.format and not resource.file:
        resource.format = guess_format(resource.url)
    resource.modified = timezone.now()
    resource.save()
    return resource


def resource_form_data(resource: Resource) -> dict:
    """The current values of a resource as ResourceForm data (for partial updates)."""
    return {
        "name": resource.name, "description": resource.description, "format": resource.format,
        "url": resource.url,
    }


def purge_dataset(actor, dataset: Dataset) -> None:
    """Remove a dataset, its resources and their files for good (site admins only)."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied
    files = [r.file.name for r in Resource.objects.filter(dataset=dataset) if r.file]
    with transaction.atomic():
        record_activity(actor, "deleted package", dataset, before=_snapshot(dataset),
                        organization=dataset.organization)
        dataset.delete()
        transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


def change_owner_org(actor, dataset: Dataset, organization: Organization) -> Dataset:
    if not permissions.can_edit_dataset(actor, dataset) or not permissions.can_create_in(actor, organization):
        raise PermissionDenied
    if organization.state != State.ACTIVE:
        raise NotFound(organization.name)
    before = _snapshot(dataset)
    with transaction.atomic():
        dataset.organization = organization
        dataset.modified = timezone.now()
        dataset.save(update_fields=["organization", "modified"])
        record_activity(actor, "changed package", dataset, before=before, after=_snapshot(dataset),
                        dataset=dataset, organization=organization)
    return dataset


def add_dataset_to_group(actor, dataset: Dataset, group: Group) -> None:
    """Put a dataset in a theme; editors of the dataset may, as on the dataset form."""
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionDenied
    if group.state != State.ACTIVE:
        raise NotFound(group.name)
    if dataset.groups.filter(pk=group.pk).exists():
        return
    before = _snapshot(dataset)
    with transaction.atomic():
        dataset.groups.add(group)
        _touch(dataset)
        record_activity(actor, "changed package", dataset, before=before, after=_snapshot(dataset),
                        dataset=dataset, organization=dataset.organization)


# --- Organizations and groups ----------------------------------------------------

def _org_or_group_dict(obj) -> dict:
    if isinstance(obj, Organization):
        return serializers.organization_dict(obj)
    return serializers.group_dict(obj)


def _record_container(actor, verb: str, obj, before: dict | None, after: dict | None) -> None:
    kind = "organization" if isinstance(obj, Organization) else "group"
    record_activity(actor, f"{verb} {kind}", obj, before=before, after=after,
                    organization=obj if isinstance(obj, Organization) else None)


def _form_for(model, data: dict, instance=None):
    form_class = OrganizationForm if model is Organization else GroupForm
    return form_class(data=data, instance=instance)


def _create_container(model, actor, data: dict, object_id=None):
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied
    form = _form_for(model, data)
    errors = {} if form.is_valid() else form_errors(form)
    if object_id is not None and model.objects.filter(pk=object_id).exists():
        errors.setdefault("id", []).append(_("An object with this id already exists."))
    if errors:
        raise CatalogValidationError(errors)
    with transaction.atomic():
        obj = form.save(commit=False)
        if object_id is not None:
            obj.id = object_id
        obj.created = obj.modified = timezone.now()
        obj.save()
        _record_container(actor, "new", obj, None, _org_or_group_dict(obj))
    return obj


def _update_container(actor, obj, data: dict, allowed: bool):
    if not allowed:
        raise PermissionDenied
    before = _org_or_group_dict(obj)
    form = _form_for(type(obj), data, instance=obj)
    if not form.is_valid():
        raise CatalogValidationError(form_errors(form))
    with transaction.atomic():
        obj = form.save(commit=False)
        obj.modified = timezone.now()
        obj.save()
        _record_container(actor, "changed", obj, before, _org_or_group_dict(obj))
    return obj


def create_organization(actor, data: dict, *, organization_id=None) -> Organization:
    """A new organization from OrganizationForm data (site admins only)."""
    return _create_container(Organization, actor, data, organization_id)


def update_organization(actor, organization: Organization, data: dict) -> Organization:
    """Replace an organization's fields (its admins and site admins)."""
    return _update_container(actor, organization, data, permissions.can_admin_organization(actor, organization))


def delete_organization(actor, organization: Organization) -> None:
    """Mark an organization deleted; refused while it still has datasets."""
    if not permissions.can_admin_organization(actor, organization):
        raise PermissionDenied
    if organization.datasets.exclude(state=State.DELETED).exists():
        raise CatalogValidationError({"id": [_("The organization still has datasets; delete or move them first.")]})
    _set_container_deleted(actor, organization)


def create_group(actor, data: dict, *, group_id=None) -> Group:
    """A new theme from GroupForm data (site admins only)."""
    return _create_container(Group, actor, data, group_id)


def update_group(actor, group: Group, data: dict) -> Group:
    return _update_container(actor, group, data, getattr(actor, "is_superuser", False))


def delete_group(actor, group: Group) -> None:
    """Mark a theme deleted and take its datasets out of it (site admins only)."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied
    with transaction.atomic():
        group.datasets.clear()
        _set_container_deleted(actor, group)


def _set_container_deleted(actor, obj) -> None:
    before = _org_or_group_dict(obj)
    with transaction.atomic():
        obj.state = State.DELETED
        obj.modified = timezone.now()
        obj.save(update_fields=["state", "modified"])
        _record_container(actor, "deleted", obj, before, _org_or_group_dict(obj))


def set_membership(actor, organization: Organization, user, capacity: str) -> Membership:
    """Give `user` the role `capacity` in an organization (its admins and site admins)."""
    if not permissions.can_admin_organization(actor, organization):
        raise PermissionDenied
    if capacity not in Capacity.values:
        raise CatalogValidationError({"role": [_("Role must be one of: %(roles)s")
                                               % {"roles": ", ".join(Capacity.values)}]})
    # Roles are not recorded in the public activity stream: who works where is personal data.
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            user=user, organization=organization, defaults={"capacity": capacity})
    return membership


# --- Activity streams ------------------------------------------------------------

def dataset_activities(dataset: Dataset) -> QuerySet[Activity]:
    return Activity.objects.filter(dataset=dataset, object_type="package").order_by("-timestamp", "-id")


def organization_activities(organization: Organization, user=None) -> QuerySet[Activity]:
    """Changes to an organization and to those of its datasets `user` may see."""
    visible = Dataset.objects.filter(permissions.visible_datasets_q(user)).values("pk")
    return (Activity.objects.filter(organization=organization)
            .filter(Q(object_type="organization") | Q(dataset__in=visible) | _deleted_public_q())
            .order_by("-timestamp", "-id"))


def recent_package_activities(user=None) -> QuerySet[Activity]:
    """Changes to public datasets, newest first, including their deletion."""
    public = Dataset.objects.filter(permissions.visible_datasets_q(user, include_private=False)).values("pk")
    return (Activity.objects.filter(object_type="package")
            .filter(Q(dataset__in=public) | _deleted_public_q())
            .order_by("-timestamp", "-id"))


def _deleted_public_q() -> Q:
    # A deleted dataset's "deleted package" activity stays visible so harvesters learn of deletions,
    # unless the dataset was private.
    return Q(object_type="package", activity_type="deleted package", data__private=False)
