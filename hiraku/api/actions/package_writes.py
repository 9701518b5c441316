"""Dataset and resource write actions (CKAN's package_*, resource_*, dataset_purge, member_create).

Each action reads CKAN-shaped input (`ckan_input`), then calls one catalog
service, which checks permissions, validates and writes in one transaction."""

from __future__ import annotations

import copy
import fnmatch
import json
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from hiraku.catalog import permissions, services
from hiraku.catalog.models import Dataset, Group, Organization, State
from hiraku.catalog.serializers import dataset_dict, resource_dict, resource_download_url

from .. import registry
from ..ckan_input import Problems, package_input, require_dict, resource_input
from ..errors import NotAuthorized, NotFound, ValidationError
from ..lookup import by_id_or_name
from ..params import Params

# What the catalog forms call a field, and what CKAN calls it.
_CKAN_FIELD_NAMES = {"organization": "owner_org", "file": "upload"}


@contextmanager
def ckan_field_names():
    """Report the forms' errors under CKAN's field names."""
    try:
        yield
    except services.CatalogValidationError as error:
        raise ValidationError({_CKAN_FIELD_NAMES.get(k, k): v for k, v in error.errors.items()}) from error


def require_login(context) -> None:
    if not getattr(context.user, "is_authenticated", False):
        raise NotAuthorized(_("you must be logged in or send an API token"))


def _dataset_id(data: dict) -> str:
    params = Params(data)
    id_or_name = params.string("id") or params.string("name_or_id")
    if not id_or_name:
        id_or_name = params.string("name", required=True) if "name" in data else params.string("id", required=True)
    params.raise_if_invalid()
    return id_or_name


def editable_dataset(context, id_or_name: str) -> Dataset:
    """The dataset the caller may edit: 404 when it cannot even see it, 403 when it may only read it."""
    require_login(context)
    dataset = services.get_dataset(id_or_name, context.user)
    if not permissions.can_edit_dataset(context.user, dataset):
        raise PermissionDenied(_("you may not edit the dataset %(name)s") % {"name": dataset.name})
    return dataset


def show(dataset: Dataset) -> dict:
    return dataset_dict(services.datasets_with_relations().get(pk=dataset.pk))


@registry.action(side_effect_free=False)
def package_create(context, data):
    """Create a dataset, with its resources when given.

    :param name: URL name, 2–100 of ``a-z 0-9 - _``
    :param title: title
    :param owner_org: id or name of the organization
    :param notes, license_id, url, version, author, maintainer, maintainer_email, private, state: as in CKAN
    :param tags: ``[{"name": …}]`` (or ``tag_string``)
    :param groups: ``[{"name": …}]``
    :param extras: ``[{"key": …, "value": …}]``
    :param resources: list of resource dicts (name, url, description, format)
    :param update_frequency, temporal_start, temporal_end, spatial, spatial_lgcode, standard_type: Hiraku fields
    :param id: keep this id (site admins only; ignored otherwise, as in CKAN)
    """
    require_login(context)
    form, extras, resources, requested_id = package_input(require_dict(data))
    if not getattr(context.user, "is_superuser", False):
        requested_id = None
    with ckan_field_names():
        dataset = services.create_dataset_with_resources(context.user, form, extras=extras, resources=resources,
                                                         dataset_id=requested_id)
    return show(dataset)


@registry.action(side_effect_free=False)
def package_update(context, data):
    """Replace a dataset: fields left out return to their defaults.

    Tags, groups and resources stay as they are when their key is left out; a
    ``resources`` list replaces the resources (entries with a current id update it).
    Takes the parameters of package_create; ``id`` (or ``name``) names the dataset.
    """
    dataset = editable_dataset(context, _dataset_id(require_dict(data)))
    return _replace(context, dataset, data)


def _replace(context, dataset: Dataset, data: dict) -> dict:
    form, extras, resources, _requested = package_input(data, current=dataset)
    with ckan_field_names():
        dataset = services.replace_dataset(context.user, dataset, form, extras=extras, resources=resources)
    return show(dataset)


