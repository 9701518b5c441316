"""Validation of catalog input. The web UI and the API both validate through
these forms, so a bad name or an unknown licence gets the same message
(Japanese by default, English when the request language is English)."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .licenses import LICENSES_BY_ID
from .models import Dataset, Group, Organization, Resource

# Names that would collide with fixed URLs under /dataset/ and /organization/.
RESERVED_NAMES = frozenset({"new", "edit", "search", "delete", "resource", "api", "admin", "activity"})

_TAG_SPLIT = re.compile(r"[,、，\n]+")


def parse_tags(value) -> list[str]:
    """Tags from a comma/読点 separated string or a list; NFKC-normalized, de-duplicated."""
    items = value if isinstance(value, list | tuple) else _TAG_SPLIT.split(value or "")
    tags: list[str] = []
    for item in items:
        tag = unicodedata.normalize("NFKC", str(item)).strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


class TagField(forms.CharField):
    def to_python(self, value):
        return parse_tags(value)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        for tag in value:
            if len(tag) > 100:
                raise forms.ValidationError(_("Each tag must be at most 100 characters."), code="tag_length")


class DatasetForm(forms.ModelForm):
    tags = TagField(label=_("Tags"), required=False, help_text=_("Separate with commas, e.g. 防災, 避難所"))
    groups = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Group.objects.filter(state="active"), required=False,
        widget=forms.CheckboxSelectMultiple, to_field_name="name",
    )

    class Meta:
        model = Dataset
        fields = [
            "title", "name", "organization", "notes", "tags", "groups", "license_id", "standard_type",
            "update_frequency", "temporal_start", "temporal_end", "spatial", "spatial_lgcode",
            "maintainer", "maintainer_email", "author", "url", "version", "private", "state",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 6}),
            "temporal_start": forms.DateInput(attrs={"type": "date"}),
            "temporal_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        self.fields["organization"].to_field_name = "name"
        self.fields["state"].choices = [c for c in self.fields["state"].choices if c[0] in ("active", "draft")]
        self.fields["name"].help_text = _("Used in the address, e.g. public-toilets. Lowercase letters, digits, - and _.")
        if self.instance.pk:
            # model_to_dict already put Tag/Group objects here; the fields speak in names.
            explicit = kwargs.get("initial") or {}
            if "tags" not in explicit:
                self.initial["tags"] = [t.name for t in self.instance.tags.all()]
            if "groups" not in explicit:
                self.initial["groups"] = [g.name for g in self.instance.groups.all()]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name in RESERVED_NAMES:
            raise forms.ValidationError(_("“%(value)s” is reserved; choose another URL name."), code="reserved_name",
                                        params={"value": name})
        return name

    def clean_license_id(self):
        value = self.cleaned_data["license_id"]
        if value not in LICENSES_BY_ID:
            raise forms.ValidationError(_("Unknown licence “%(value)s”."), code="unknown_license",
                                        params={"value": value})
        return value

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("temporal_start"), cleaned.get("temporal_end")
        if start and end and start > end:
            self.add_error("temporal_end", _("The end of the period is before its start."))
        return cleaned


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["name", "description", "file", "url", "format"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["format"].help_text = _("Detected from the file when left empty, e.g. CSV, XLSX")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "size") and upload is not getattr(self.instance, "file", None):
            if upload.size == 0:
                raise forms.ValidationError(_("The uploaded file is empty."), code="empty_file")
            limit = settings.HIRAKU_MAX_UPLOAD_BYTES
            if upload.size > limit:
                raise forms.ValidationError(
                    _("The file is too large (%(size)s); the limit is %(limit)s."), code="file_too_large",
                    params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                )
        return upload

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("file")) or bool(self.instance.pk and self.instance.file)
        if not has_file and not cleaned.get("url"):
            raise forms.ValidationError(_("Upload a file or give a URL."), code="no_data")
        if not cleaned.get("name"):
            upload = cleaned.get("file")
            cleaned["name"] = getattr(upload, "name", "") or (cleaned.get("url") or "").rsplit("/", 1)[-1] or "data"
        return cleaned


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["title", "title_en", "name", "lgcode", "description", "url", "image_url", "parent"]


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["title", "title_en", "name", "description", "image_url"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name in RESERVED_NAMES:
            raise forms.ValidationError(_("“%(value)s” is reserved; choose another URL name."), code="reserved_name",
                                        params={"value": name})
        return name
