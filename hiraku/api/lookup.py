"""Finding catalog objects by the `id` parameter, which CKAN lets be an id or a name."""

from __future__ import annotations

import uuid

from django.db.models import Model


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def by_id_or_name(queryset, value: str) -> Model | None:
    found = queryset.filter(name=value).first()
    if found is None and is_uuid(value):
        found = queryset.filter(id=value).first()
    return found