@registry.action(side_effect_free=False)
def package_patch(context, data):
    """Change only the given fields of a dataset; the others keep their values.

    Takes the parameters of package_create; ``id`` (or ``name``) names the dataset.
    """
    dataset = editable_dataset(context, _dataset_id(require_dict(data)))
    merged = show(dataset)
    merged.pop("resources")
    merged.update(data)
    return _replace(context, dataset, merged)


@registry.action(side_effect_free=False)
def package_delete(context, data):
    """Mark a dataset deleted (it disappears from lists and search; site admins can still purge it).

    :param id: the dataset's id or name
    """
    dataset = editable_dataset(context, _dataset_id(require_dict(data)))
    services.delete_dataset(context.user, dataset)
    return None


@registry.action(side_effect_free=False)
def dataset_purge(context, data):
    """Remove a dataset, its resources and uploaded files for good (site admins only).

    :param id: the dataset's id or name
    """
    require_login(context)
    if not getattr(context.user, "is_superuser", False):
        raise NotAuthorized(_("only site admins may purge datasets"))
    dataset = services.get_dataset(_dataset_id(require_dict(data)), context.user)
    services.purge_dataset(context.user, dataset)
    return None


@registry.action(side_effect_free=False)
def package_owner_org_update(context, data):
    """Move a dataset to another organization (you must be able to publish in both).

    :param id: the dataset's id or name
    :param organization_id: id or name of the new organization
    """
    params = Params(require_dict(data))
    organization_id = params.string("organization_id", required=True)
    params.raise_if_invalid()
    dataset = editable_dataset(context, _dataset_id(data))
    organization = by_id_or_name(Organization.objects.filter(state=State.ACTIVE), organization_id)
    if organization is None:
        raise NotFound(_("organization %(id)s") % {"id": organization_id})
    services.change_owner_org(context.user, dataset, organization)
    return None


@registry.action(side_effect_free=False)
def member_create(context, data):
    """Add a dataset to a group (theme).

    :param id: the group's id or name
    :param object: the dataset's id or name
    :param object_type: ``package``
    :param capacity: ``public`` (accepted for compatibility)
    """
    params = Params(require_dict(data))
    group_id = params.string("id", required=True)
    object_id = params.string("object", required=True)
    object_type = params.string("object_type", required=True)
    params.string("capacity")
    params.raise_if_invalid()
    if object_type != "package":
        raise ValidationError({"object_type": [_("Only datasets (package) can be added to a group")]})
    group = by_id_or_name(Group.objects.filter(state=State.ACTIVE), group_id)
    if group is None:
        raise NotFound(_("group %(id)s") % {"id": group_id})
    dataset = editable_dataset(context, object_id)
    services.add_dataset_to_group(context.user, dataset, group)
    return {"group_id": str(group.pk), "table_name": "package", "table_id": str(dataset.pk),
            "capacity": "public", "state": "active"}


# --- Resources -------------------------------------------------------------------------

def _upload(context, data: dict, problems: Problems):
    request = context.request
    upload = request.FILES.get("upload") if request is not None else None
    if upload is None and data.get("upload") not in (None, ""):
        problems.add("upload", _("Send the file as a multipart upload named “upload”"))
    return upload


def _resource_form(context, data: dict, base: dict | None = None):
    problems = Problems()
    values = resource_input(data, problems, extra_known=("upload", "package_id"))
    upload = _upload(context, data, problems)
    problems.raise_if_any()
    values.pop("id", None)
    if base is not None:
        values = {**base, **{k: v for k, v in values.items() if k in data}}
    return values, ({"file": upload} if upload is not None else None)


@registry.action(side_effect_free=False)
def resource_create(context, data):
    """Add a resource to a dataset: a link (``url``) or a file (multipart field ``upload``).

    :param package_id: the dataset's id or name
    :param name, description, format: as in CKAN (format is detected when left out)
    """
    params = Params(require_dict(data))
    package_id = params.string("package_id", required=True)
    params.raise_if_invalid()
    dataset = editable_dataset(context, package_id)
    values, files = _resource_form(context, data)
    with ckan_field_names():
        resource = services.add_resource(context.user, dataset, values, files)
    return resource_dict(resource)


