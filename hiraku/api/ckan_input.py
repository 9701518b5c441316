"""Reading CKAN-shaped write input: package, resource, organization and group dicts.

CKAN clients send what `package_show` returns, possibly edited: tags as
``[{"name": …}]``, groups as ``[{"name": …}]`` or ids, extras as
``[{"key": …, "value": …}]``, ``owner_org`` as an id or a name, resources
inline. This module turns such a dict into the form data the catalog services
validate, checks the JSON types, ignores the read-only keys `package_show`
adds and rejects keys Hiraku does not know, so a typo is not silently lost.
It holds no catalog rules: validation proper happens in the catalog forms."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _

from hiraku.catalog.licenses import DEFAULT_LICENSE_ID
from hiraku.catalog.models import Dataset, Group, Organization, State, UpdateFrequency

from .errors import ValidationError
from .lookup import by_id_or_name

# Dataset fields that are columns in Hiraku but extras in CKAN: either place is accepted.
EXTRA_COLUMNS = ("update_frequency", "temporal_start", "temporal_end", "spatial", "spatial_lgcode", "standard_type")
PACKAGE_STRINGS = ("name", "title", "notes", "license_id", "url", "version", "author", "maintainer",
                   "maintainer_email", "state", *EXTRA_COLUMNS)
PACKAGE_OTHER = ("id", "type", "owner_org", "private", "tags", "tag_string", "groups", "extras", "resources",
                 "author_email")
# Keys package_show adds; sending them back (as ckanapi load does) is allowed, they are derived.
PACKAGE_READ_ONLY = frozenset({
    "metadata_created", "metadata_modified", "organization", "license_title", "license_url", "isopen",
    "num_resources", "num_tags", "relationships_as_object", "relationships_as_subject", "creator_user_id",
    "revision_id", "tracking_summary",
})
RESOURCE_STRINGS = ("name", "description", "url", "format")
RESOURCE_READ_ONLY = frozenset({
    "package_id", "url_type", "mimetype", "mimetype_inner", "size", "hash", "encoding", "position", "created",
    "last_modified", "metadata_modified", "state", "datastore_active", "cache_url", "cache_last_updated",
    "resource_type", "tracking_summary", "revision_id", "resource_views",
})
DEFAULTS = {"license_id": DEFAULT_LICENSE_ID, "update_frequency": UpdateFrequency.IRREGULAR, "state": State.ACTIVE}

CONTAINER_STRINGS = {
    "organization": ("name", "title", "title_en", "description", "image_url", "url", "lgcode"),
    "group": ("name", "title", "title_en", "description", "image_url"),
}
CONTAINER_READ_ONLY = frozenset({
    "id", "display_name", "image_display_url", "created", "is_organization", "approval_status", "state", "type",
    "package_count", "packages", "num_followers", "revision_id", "extras", "tags", "groups", "users",
})

_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n", ""}


class Problems:
    """Collects CKAN-shaped errors ({field: [messages]}) across one input dict."""

    def __init__(self):
        self.errors: dict[str, list] = {}

    def add(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def require_dict(value: Any, field: str = "data") -> dict:
    if not isinstance(value, dict):
        raise ValidationError({field: [_("Must be a JSON object")]})
    return value


def text(value: Any, field: str, problems: Problems) -> str:
    """A string value; numbers are accepted as their text, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.add(field, _("Must be a string"))
        return ""
    return str(value)


def boolean(value: Any, field: str, problems: Problems) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    problems.add(field, _("Must be true or false"))
    return False


def unknown_keys(data: dict, known, problems: Problems) -> None:
    for key in data:
        if key not in known:
            problems.add(key, _("Unknown field “%(field)s”") % {"field": key})


def uuid_value(value: Any, field: str, problems: Problems) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        problems.add(field, _("Must be a UUID"))
        return None


# --- Packages ---------------------------------------------------------------------------

def package_input(data: dict, *, current: Dataset | None = None) -> tuple[dict, dict, list[dict] | None, uuid.UUID | None]:
    """(form data, extras, resources or None, requested id) from a CKAN package dict.

    Fields missing from `data` take their defaults (replace semantics), except
    that tags, groups and resources of `current` are kept when their key is absent."""
    problems = Problems()
    known = set(PACKAGE_STRINGS) | set(PACKAGE_OTHER) | PACKAGE_READ_ONLY
    unknown_keys(data, known, problems)

    form = {name: text(data.get(name), name, problems) for name in PACKAGE_STRINGS}
    if text(data.get("type"), "type", problems) not in ("", "dataset"):
        problems.add("type", _("Only datasets of type “dataset” exist here"))
    if text(data.get("author_email"), "author_email", problems):
        problems.add("author_email", _("Not supported; use maintainer_email for the contact address"))
    form["private"] = boolean(data.get("private"), "private", problems)
    form["organization"] = _owner_org(data.get("owner_org"), problems)

    if "tags" in data or "tag_string" in data:
        form["tags"] = _tags(data, problems)
    else:
        form["tags"] = [t.name for t in current.tags.all()] if current else []
    if "groups" in data:
        form["groups"] = _groups(data.get("groups"), problems)
    else:
        form["groups"] = [g.name for g in current.groups.all()] if current else []

    extras = _extras(data.get("extras"), problems)
    for name in EXTRA_COLUMNS:
        # A Hiraku column sent as an extra (as package_show also lists it) fills the column.
        from_extras = extras.pop(name, "")
        if not form[name]:
            form[name] = from_extras
    for name, default in DEFAULTS.items():
        form[name] = form[name] or default

    resources = None
    if "resources" in data:
        resources = resource_list(data.get("resources"), problems)
    requested_id = uuid_value(data.get("id"), "id", problems) if current is None else None
    problems.raise_if_any()
    return form, extras, resources, requested_id


