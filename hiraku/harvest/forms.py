"""Validation of harvest sources (the staff form and `hiraku harvest add` share it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from .models import HarvestSource, Schedule, SourceType


class HarvestSourceForm(forms.ModelForm):
    remote_organization = forms.CharField(
        label=_("Only this remote organization"), required=False, max_length=100,
        help_text=_("Optional: the URL name of one organization in the remote CKAN catalog."))

    class Meta:
        model = HarvestSource
        fields = ["title", "url", "source_type", "organization", "schedule", "active"]
        help_texts = {
            "url": _("CKAN: the site address, e.g. https://catalog.example.jp/. "
                     "DCAT: the address of an RDF catalog (Turtle, RDF/XML or JSON-LD)."),
        }

    def __init__(self, *args, organizations=None, allow_files: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_files = allow_files
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        self.fields["organization"].to_field_name = "name"
        self.fields["source_type"].choices = SourceType.choices
        self.fields["schedule"].choices = Schedule.choices
        self.fields["active"].initial = True
        if self.instance.pk:
            self.initial.setdefault("remote_organization", self.instance.remote_organization)

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if self.allow_files and "://" not in url:
            path = Path(url).expanduser().resolve()
            if not path.is_file():
                raise ValidationError(_("No such file: %(path)s"), code="no_file", params={"path": path})
            return path.as_uri()
        if self.allow_files and urlsplit(url).scheme == "file":
            return url
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(_("Enter a full http:// or https:// address."), code="invalid_url") from None
        return url

    def clean_remote_organization(self):
        value = self.cleaned_data.get("remote_organization", "").strip()
        if value and not all(c.isalnum() or c in "-_" for c in value):
            raise ValidationError(_("Use the organization's URL name (letters, digits, - and _)."),
                                  code="invalid_remote_organization")
        return value

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("url", "")
        if cleaned.get("source_type") == SourceType.CKAN and url.startswith("file:"):
            self.add_error("url", _("A CKAN source must be an http:// or https:// address."))
        if cleaned.get("remote_organization") and cleaned.get("source_type") == SourceType.DCAT:
            self.add_error("remote_organization", _("The organization filter applies to CKAN sources only."))
        return cleaned

    def save(self, commit: bool = True):
        source = super().save(commit=False)
        config = dict(source.config or {})
        if self.cleaned_data.get("remote_organization"):
            config["organization"] = self.cleaned_data["remote_organization"]
        else:
            config.pop("organization", None)
        source.config = config
        if not source.title:
            source.title = urlsplit(source.url).netloc or Path(urlsplit(source.url).path).name
        if commit:
            source.save()
        return source
