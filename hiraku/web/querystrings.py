"""Building links that add, remove or replace one GET parameter of the current page."""

from __future__ import annotations

from django.http import QueryDict


def _copy(params: QueryDict) -> QueryDict:
    copied = params.copy()
    copied.pop("page", None)  # any change of filters starts again at page 1
    return copied


def _encode(params: QueryDict) -> str:
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def with_value(params: QueryDict, key: str, value: str) -> str:
    copied = _copy(params)
    values = copied.getlist(key)
    if value not in values:
        copied.setlist(key, [*values, value])
    return _encode(copied)


def without_value(params: QueryDict, key: str, value: str) -> str:
    copied = _copy(params)
    copied.setlist(key, [v for v in copied.getlist(key) if v != value])
    return _encode(copied)


def replacing(params: QueryDict, key: str, value: str) -> str:
    copied = _copy(params)
    copied[key] = value
    return _encode(copied)


def with_page(params: QueryDict, page: int) -> str:
    copied = params.copy()
    if page <= 1:
        copied.pop("page", None)
    else:
        copied["page"] = str(page)
    return _encode(copied)