def _editable_resource(context, data: dict):
    params = Params(require_dict(data))
    resource_id = params.string("id", required=True)
    params.raise_if_invalid()
    require_login(context)
    resource = services.get_resource(resource_id, context.user)
    if not permissions.can_edit_dataset(context.user, resource.dataset):
        raise PermissionDenied(_("you may not edit this resource"))
    return resource


def _without_derived_url(resource, values: dict) -> dict:
    if resource.file and values.get("url") == resource_download_url(resource):
        # The download address of an uploaded file is derived, not a link to keep.
        values["url"] = ""
    return values


@registry.action(side_effect_free=False)
def resource_update(context, data):
    """Replace a resource's fields (those left out are emptied); ``upload`` replaces its file.

    :param id: the resource's id
    """
    resource = _editable_resource(context, data)
    values, files = _resource_form(context, data)
    with ckan_field_names():
        resource = services.update_resource(context.user, resource, _without_derived_url(resource, values), files)
    return resource_dict(resource)


@registry.action(side_effect_free=False)
def resource_patch(context, data):
    """Change only the given fields of a resource; ``upload`` replaces its file.

    :param id: the resource's id
    """
    resource = _editable_resource(context, data)
    values, files = _resource_form(context, data, base=services.resource_form_data(resource))
    with ckan_field_names():
        resource = services.update_resource(context.user, resource, _without_derived_url(resource, values), files)
    return resource_dict(resource)


@registry.action(side_effect_free=False)
def resource_delete(context, data):
    """Delete a resource.

    :param id: the resource's id
    """
    resource = _editable_resource(context, data)
    services.delete_resource(context.user, resource)
    return None


# --- package_revise ------------------------------------------------------------------------

@registry.action(side_effect_free=False)
def package_revise(context, data):
    """Change parts of a dataset, guarded by a match on its current values.

    :param match: fields the current dataset must have, with ``id`` or ``name`` (``match__<path>`` also works)
    :param filter: ``-<path>`` patterns removing fields or list items first, e.g. ``-resources__0``; ``+`` keeps
    :param update: fields to set (dicts are merged); ``update__<path>`` sets one place, e.g.
        ``update__resources__<id or index>`` merges into one resource, ``update__resources__extend`` appends
    :param include: paths of the revised dataset to return (default: the whole dataset)

    Paths join keys with ``__``; list items are chosen by index (negative counts from the end),
    by id, or by name (tags, groups) or key (extras).
    """
    data = require_dict(data)
    match = _json_dict(data.get("match"), "match")
    update = _json_dict(data.get("update"), "update")
    filters = _json_list(data.get("filter"), "filter")
    include = _json_list(data.get("include"), "include")
    path_updates = []
    for key, value in data.items():
        if key.startswith("match__"):
            _set_path(match, key[len("match__"):].split("__"), value, "match", create=True)
        elif key.startswith("update__"):
            path_updates.append((key[len("update__"):].split("__"), value))
        elif key not in ("match", "update", "filter", "include"):
            raise ValidationError({key: [_("Unknown field “%(field)s”") % {"field": key}]})
    id_or_name = match.get("id") or match.get("name")
    if not isinstance(id_or_name, str) or not id_or_name:
        raise ValidationError({"match": [_("Give the dataset's id or name in match")]})
    dataset = editable_dataset(context, id_or_name)
    original = show(dataset)
    for path, expected in _leaves(match):
        if _get_path(original, path, "match") != expected:
            raise ValidationError({"match": [_("%(path)s field value does not match") % {"path": "__".join(path)}]})

    revised = copy.deepcopy(original)
    for pattern in filters:
        _apply_filter(revised, pattern)
    for key in ("resources", "tags", "groups", "extras"):
        # A list removed by a filter is emptied, not kept as it was.
        revised.setdefault(key, [])
    for key, value in update.items():
        revised[key] = _merge(revised.get(key), value)
    for path, value in path_updates:
        _apply_path_update(revised, path, value)
    result = _replace(context, dataset, revised)
    if include:
        return {"package": {"__".join(p): _get_path(result, p, "include") for p in (i.split("__") for i in include)}}
    return {"package": result}


