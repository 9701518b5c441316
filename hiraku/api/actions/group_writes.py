"""Organization and group write actions, and organization membership."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from hiraku.catalog import services
from hiraku.catalog.models import Capacity, Group, Organization, State
from hiraku.catalog.serializers import group_dict, organization_dict

from .. import registry
from ..ckan_input import Problems, container_input, require_dict, uuid_value
from ..errors import NotAuthorized, NotFound, ValidationError
from ..lookup import by_id_or_name
from ..params import Params
from .package_writes import require_login

KINDS = {
    "organization": (Organization, organization_dict, services.create_organization, services.update_organization,
                     services.delete_organization),
    "group": (Group, group_dict, services.create_group, services.update_group, services.delete_group),
}


def _existing(kind: str, data: dict):
    params = Params(require_dict(data))
    id_or_name = params.string("id") or params.string("name", required=True)
    params.raise_if_invalid()
    model = KINDS[kind][0]
    found = by_id_or_name(model.objects.filter(state=State.ACTIVE), id_or_name)
    if found is None:
        raise NotFound(_("%(kind)s %(id)s") % {"kind": kind, "id": id_or_name})
    return found


def _create(kind: str, context, data: dict) -> dict:
    require_login(context)
    data = require_dict(data)
    if not getattr(context.user, "is_superuser", False):
        raise NotAuthorized(_("only site admins may create a %(kind)s") % {"kind": kind})
    form = container_input(kind, data)
    problems = Problems()
    requested_id = uuid_value(data.get("id"), "id", problems)
    problems.raise_if_any()
    _model, to_dict, create, _update, _delete = KINDS[kind]
    return to_dict(create(context.user, form, **{f"{kind}_id": requested_id}))


def _update(kind: str, context, data: dict, *, patch: bool) -> dict:
    require_login(context)
    current = _existing(kind, data)
    _model, to_dict, _create_, update, _delete = KINDS[kind]
    if patch:
        data = {**to_dict(current), **data}
    form = container_input(kind, data)
    if "name" not in data:
        form["name"] = current.name
    return to_dict(update(context.user, current, form))


def _delete(kind: str, context, data: dict) -> None:
    require_login(context)
    current = _existing(kind, data)
    KINDS[kind][4](context.user, current)


@registry.action(side_effect_free=False)
def organization_create(context, data):
    """Create an organization (site admins only).

    :param name: URL name
    :param title: title; also title_en, description, url, image_url, lgcode (全国地方公共団体コード)
    :param id: keep this id (when copying a catalog)
    """
    return _create("organization", context, data)


@registry.action(side_effect_free=False)
def organization_update(context, data):
    """Replace an organization's fields (its admins and site admins); fields left out are emptied.

    :param id: its id or name
    """
    return _update("organization", context, data, patch=False)


@registry.action(side_effect_free=False)
def organization_patch(context, data):
    """Change only the given fields of an organization.

    :param id: its id or name
    """
    return _update("organization", context, data, patch=True)


@registry.action(side_effect_free=False)
def organization_delete(context, data):
    """Mark an organization deleted; refused while it still has datasets.

    :param id: its id or name
    """
    _delete("organization", context, data)


@registry.action(side_effect_free=False)
def group_create(context, data):
    """Create a group (theme; site admins only).

    :param name: URL name
    :param title: title; also title_en, description, image_url
    :param id: keep this id (when copying a catalog)
    """
    return _create("group", context, data)


@registry.action(side_effect_free=False)
def group_update(context, data):
    """Replace a group's fields (site admins); fields left out are emptied.

    :param id: its id or name
    """
    return _update("group", context, data, patch=False)


@registry.action(side_effect_free=False)
def group_patch(context, data):
    """Change only the given fields of a group.

    :param id: its id or name
    """
    return _update("group", context, data, patch=True)


@registry.action(side_effect_free=False)
def group_delete(context, data):
    """Mark a group deleted and take its datasets out of it (site admins).

    :param id: its id or name
    """
    _delete("group", context, data)


@registry.action(side_effect_free=False)
def organization_member_create(context, data):
    """Give a user a role in an organization (its admins and site admins).

    :param id: the organization's id or name
    :param username: the user's name or id
    :param role: ``admin``, ``editor`` or ``member``
    """
    require_login(context)
    params = Params(require_dict(data))
    username = params.string("username", required=True)
    role = params.string("role", required=True)
    params.raise_if_invalid()
    if role not in Capacity.values:
        raise ValidationError({"role": [_("Role must be one of: %(roles)s") % {"roles": ", ".join(Capacity.values)}]})
    organization = _existing("organization", data)
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username=username).first()
    if user is None and username.isdigit():
        user = users.filter(pk=int(username)).first()
    if user is None:
        raise NotFound(_("user %(name)s") % {"name": username})
    membership = services.set_membership(context.user, organization, user, role)
    return {"id": str(membership.pk), "table_name": "user", "table_id": str(user.pk),
            "group_id": str(organization.pk), "capacity": membership.capacity, "state": "active"}
