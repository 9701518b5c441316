"""Typed reading of action parameters.

Parameters arrive as strings (GET query, form body), lists of strings
(repeated GET keys) or any JSON value (JSON body). `Params` converts them and
collects every problem, so one Validation Error names all bad fields."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from .errors import ValidationError

_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n", ""}
_MISSING = object()


class Params:
    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)

    def _get(self, name: str) -> Any:
        value = self.data.get(name, _MISSING)
        # A repeated GET key arrives as a list; scalar parameters take the last value.
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return value[-1]
        return value

    def string(self, name: str, default: str = "", *, required: bool = False) -> str:
        value = self._get(name)
        if value is _MISSING or value is None or value == "":
            if required:
                self.add_error(name, _("Missing value"))
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add_error(name, _("Must be a string"))
            return default
        return str(value)

    def integer(self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
        """An integer; values above `maximum` are capped (as CKAN caps `rows`), below `minimum` rejected."""
        value = self._get(name)
        if value is _MISSING or value is None or value == "":
            return default
        number = _as_int(value)
        if number is None:
            self.add_error(name, _("Invalid integer"))
            return default
        if minimum is not None and number < minimum:
            self.add_error(name, _("Must be at least %(minimum)d") % {"minimum": minimum})
            return default
        if maximum is not None and number > maximum:
            return maximum
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.add_error(name, _("Must be true or false"))
        return default

    def string_list(self, name: str, default: list[str] | None = None) -> list[str]:
        """A list of strings given as a JSON list, a JSON list in a string, repeated keys or one string."""
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return list(default or [])
        if isinstance(value, str):
            value = _json_list_or_single(value)
            if value is None:
                self.add_error(name, _("Must be a JSON list of strings"))
                return list(default or [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.add_error(name, _("Must be a list of strings"))
            return list(default or [])
        return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit() and text.isascii():
            return int(text)
    return None


def _json_list_or_single(text: str) -> list | None:
    if not text.lstrip().startswith("["):
        return [text]
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, list) else None
