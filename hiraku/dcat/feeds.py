"""Atom feeds of catalog activity: site-wide and per dataset.

Entries come from `services.visible_activity`, so a feed never mentions a
dataset its reader could not open."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from hiraku.catalog import services as catalog_services
from hiraku.catalog.models import Dataset
from hiraku.web.presenters import activity_verb, changed_field_labels

from . import services


def actor_name(activity) -> str:
    return activity.actor.get_username() if activity.actor else _("System")


def changed_fields(activity) -> list[str]:
    if activity.activity_type != "changed package":
        return []
    return changed_field_labels(activity.changes or {})


def activity_summary(activity) -> str:
    """"Who did what", plus the changed fields when there are any."""
    fields = changed_fields(activity)
    summary = _("%(actor)s %(verb)s.") % {"actor": actor_name(activity), "verb": activity_verb(activity.activity_type)}
    if fields:
        summary += " " + _("Changed: %(fields)s") % {"fields": ", ".join(fields)}
    return summary


@dataclass
class FeedSubject:
    """What a feed is about and for whom (feed instances are shared between threads)."""

    user: object
    dataset: Dataset | None = None


class _ActivityFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item):
        return _("%(dataset)s: %(verb)s") % {"dataset": item.dataset.title, "verb": activity_verb(item.activity_type)}

    def item_description(self, item):
        return activity_summary(item)

    def item_link(self, item):
        return reverse("web:dataset_detail", kwargs={"dataset": item.dataset.name})

    def item_guid(self, item):
        return f"urn:uuid:{item.id}"

    item_guid_is_permalink = False

    def item_author_name(self, item):
        return actor_name(item)

    def item_pubdate(self, item):
        return item.timestamp

    def item_updateddate(self, item):
        return item.timestamp


class SiteActivityFeed(_ActivityFeed):
    def get_object(self, request):
        return FeedSubject(user=request.user)

    def title(self, obj):
        return _("Recent changes: %(site)s") % {"site": settings.SITE_TITLE}

    def subtitle(self, obj):
        return _("The newest changes to the datasets of this catalog.")

    def link(self, obj):
        return reverse("web:home")

    def feed_url(self, obj):
        return reverse("dcat:activity_feed")

    def items(self, obj):
        return services.visible_activity(obj.user)


class DatasetActivityFeed(_ActivityFeed):
    def get_object(self, request, dataset):
        try:
            found = catalog_services.get_dataset(dataset, request.user)
        except catalog_services.NotFound as missing:
            raise Http404 from missing
        return FeedSubject(user=request.user, dataset=found)

    def title(self, obj):
        return _("Changes to %(dataset)s") % {"dataset": obj.dataset.title}

    def subtitle(self, obj):
        return _("The change history of this dataset.")

    def link(self, obj):
        return reverse("web:dataset_detail", kwargs={"dataset": obj.dataset.name})

    def feed_url(self, obj):
        return reverse("dcat:dataset_activity_feed", kwargs={"dataset": obj.dataset.name})

    def items(self, obj):
        return services.visible_activity(obj.user, dataset=obj.dataset)


@dataclass
class ActivityEntry:
    timestamp: object
    dataset: Dataset
    actor: str
    verb: str
    fields: list[str]


def activity_entries(user, *, organization=None, limit: int = 10) -> list[ActivityEntry]:
    """Readable recent changes `user` may see, for pages (the organization page)."""
    return [
        ActivityEntry(timestamp=item.timestamp, dataset=item.dataset, actor=actor_name(item),
                      verb=activity_verb(item.activity_type), fields=changed_fields(item))
        for item in services.visible_activity(user, organization=organization, limit=limit)
    ]