def _json_value(value: Any, field: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValidationError({field: [_("Must be JSON")]}) from None
    return value


def _json_dict(value: Any, field: str) -> dict:
    value = _json_value(value, field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError({field: [_("Must be a JSON object")]})
    return value


def _json_list(value: Any, field: str) -> list[str]:
    value = _json_value(value, field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError({field: [_("Must be a list of strings")]})
    return value


def _leaves(value: dict, prefix: tuple = ()):
    for key, item in value.items():
        if isinstance(item, dict):
            yield from _leaves(item, (*prefix, key))
        else:
            yield [*prefix, key], item


def _list_index(items: list, key: str, field: str, *, missing_ok: bool = False) -> int | None:
    try:
        index = int(key)
    except ValueError:
        for position, item in enumerate(items):
            if isinstance(item, dict) and key in (item.get("id"), item.get("name"), item.get("key")):
                return position
        if missing_ok:
            return None
        raise ValidationError({field: [_("No list item “%(key)s”") % {"key": key}]}) from None
    if -len(items) <= index < len(items):
        return index % len(items)
    if missing_ok:
        return None
    raise ValidationError({field: [_("No list item “%(key)s”") % {"key": key}]})


def _get_path(value: Any, path: list[str], field: str) -> Any:
    for key in path:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list):
            index = _list_index(value, key, field, missing_ok=True)
            value = None if index is None else value[index]
        else:
            return None
    return value


def _set_path(target: dict, path: list[str], value: Any, field: str, *, create: bool = False) -> None:
    for key in path[:-1]:
        if isinstance(target, list):
            target = target[_list_index(target, key, field)]
        else:
            if key not in target and create:
                target[key] = {}
            target = target.get(key)
        if not isinstance(target, dict | list):
            raise ValidationError({field: [_("Cannot follow the path %(path)s") % {"path": "__".join(path)}]})
    last = path[-1]
    if isinstance(target, list):
        index = _list_index(target, last, field)
        target[index] = _merge(target[index], value)
    else:
        target[last] = _merge(target.get(last), value)


def _merge(current: Any, value: Any) -> Any:
    if isinstance(current, dict) and isinstance(value, dict):
        merged = dict(current)
        for key, item in value.items():
            merged[key] = _merge(current.get(key), item)
        return merged
    return value


def _apply_path_update(revised: dict, path: list[str], value: Any) -> None:
    if path[-1] == "extend":
        items = _get_path(revised, path[:-1], "update")
        if not isinstance(items, list) or not isinstance(value, list):
            raise ValidationError({"update": [_("extend needs a list to extend and a list of items")]})
        items.extend(copy.deepcopy(value))
        return
    _set_path(revised, path, value, "update")


def _apply_filter(revised: dict, pattern: str) -> None:
    if pattern.startswith("+"):
        return  # Protecting is the default: only what a "-" pattern names is removed.
    if not pattern.startswith("-"):
        raise ValidationError({"filter": [_("Each filter starts with + or -: %(pattern)s") % {"pattern": pattern}]})
    path = pattern[1:].split("__")
    parent = revised if len(path) == 1 else _get_path(revised, path[:-1], "filter")
    last = path[-1]
    if isinstance(parent, dict):
        for key in [k for k in parent if fnmatch.fnmatchcase(k, last)]:
            if parent is revised and key == "id":
                continue
            del parent[key]
    elif isinstance(parent, list):
        if last == "*":
            parent.clear()
        else:
            index = _list_index(parent, last, "filter", missing_ok=True)
            if index is not None:
                del parent[index]

