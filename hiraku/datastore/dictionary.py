"""The data dictionary: a label, a description and a type per column, set by the publisher.

Stored in ``DatastoreTable.fields_info`` as ``{column id: {"label",
"description", "type_override"}}`` and reported by ``datastore_info``
(``info``) and the resource page. Only people who may edit the dataset may
change it.

``type_override`` is CKAN's Data Dictionary key: the type staff chose instead
of the inferred one, as one of Hiraku's kinds (``values.TYPES``); CKAN's names
(int, numeric, bool, timestamp, …) are accepted. A changed override makes the
caller ingest the kept original file again (``services.save_dictionary``), and
overrides stay for the next files of the resource.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from hiraku.catalog import permissions

from . import values as V
from .models import DatastoreTable
from .push import TYPES as CKAN_TYPES

MAX_LABEL = 200
MAX_DESCRIPTION = 2000


# Choices of the type select, in the order shown; "" is the inferred type.
TYPE_CHOICES = ("", V.TEXT, V.INTEGER, V.DECIMAL, V.BOOLEAN, V.DATE, V.TIME, V.DATETIME)
# Hiraku's kinds, CKAN's type names and their PostgreSQL aliases; "" and "auto" remove the override.
TYPE_NAMES = {**{name: kind for name, (kind, _arrow) in CKAN_TYPES.items()}, **{k: k for k in V.TYPES},
              "": "", "auto": ""}
ENTRY_KEYS = {"label", "description", "notes", "type_override"}


def type_kind(value) -> str | None:
    """The kind a ``type_override`` value names ("" for none), or None when it names no type."""
    if value is None:
        return ""
    return TYPE_NAMES.get(str(value).strip().lower()) if isinstance(value, str) else None


def type_overrides(info: dict | None) -> dict[str, str]:
    """{column id: kind} of the columns whose type staff chose."""
    return {column: entry["type_override"] for column, entry in (info or {}).items()
            if isinstance(entry, dict) and entry.get("type_override")}


class DictionaryError(Exception):
    """Entries the table cannot take; ``column`` names the offending column."""

    def __init__(self, column: str, message):
        super().__init__(f"{column}: {message}")
        self.column = column
        self.message = message


def update_dictionary(actor, table: DatastoreTable, entries: dict[str, dict]) -> dict:
    """Set the label, description and type of the columns in ``entries`` and return the whole dictionary.

    An entry whose label and description are both empty removes them (the
    header is shown again); ``notes`` (CKAN's name) may stand for the
    description. ``type_override`` changes the type only when the entry has
    the key: a type name, or "" / "auto" for the inferred type. Unknown
    columns and types, over-long texts and other keys are rejected; nothing is
    saved unless every entry is valid.
    """
    if not (getattr(actor, "is_authenticated", False)
            and permissions.can_edit_dataset(actor, table.resource.dataset)):
        raise PermissionDenied
    known = {c["id"] for t in table.tables for c in t.get("columns", [])}
    info = {k: dict(v) for k, v in (table.fields_info or {}).items()}
    for column, entry in entries.items():
        if column not in known:
            raise DictionaryError(column, _("No such column: %(column)s") % {"column": column})
        if not isinstance(entry, dict) or set(entry) - ENTRY_KEYS:
            raise DictionaryError(column, _("Give a label, a description and a type only."))
        label = str(entry.get("label") or "").strip()
        description = str(entry.get("description") or entry.get("notes") or "").strip()
        kind = type_kind(entry.get("type_override")) if "type_override" in entry else None
        if "type_override" in entry:
            if kind is None:
                raise DictionaryError(column, _("Unknown type %(type)s for column %(column)s")
                                      % {"type": entry["type_override"], "column": column})
            if kind and table.origin != DatastoreTable.Origin.UPLOAD:
                raise DictionaryError(column, _("Only the types of a table built from an uploaded file can be "
                                                "changed; give the type in fields instead."))
        if len(label) > MAX_LABEL or len(description) > MAX_DESCRIPTION:
            raise DictionaryError(column, _("The label may have %(label)s characters and the description "
                                            "%(description)s at most.")
                                  % {"label": MAX_LABEL, "description": MAX_DESCRIPTION})
        current = info.get(column, {})
        current = {k: v for k, v in current.items() if k not in ("label", "description")}
        if label:
            current["label"] = label
        if description:
            current["description"] = description
        if kind == "":
            current.pop("type_override", None)
        elif kind:
            current["type_override"] = kind
        if current:
            info[column] = current
        else:
            info.pop(column, None)
    DatastoreTable.objects.filter(pk=table.pk).update(fields_info=info)
    table.fields_info = info
    return info
