"""What both source types produce: remote datasets expressed in the local catalog's terms.

`RemoteDataset.data` is DatasetForm-shaped (the same input the staff form and
`catalog.services.create_dataset` take), `resources` are URL resources
(nothing is downloaded), and `warnings` become report lines."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from hiraku.catalog.licenses import LICENSES, LICENSES_BY_ID
from hiraku.catalog.models import UpdateFrequency
from hiraku.catalog.standards import standard_choices
from hiraku.core.lgcode import validate_lgcode

UNKNOWN_LICENSE_ID = "other-open"


@dataclass
class RemoteDataset:
    remote_id: str
    remote_name: str
    original_url: str
    remote_modified: str
    data: dict
    extras: dict = field(default_factory=dict)
    resources: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.remote_name or self.remote_id


# --- Licences -------------------------------------------------------------------------

def _url_key(url: str) -> str:
    """A licence URL reduced to what identifies it: no scheme, www, deed/legalcode or trailing slash."""
    key = re.sub(r"^https?://(www\.)?", "", url.strip().lower())
    key = re.sub(r"(deed(\.[a-z-]+)?|legalcode(\.[a-z-]+)?)$", "", key)
    return key.rstrip("/")


# Identifiers and URLs seen on CKAN sites and in DCAT catalogs, mapped to local ids.
LICENSE_ALIASES = {
    "cc-by": "cc-by-4.0", "cc-by-4": "cc-by-4.0", "cc-by-4.0": "cc-by-4.0", "cc_by_4.0": "cc-by-4.0",
    "creative commons attribution": "cc-by-4.0",
    "cc0": "cc-zero", "cc0-1.0": "cc-zero", "cc-zero": "cc-zero", "cc0 1.0": "cc-zero",
    "cc-by-sa": "cc-by-sa-4.0", "cc-by-sa-4.0": "cc-by-sa-4.0",
    "pdl-1.0": "pdl-1.0", "pdl": "pdl-1.0", "gsl-2.0": "gsl-2.0",
    "other-open": "other-open", "other-at": "other-open", "other-pd": "other-open",
    "other-closed": "other-closed", "other-nc": "other-closed", "notspecified": "notspecified",
}
LICENSE_URLS = {
    _url_key(lic.url): lic.id for lic in LICENSES if lic.url
} | {
    "creativecommons.org/licenses/by/4.0": "cc-by-4.0",
    "creativecommons.org/publicdomain/zero/1.0": "cc-zero",
    "creativecommons.org/licenses/by-sa/4.0": "cc-by-sa-4.0",
    "publications.europa.eu/resource/authority/licence/cc_by_4_0": "cc-by-4.0",
    "publications.europa.eu/resource/authority/licence/cc0": "cc-zero",
    "publications.europa.eu/resource/authority/licence/cc_bysa_4_0": "cc-by-sa-4.0",
    "www.digital.go.jp/resources/open_data/public_data_license_v1.0": "pdl-1.0",
}


def map_license(*candidates: str) -> tuple[str, str | None]:
    """(local licence id, warning or None) for a remote licence id, title or URL."""
    given = [c.strip() for c in candidates if c and c.strip()]
    for candidate in given:
        lowered = candidate.lower()
        if lowered in LICENSES_BY_ID:
            return lowered, None
        if lowered in LICENSE_ALIASES:
            return LICENSE_ALIASES[lowered], None
        if _url_key(candidate) in LICENSE_URLS:
            return LICENSE_URLS[_url_key(candidate)], None
    if not given:
        return "notspecified", None
    return UNKNOWN_LICENSE_ID, _("Unknown licence “%(licence)s”; recorded as “%(local)s”.") % {
        "licence": given[0], "local": UNKNOWN_LICENSE_ID}


# --- Field cleaning ------------------------------------------------------------------

NAME_MAX = 100
_NAME_OK = re.compile(r"^[a-z0-9_-]{2,100}$")


def local_name(candidate: str, fallback_key: str) -> str:
    """A valid URL name: the remote name when it already is one, else a stable derived one."""
    text = unicodedata.normalize("NFKC", candidate or "").strip().lower()
    if _NAME_OK.match(text):
        return text
    slug = re.sub(r"[^a-z0-9_-]+", "-", text).strip("-")[:80]
    digest = hashlib.sha1(fallback_key.encode()).hexdigest()[:10]
    return f"{slug}-{digest}" if len(slug) >= 2 else f"harvested-{digest}"


def clip(value, limit: int) -> str:
    text = str(value or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def valid_url(value: str, limit: int = 1000) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        return ""
    try:
        URLValidator(schemes=["http", "https", "ftp", "ftps"])(value)
    except ValidationError:
        return ""
    return value


def valid_email(value: str) -> str:
    value = (value or "").strip().removeprefix("mailto:")
    try:
        EmailValidator()(value)
    except ValidationError:
        return ""
    return value


def valid_lgcode(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_lgcode(value)
    except ValidationError:
        return ""
    return value


def iso_date(value) -> str:
    """YYYY-MM-DD from a date, a datetime or an ISO string; empty when unreadable."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value or "").strip()
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if not match:
        return ""
    try:
        return date(*map(int, match.groups())).isoformat()
    except ValueError:
        return ""


