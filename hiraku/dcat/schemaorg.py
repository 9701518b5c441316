"""schema.org `Dataset` descriptions for search engines (Google Dataset Search).

`dataset_jsonld` builds the dictionary; `jsonld_script` renders it as a
`<script type="application/ld+json">` element that user text cannot break
out of (the escaping of Django's `json_script`)."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from hiraku.catalog.licenses import get_license
from hiraku.catalog.models import Dataset, State
from hiraku.catalog.serializers import resource_download_url

from . import serialize, vocab

# The same characters Django's json_script escapes: no "</script>", no "<!--", no entities.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _organization(organization) -> dict:
    data = {"@type": "GovernmentOrganization" if organization.lgcode else "Organization",
            "@id": str(serialize.organization_uri(organization)), "name": organization.title}
    if organization.title_en:
        data["alternateName"] = organization.title_en
    if organization.url:
        data["url"] = organization.url
    if organization.lgcode:
        data["identifier"] = organization.lgcode
    return data


def dataset_jsonld(dataset: Dataset) -> dict:
    """A schema.org Dataset for a dataset fetched with `datasets_with_relations()`."""
    lic = get_license(dataset.license_id)
    organization = _organization(dataset.organization)
    data = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": str(serialize.dataset_uri(dataset)),
        "name": dataset.title,
        # Google requires 50–5000 characters; the title stands in for a missing description.
        "description": dataset.notes or dataset.title,
        "url": str(serialize.landing_page(dataset)),
        "identifier": [str(dataset.id), dataset.name],
        "keywords": [tag.name for tag in sorted(dataset.tags.all(), key=lambda t: t.name)],
        "license": str(serialize.license_uri(dataset.license_id)),
        "isAccessibleForFree": True,
        "creator": organization,
        "publisher": organization,
        "inLanguage": "ja",
        "dateCreated": dataset.created.isoformat(),
        "dateModified": dataset.modified.isoformat(),
        "includedInDataCatalog": {"@type": "DataCatalog", "url": str(serialize.catalog_uri())},
    }
    if lic is not None:
        data["license"] = lic.url or data["license"]
    if dataset.version:
        data["version"] = dataset.version
    if dataset.temporal_start or dataset.temporal_end:
        start = dataset.temporal_start.isoformat() if dataset.temporal_start else ".."
        end = dataset.temporal_end.isoformat() if dataset.temporal_end else ".."
        data["temporalCoverage"] = f"{start}/{end}"
    if dataset.spatial or dataset.spatial_lgcode:
        place = {"@type": "Place", "name": dataset.spatial or dataset.spatial_lgcode}
        if dataset.spatial_lgcode:
            place["identifier"] = dataset.spatial_lgcode
        data["spatialCoverage"] = place
    distributions = []
    for resource in dataset.resources.all():
        if resource.state != State.ACTIVE:
            continue
        url = resource_download_url(resource)
        if not url:
            continue
        _eu_code, format_mime = vocab.format_codes(resource.format)
        download = {"@type": "DataDownload", "name": resource.name, "contentUrl": url}
        encoding = resource.mimetype or format_mime or resource.format
        if encoding:
            download["encodingFormat"] = encoding
        if resource.size is not None:
            download["contentSize"] = str(resource.size)
        distributions.append(download)
    if distributions:
        data["distribution"] = distributions
    return data


def jsonld_script(data: dict) -> str:
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
