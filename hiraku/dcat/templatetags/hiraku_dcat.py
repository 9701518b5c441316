"""Template helpers for machine-readable dataset descriptions."""

from __future__ import annotations

from django import template

from .. import schemaorg

register = template.Library()


@register.simple_tag
def dataset_jsonld(dataset) -> str:
    """The schema.org JSON-LD `<script>` element of a dataset page."""
    return schemaorg.jsonld_script(schemaorg.dataset_jsonld(dataset))