_FREQUENCIES = {choice.value for choice in UpdateFrequency}
_FREQUENCY_ALIASES = {"annually": "ANNUAL", "annual": "ANNUAL", "yearly": "ANNUAL", "irregular": "IRREG",
                      "monthly": "MONTHLY", "weekly": "WEEKLY", "daily": "DAILY", "quarterly": "QUARTERLY",
                      "never": "NEVER", "unknown": "UNKNOWN", "irreg": "IRREG"}


def frequency(value: str) -> str:
    """A local update frequency from an EU vocabulary URI/code or a Dublin Core frequency; empty if unknown."""
    code = str(value or "").rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    if code.upper() in _FREQUENCIES:
        return code.upper()
    return _FREQUENCY_ALIASES.get(code.lower(), "")


_STANDARDS = {value for value, _label in standard_choices() if value}


def standard_type(value: str) -> str:
    return value if value in _STANDARDS else ""


def form_data(*, name: str, title: str, organization: str, notes: str = "", tags=(), groups=(),
              license_id: str = "notspecified", url: str = "", version: str = "", author: str = "",
              maintainer: str = "", maintainer_email: str = "", update_frequency: str = "",
              temporal_start: str = "", temporal_end: str = "", spatial: str = "", spatial_lgcode: str = "",
              standard: str = "") -> dict:
    """DatasetForm input with every value already bounded and checked, so one odd field never loses a dataset."""
    start, end = iso_date(temporal_start), iso_date(temporal_end)
    if start and end and start > end:
        start, end = end, start
    return {
        "name": name,
        "title": clip(title or name, 300),
        "organization": organization,
        "notes": str(notes or ""),
        "tags": [clip(tag, 100) for tag in tags if str(tag or "").strip()],
        "groups": list(groups),
        "license_id": license_id,
        "url": valid_url(url, 500),
        "version": clip(version, 100),
        "author": clip(author, 200),
        "maintainer": clip(maintainer, 200),
        "maintainer_email": valid_email(maintainer_email),
        "update_frequency": frequency(update_frequency) or UpdateFrequency.IRREGULAR,
        "temporal_start": start,
        "temporal_end": end,
        "spatial": clip(spatial, 300),
        "spatial_lgcode": valid_lgcode(spatial_lgcode),
        "standard_type": standard_type(standard),
        "private": "",
        "state": "active",
    }


def resource_data(*, name: str, url: str, description: str = "", format: str = "") -> dict | None:
    """ResourceForm input for a link resource; None when the remote resource has no usable URL."""
    url = valid_url(url, 1000)
    if not url:
        return None
    return {"name": clip(name or url.rsplit("/", 1)[-1] or "data", 300), "url": url,
            "description": str(description or ""), "format": clip(format, 50)}
