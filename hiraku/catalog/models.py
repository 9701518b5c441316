"""Catalog model, shaped after CKAN's concepts so the CKAN-compatible API maps 1:1.

Organization ─< Dataset ─< Resource;  Dataset >─< Group, Tag;
Membership (user × organization × capacity); Activity (every change).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hiraku.core.lgcode import validate_lgcode

from .licenses import DEFAULT_LICENSE_ID, license_choices
from .standards import standard_choices

# CKAN's name rule: 2–100 characters of lowercase ASCII letters, digits, - and _.
NAME_RE = r"^[a-z0-9_-]+$"
name_validators = [
    MinLengthValidator(2),
    RegexValidator(
        NAME_RE,
        _("Use 2–100 lowercase half-width letters, digits, '-' or '_' (URL name)."),
        code="invalid_name",
    ),
]


class State(models.TextChoices):
    ACTIVE = "active", _("Active")
    DRAFT = "draft", _("Draft")
    DELETED = "deleted", _("Deleted")


class UpdateFrequency(models.TextChoices):
    # Values follow the EU frequency vocabulary so DCAT output maps directly.
    IRREGULAR = "IRREG", _("Irregular")
    DAILY = "DAILY", _("Daily")
    WEEKLY = "WEEKLY", _("Weekly")
    MONTHLY = "MONTHLY", _("Monthly")
    QUARTERLY = "QUARTERLY", _("Quarterly")
    ANNUAL = "ANNUAL", _("Annually")
    NEVER = "NEVER", _("Not updated")
    UNKNOWN = "UNKNOWN", _("Unknown")


class TimestampedModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Organization(TimestampedModel):
    """A publisher: a municipality or one of its departments."""

    name = models.CharField(_("URL name"), max_length=100, unique=True, validators=name_validators)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    lgcode = models.CharField(
        _("local government code"), max_length=6, blank=True, validators=[validate_lgcode],
        help_text=_("6-digit 全国地方公共団体コード with check digit, e.g. 372013"),
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="departments")
    url = models.URLField(_("website"), blank=True)
    image_url = models.URLField(_("image URL"), blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Group(TimestampedModel):
    """A theme (分野) grouping datasets across organizations."""

    name = models.CharField(_("URL name"), max_length=100, unique=True, validators=name_validators)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    image_url = models.CharField(_("image URL"), max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Dataset(TimestampedModel):
    name = models.CharField(_("URL name"), max_length=100, unique=True, validators=name_validators)
    title = models.CharField(_("title"), max_length=300)
    notes = models.TextField(_("description (Markdown)"), blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="datasets",
                                     verbose_name=_("organization"))
    groups = models.ManyToManyField(Group, blank=True, related_name="datasets", verbose_name=_("themes"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets", verbose_name=_("tags"))
    license_id = models.CharField(_("licence"), max_length=50, choices=license_choices(), default=DEFAULT_LICENSE_ID)
    url = models.URLField(_("source URL"), blank=True, max_length=500)
    version = models.CharField(_("version"), max_length=100, blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    maintainer = models.CharField(_("contact name"), max_length=200, blank=True)
    maintainer_email = models.EmailField(_("contact email"), blank=True)
    update_frequency = models.CharField(_("update frequency"), max_length=20, choices=UpdateFrequency.choices,
                                        default=UpdateFrequency.IRREGULAR)
    temporal_start = models.DateField(_("period from"), null=True, blank=True)
    temporal_end = models.DateField(_("period to"), null=True, blank=True)
    spatial = models.CharField(_("spatial coverage"), max_length=300, blank=True,
                               help_text=_("Area the data covers, e.g. 高松市"))
    spatial_lgcode = models.CharField(_("spatial coverage code"), max_length=6, blank=True,
                                      validators=[validate_lgcode])
    standard_type = models.CharField(_("standard dataset type"), max_length=50, blank=True,
                                     choices=standard_choices(),
                                     help_text=_("自治体標準オープンデータセット this dataset follows, if any"))
    extras = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    private = models.BooleanField(_("private"), default=False)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    # Denormalised counters: the popularity sort must not aggregate at query time.
    view_count = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)
    popularity = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["-modified"]
        indexes = [models.Index(fields=["state", "private", "-modified"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.state == State.ACTIVE and not self.private


def resource_upload_path(resource: Resource, filename: str) -> str:
    return f"resources/{resource.dataset_id}/{resource.id}/{filename}"


class Resource(TimestampedModel):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True, help_text=_("Link to the data, if not uploaded"))
    file = models.FileField(_("file"), upload_to=resource_upload_path, max_length=500, blank=True)
    format = models.CharField(_("format"), max_length=50, blank=True)
    mimetype = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    hash = models.CharField(max_length=100, blank=True, help_text="sha256:<hex>")
    encoding = models.CharField(_("character encoding"), max_length=50, blank=True)
    position = models.PositiveIntegerField(default=0)
    last_modified = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)

    class Meta:
        ordering = ["position", "created"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_upload(self) -> bool:
        return bool(self.file)

    @property
    def original_filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""


class Capacity(models.TextChoices):
    ADMIN = "admin", _("Organization admin")
    EDITOR = "editor", _("Editor")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    """A user's role in one organization (city staff)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    capacity = models.CharField(max_length=10, choices=Capacity.choices, default=Capacity.EDITOR)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.capacity})"


class Activity(models.Model):
    """One recorded change: who did what to which object, when, with a diff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="activities")
    # CKAN activity types: "new package", "changed package", "deleted package", ...
    activity_type = models.CharField(max_length=50)
    object_type = models.CharField(max_length=20)  # package | resource | organization | group
    object_id = models.UUIDField(db_index=True)
    dataset = models.ForeignKey(Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="activities")
    data = models.JSONField(default=dict, blank=True)  # snapshot after the change
    changes = models.JSONField(default=dict, blank=True)  # field -> [before, after]

    class Meta:
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["dataset", "-timestamp"]), models.Index(fields=["organization", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.activity_type}"


class DailyUsage(models.Model):
    """Views and downloads per dataset per day (bots excluded) for trends and ranking."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="daily_usage")
    date = models.DateField()
    views = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "date"], name="one_usage_row_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.dataset_id}: {self.views} views, {self.downloads} downloads"
