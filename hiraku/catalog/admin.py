"""Django admin for the catalog: the site administrator's back office.

Day-to-day editing goes through the staff pages, which call the service
layer (validation, activity, indexing). The admin is for inspection and
repairs, so the activity log and usage counters are read-only here.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Activity, DailyUsage, Dataset, Group, Membership, Organization, Resource, Tag


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ["name", "format", "size", "state", "position"]
    readonly_fields = ["size"]
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["title", "name", "lgcode", "parent", "state", "dataset_count"]
    list_filter = ["state"]
    search_fields = ["title", "title_en", "name", "lgcode"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    @admin.display(description=_("datasets"))
    def dataset_count(self, organization: Organization) -> int:
        return organization.datasets.exclude(state="deleted").count()


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["title", "title_en", "name", "state"]
    list_filter = ["state"]
    search_fields = ["title", "title_en", "name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["title", "name", "organization", "state", "private", "license_id", "standard_type",
                    "modified", "popularity"]
    list_filter = ["state", "private", "organization", "groups", "license_id", "standard_type",
                   "update_frequency"]
    search_fields = ["title", "name", "notes"]
    date_hierarchy = "modified"
    autocomplete_fields = ["organization", "tags", "creator"]
    filter_horizontal = ["groups"]
    readonly_fields = ["created", "view_count", "download_count", "popularity"]
    list_select_related = ["organization"]
    inlines = [ResourceInline]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "dataset", "format", "size", "state", "modified"]
    list_filter = ["state", "format"]
    search_fields = ["name", "dataset__title", "dataset__name"]
    readonly_fields = ["created", "size", "hash", "mimetype"]
    list_select_related = ["dataset"]
    autocomplete_fields = ["dataset"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "capacity", "created"]
    list_filter = ["capacity", "organization"]
    search_fields = ["user__username", "organization__title"]
    autocomplete_fields = ["user", "organization"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: viewable, never edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "activity_type", "object_type", "dataset", "organization", "actor"]
    list_filter = ["activity_type", "object_type", "organization"]
    search_fields = ["dataset__title", "dataset__name", "actor__username"]
    date_hierarchy = "timestamp"
    list_select_related = ["dataset", "organization", "actor"]


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdmin):
    list_display = ["date", "dataset", "views", "downloads"]
    list_filter = ["date"]
    search_fields = ["dataset__title", "dataset__name"]
    date_hierarchy = "date"
    list_select_related = ["dataset"]
