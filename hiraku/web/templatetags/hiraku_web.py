"""Template helpers of the web UI."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from hiraku.catalog.standards import standard_label as _standard_label
from hiraku.core.text import render_markdown

from .. import presenters

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    # render_markdown sanitizes with an allow-list, so its output is safe to insert.
    return mark_safe(render_markdown(text))  # noqa: S308


@register.filter
def display_title(obj) -> str:
    return presenters.display_title(obj)


@register.filter
def license_title(license_id: str) -> str:
    return presenters.license_title(license_id)


@register.filter
def standard_label(slug: str) -> str:
    return _standard_label(slug) if slug else ""


def _link_filename(url: str) -> str:
    last = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return last.replace("/", "") or "link"


@register.filter
def download_path(resource) -> str:
    """The site's download address: it counts the download, then streams or redirects."""
    filename = resource.original_filename if resource.file else _link_filename(resource.url)
    return reverse("web:resource_download", kwargs={
        "dataset": resource.dataset.name, "resource_id": resource.id, "filename": filename,
    })


@register.filter
def formats(dataset) -> list[str]:
    """Distinct formats of a dataset's prefetched resources, in order."""
    seen: list[str] = []
    for resource in dataset.resources.all():
        if resource.format and resource.format not in seen and resource.state == "active":
            seen.append(resource.format)
    return seen


@register.simple_tag
def hidden_params(params, *excluded):
    """The current GET parameters except `excluded`, as (name, value) pairs for hidden inputs."""
    return [(name, value) for name in params for value in params.getlist(name) if name not in excluded]