def _owner_org(value: Any, problems: Problems) -> str:
    value = text(value, "owner_org", problems)
    if not value:
        problems.add("owner_org", _("Missing value"))
        return ""
    organization = by_id_or_name(Organization.objects.filter(state=State.ACTIVE), value)
    if organization is None:
        problems.add("owner_org", _("Organization does not exist"))
        return ""
    return organization.name


def _tags(data: dict, problems: Problems) -> list[str]:
    tags = data.get("tags")
    names: list[str] = []
    if tags is not None:
        if not isinstance(tags, list):
            problems.add("tags", _("Must be a list of tag objects"))
            return []
        for tag in tags:
            if isinstance(tag, str):
                names.append(tag)
            elif isinstance(tag, dict) and isinstance(tag.get("name"), str) and tag["name"].strip():
                if tag.get("vocabulary_id"):
                    problems.add("tags", _("Tag vocabularies are not supported"))
                names.append(tag["name"])
            else:
                problems.add("tags", _("Each tag needs a name"))
    tag_string = data.get("tag_string")
    if tag_string is not None:
        names.extend(part for part in text(tag_string, "tag_string", problems).split(",") if part.strip())
    return names


def _groups(value: Any, problems: Problems) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add("groups", _("Must be a list of group objects"))
        return []
    names = []
    for item in value:
        key = item if isinstance(item, str) else item.get("name") or item.get("id") if isinstance(item, dict) else None
        if not isinstance(key, str) or not key:
            problems.add("groups", _("Each group needs a name or an id"))
            continue
        group = by_id_or_name(Group.objects.filter(state=State.ACTIVE), key)
        if group is None:
            problems.add("groups", _("Group “%(group)s” does not exist") % {"group": key})
            continue
        names.append(group.name)
    return names


def _extras(value: Any, problems: Problems) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list):
        problems.add("extras", _("Must be a list of {key, value} objects"))
        return {}
    extras: dict[str, str] = {}
    reserved = set(PACKAGE_STRINGS) - set(EXTRA_COLUMNS) | set(PACKAGE_OTHER) | PACKAGE_READ_ONLY
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"].strip():
            problems.add("extras", _("Each extra needs a key"))
            continue
        unexpected = set(item) - {"key", "value", "state", "deleted"}
        if unexpected:
            problems.add("extras", _("Unknown field “%(field)s”") % {"field": sorted(unexpected)[0]})
        key = item["key"]
        if key in extras:
            problems.add("extras", _("Duplicate key “%(key)s”") % {"key": key})
        elif key in reserved:
            problems.add("extras", _("There is a schema field with the same name “%(key)s”") % {"key": key})
        extras[key] = text(item.get("value"), "extras", problems)
    return extras


def resource_list(value: Any, problems: Problems) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add("resources", _("Must be a list of resource objects"))
        return []
    resources, errors = [], []
    for item in value:
        item_problems = Problems()
        resources.append(resource_input(item, item_problems))
        errors.append(item_problems.errors)
    if any(errors):
        # CKAN's shape: one error dict per resource, empty for the valid ones.
        problems.errors["resources"] = errors
    return resources


def resource_input(value: Any, problems: Problems, *, extra_known=()) -> dict:
    """Resource fields (name, description, url, format and an optional id) from a CKAN resource dict."""
    if not isinstance(value, dict):
        problems.add("resource", _("Must be a JSON object"))
        return {}
    unknown_keys(value, {"id", *RESOURCE_STRINGS, *RESOURCE_READ_ONLY, *extra_known}, problems)
    result = {name: text(value.get(name), name, problems) for name in RESOURCE_STRINGS}
    result["id"] = text(value.get("id"), "id", problems)
    return result


# --- Organizations and groups -------------------------------------------------------------

def container_input(kind: str, data: dict) -> dict:
    """OrganizationForm / GroupForm data from a CKAN organization or group dict."""
    problems = Problems()
    strings = CONTAINER_STRINGS[kind]
    unknown_keys(data, set(strings) | CONTAINER_READ_ONLY, problems)
    form = {name: text(data.get(name), name, problems) for name in strings}
    for name in ("extras", "tags", "groups", "users"):
        if data.get(name):
            problems.add(name, _("Not supported for organizations and groups; send an empty list"))
    problems.raise_if_any()
    return form
