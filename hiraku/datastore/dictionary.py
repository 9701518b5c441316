"""The data dictionary: a label and a description per column, set by the publisher.

Stored in ``DatastoreTable.fields_info`` as ``{column id: {"label", "description"}}``
and reported by ``datastore_info`` / ``datastore_search`` (``info``) and the
resource page. Only people who may edit the dataset may change it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from hiraku.catalog import permissions

from .models import DatastoreTable

MAX_LABEL = 200
MAX_DESCRIPTION = 2000


class DictionaryError(Exception):
    """Entries the table cannot take; ``column`` names the offending column."""

    def __init__(self, column: str, message):
        super().__init__(f"{column}: {message}")
        self.column = column
        self.message = message


def update_dictionary(actor, table: DatastoreTable, entries: dict[str, dict]) -> dict:
    """Set the label and description of the columns in ``entries`` and return the whole dictionary.

    An entry whose label and description are both empty removes the column's
    entry (the header is shown again). Unknown columns, over-long texts and
    other keys are rejected; nothing is saved unless every entry is valid.
    """
    if not (getattr(actor, "is_authenticated", False)
            and permissions.can_edit_dataset(actor, table.resource.dataset)):
        raise PermissionDenied
    known = {c["id"] for t in table.tables for c in t.get("columns", [])}
    info = {k: dict(v) for k, v in (table.fields_info or {}).items()}
    for column, entry in entries.items():
        if column not in known:
            raise DictionaryError(column, _("No such column: %(column)s") % {"column": column})
        if not isinstance(entry, dict) or set(entry) - {"label", "description"}:
            raise DictionaryError(column, _("Give a label and a description only."))
        label = str(entry.get("label") or "").strip()
        description = str(entry.get("description") or "").strip()
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
        if current:
            info[column] = current
        else:
            info.pop(column, None)
    DatastoreTable.objects.filter(pk=table.pk).update(fields_info=info)
    table.fields_info = info
    return info
