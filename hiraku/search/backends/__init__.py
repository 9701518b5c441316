"""Pick the search backend: from `settings.HIRAKU_SEARCH_BACKEND`, or ("auto")
from the vendor of the database the catalog lives in."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .base import SearchBackend, UnknownSort

__all__ = ["SearchBackend", "UnknownSort", "get_backend"]


def _backend_classes() -> dict[str, type[SearchBackend]]:
    from .postgres import PostgresBackend
    from .sqlite import SqliteBackend

    return {"sqlite": SqliteBackend, "postgresql": PostgresBackend}


def get_backend(using: str = "default") -> SearchBackend:
    choice = getattr(settings, "HIRAKU_SEARCH_BACKEND", "auto") or "auto"
    vendor = connections[using].vendor
    name = vendor if choice == "auto" else choice
    classes = _backend_classes()
    if name not in classes:
        raise ImproperlyConfigured(f"HIRAKU_SEARCH_BACKEND={choice!r}: choose auto, sqlite or postgresql.")
    if name != vendor:
        raise ImproperlyConfigured(f"The {name} search backend needs a {name} database, not {vendor}.")
    return classes[name](using)
