"""Activity streams, users, bulk dataset listing and resource views (read actions)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from hiraku.catalog import permissions, services
from hiraku.catalog.models import Activity, Dataset, Organization, State
from hiraku.catalog.serializers import dataset_dict, iso

from .. import registry
from ..errors import NotFound
from ..lookup import by_id_or_name
from ..params import Params

DEFAULT_ACTIVITY_LIMIT = 31
MAX_ACTIVITY_LIMIT = 100
MAX_PACKAGE_LIMIT = 1000


def activity_dict(activity: Activity) -> dict:
    """CKAN's activity dict: what happened to which object, by whom, with the object as it was."""
    return {
        "id": str(activity.id),
        "timestamp": iso(activity.timestamp),
        "user_id": str(activity.actor_id) if activity.actor_id else None,
        "object_id": str(activity.object_id),
        "activity_type": activity.activity_type,
        "data": {activity.object_type: activity.data},
    }


def _page(params: Params) -> tuple[int, int]:
    offset = params.integer("offset", 0, minimum=0)
    limit = params.integer("limit", DEFAULT_ACTIVITY_LIMIT, minimum=1, maximum=MAX_ACTIVITY_LIMIT)
    return offset, limit


def _activities(queryset, offset: int, limit: int) -> list[dict]:
    return [activity_dict(a) for a in queryset[offset:offset + limit]]


@registry.action()
def package_activity_list(context, data):
    """Changes to one dataset, newest first.

    :param id: the dataset's id or name
    :param offset: skip this many first
    :param limit: at most this many (default 31, at most 100)
    """
    params = Params(data)
    id_or_name = params.string("id", required=True)
    offset, limit = _page(params)
    params.raise_if_invalid()
    dataset = services.get_dataset(id_or_name, context.user)
    return _activities(services.dataset_activities(dataset), offset, limit)


@registry.action()
def organization_activity_list(context, data):
    """Changes to an organization and to the datasets of it the caller may see, newest first.

    :param id: the organization's id or name
    :param offset: skip this many first
    :param limit: at most this many (default 31, at most 100)
    """
    params = Params(data)
    id_or_name = params.string("id", required=True)
    offset, limit = _page(params)
    params.raise_if_invalid()
    organization = by_id_or_name(Organization.objects.filter(state=State.ACTIVE), id_or_name)
    if organization is None:
        raise NotFound(_("organization %(id)s") % {"id": id_or_name})
    return _activities(services.organization_activities(organization, context.user), offset, limit)


@registry.action()
def recently_changed_packages_activity_list(context, data):
    """Changes to public datasets across the site, newest first, deletions included.

    :param offset: skip this many first
    :param limit: at most this many (default 31, at most 100)
    """
    params = Params(data)
    offset, limit = _page(params)
    params.raise_if_invalid()
    return _activities(services.recent_package_activities(context.user), offset, limit)


@registry.action()
def current_package_list_with_resources(context, data):
    """Public datasets with their resources, most recently modified first.

    :param limit: at most this many (default and maximum 1000)
    :param offset: skip this many first
    """
    params = Params(data)
    limit = params.integer("limit", MAX_PACKAGE_LIMIT, minimum=0, maximum=MAX_PACKAGE_LIMIT)
    offset = params.integer("offset", 0, minimum=0)
    params.raise_if_invalid()
    datasets = (services.datasets_with_relations()
                .filter(permissions.visible_datasets_q(None, include_private=False))
                .order_by("-modified", "id"))
    return [dataset_dict(d) for d in datasets[offset:offset + limit]]


@registry.action()
def resource_view_list(context, data):
    """Views of a resource. Hiraku previews resources on its own pages, so the list is empty.

    :param id: the resource's id
    """
    params = Params(data)
    resource_id = params.string("id", required=True)
    params.raise_if_invalid()
    services.get_resource(resource_id, context.user)
    return []


def find_user(value: str, *, include_inactive: bool = False):
    users = get_user_model().objects.all() if include_inactive else get_user_model().objects.filter(is_active=True)
    user = users.filter(username=value).first()
    if user is None and value.isdigit():
        user = users.filter(pk=int(value)).first()
    if user is None:
        raise NotFound(_("user %(name)s") % {"name": value})
    return user


@registry.action()
def user_show(context, data):
    """A user's public profile. Email and full name are shown only to the user and to site admins.

    :param id: the user's name or id
    """
    params = Params(data)
    id_or_name = params.string("id", required=True)
    params.raise_if_invalid()
    viewer = context.user
    is_admin = getattr(viewer, "is_superuser", False)
    user = find_user(id_or_name, include_inactive=is_admin)
    private_view = is_admin or (getattr(viewer, "is_authenticated", False) and viewer.pk == user.pk)
    result = {
        "id": str(user.pk),
        "name": user.username,
        "display_name": user.username,
        "created": iso(user.date_joined),
        "about": "",
        "state": "active" if user.is_active else "deleted",
        "sysadmin": user.is_superuser,
        "image_display_url": "",
        "number_created_packages": Dataset.objects.filter(
            permissions.visible_datasets_q(viewer, include_private=False), creator=user).count(),
    }
    if private_view:
        full_name = user.get_full_name()
        result.update(email=user.email, fullname=full_name, display_name=full_name or user.username)
    return result
