"""Site-wide read actions: status, help, licences, tags."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from hiraku.catalog.licenses import LICENSES
from hiraku.catalog.models import Dataset, Tag
from hiraku.catalog.permissions import visible_datasets_q

from .. import registry
from ..errors import NotFound
from ..params import Params

# The CKAN API level Hiraku answers like; clients use it to pick features.
CKAN_COMPATIBLE_VERSION = "2.10.0"


def _hiraku_version() -> str:
    try:
        return version("hiraku")
    except PackageNotFoundError:
        return "unknown"


@registry.action()
def status_show(context, data):
    """The site's title, address, default language and the CKAN API version it is compatible with."""
    return {
        "site_title": settings.SITE_TITLE,
        "site_description": str(settings.SITE_DESCRIPTION),
        "site_url": settings.SITE_URL,
        "locale_default": settings.LANGUAGE_CODE,
        "error_emails_to": None,
        "extensions": [],
        "ckan_version": CKAN_COMPATIBLE_VERSION,
        "hiraku_version": _hiraku_version(),
    }


@registry.action()
def help_show(context, data):
    """The documentation of an action.

    :param name: the action's name
    """
    params = Params(data)
    name = params.string("name", required=True)
    params.raise_if_invalid()
    entry = registry.get_action(name)
    if entry is None:
        raise NotFound(_("action %(name)s") % {"name": name})
    return entry.help


@registry.action()
def license_list(context, data):
    """The licences a dataset may carry."""
    return [lic.as_ckan_dict() for lic in LICENSES]


@registry.action()
def tag_list(context, data):
    """Names of the tags used by datasets the caller may see.

    :param query: only tags containing this text (case-insensitive)
    :param all_fields: return tag dictionaries instead of names (default false)
    """
    params = Params(data)
    query = params.string("query") or params.string("q")
    all_fields = params.boolean("all_fields", False)
    vocabulary_id = params.string("vocabulary_id")
    params.raise_if_invalid()
    if vocabulary_id:
        # Hiraku has free tags only.
        raise NotFound(_("vocabulary %(id)s") % {"id": vocabulary_id})
    used = Dataset.objects.filter(visible_datasets_q(context.user), tags=OuterRef("pk"))
    tags = Tag.objects.filter(Exists(used)).order_by("name")
    if query:
        tags = tags.filter(name__icontains=query)
    if not all_fields:
        return list(tags.values_list("name", flat=True))
    return [{"id": str(tag.id), "name": tag.name, "display_name": tag.name, "vocabulary_id": None}
            for tag in tags]
