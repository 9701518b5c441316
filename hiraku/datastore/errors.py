"""Per-resource ingestion errors and warnings, readable in Japanese and English.

Every problem carries a stable ``code`` (for programs), the location where it
was found (sheet, row, column) and a message rendered through gettext, so the
UI can show it in the visitor's language and the API can return both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

# English msgids; Japanese lives in locale/ja/LC_MESSAGES/django.po.
MESSAGES: dict[str, Any] = {
    "empty_file": _("The file is empty."),
    "internal_error": _("The file could not be processed because of an internal error. The previous version is still served."),
    "no_table": _("No table was found in the file."),
    "binary_file": _("This is not a text table: the file looks like %(kind)s."),
    "truncated": _("The file ends in the middle of %(what)s: it looks truncated."),
    "unknown_encoding": _("The character encoding of the file could not be determined."),
    "decode_error": _("The file could not be read as %(encoding)s near byte %(offset)s."),
    "malformed_csv": _("The CSV is malformed: %(detail)s."),
    "malformed_json": _("The JSON is malformed: %(detail)s."),
    "too_many_columns": _("The table has %(count)s columns; at most %(limit)s are supported."),
    "ragged_rows": _("%(count)s rows have more values than the header has columns (expected %(expected)s)."),
    "short_rows": _("%(count)s rows have fewer values than the header; the missing values are left empty."),
    "zip_bomb": _("The Excel file would expand to %(size)s MB (%(ratio)s times its size), which looks like a zip bomb; it was not opened."),
    "corrupt_xlsx": _("The Excel file is damaged or is not a valid .xlsx file."),
    "encrypted_xlsx": _("The Excel file is password-protected. Remove the password and upload it again."),
    "unsupported_format": _("The format %(format)s is not supported yet. Save the file as .xlsx or .csv."),
    "type_fallback": _("Column %(column)s was stored as text because the value %(value)s could not be read as %(type)s."),
    "title_rows_skipped": _("%(count)s title rows above the header were skipped."),
    "footnote_rows_skipped": _("%(count)s note rows below the table were skipped."),
    "blank_columns_dropped": _("%(count)s empty columns were dropped."),
    "no_header": _("No header row was found; columns were given generic names."),
    "coordinates_out_of_range": _("Column %(column)s has %(count)s values outside the valid range for %(role)s."),
    "type_override_failed": _("Column %(name)s cannot be stored as %(type)s: the value %(value)s does not fit "
                              "(values that do not fit: %(count)s). Correct the values or choose another type."),
    "null_markers": _("Column %(column)s has %(count)s dash values (such as \"-\") that were stored as empty."),
}

# Names of column types and coordinate roles as shown inside messages.
LABELS: dict[str, Any] = {
    "integer": _("integer"),
    "decimal": _("decimal number"),
    "boolean": _("yes/no"),
    "date": _("date"),
    "time": _("time"),
    "datetime": _("date and time"),
    "text": _("text"),
    "latitude": _("latitude"),
    "longitude": _("longitude"),
}


@dataclass
class Problem:
    """One error or warning with the place it was found."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    rows: list[int] = field(default_factory=list)

    def message(self, language: str | None = None) -> str:
        template = MESSAGES[self.code]
        if language is None:
            return str(template) % self.params if self.params else str(template)
        with translation.override(language):
            return str(template) % self.params if self.params else str(template)

    def location(self, language: str | None = None) -> str:
        """Human-readable location, e.g. 'sheet Sheet1, row 12, column 緯度'."""
        from django.utils.translation import gettext

        def render() -> str:
            parts = []
            if self.sheet:
                parts.append(gettext("sheet %(sheet)s") % {"sheet": self.sheet})
            if self.row is not None:
                parts.append(gettext("row %(row)s") % {"row": self.row})
            elif self.rows:
                shown = ", ".join(str(r) for r in self.rows[:10])
                if len(self.rows) > 10:
                    shown += ", …"
                parts.append(gettext("rows %(rows)s") % {"rows": shown})
            if self.column:
                parts.append(gettext("column %(column)s") % {"column": self.column})
            return ", ".join(parts)

        if language is None:
            return render()
        with translation.override(language):
            return render()

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "sheet": self.sheet,
            "row": self.row,
            "rows": self.rows[:100],
            "column": self.column,
            "params": {k: (v if isinstance(v, int | float | str | None) else str(v)) for k, v in self.params.items()},
            "message": {"en": self.message("en"), "ja": self.message("ja")},
            "location": {"en": self.location("en"), "ja": self.location("ja")},
        }


class IngestError(Exception):
    """Raised when a resource cannot be turned into a table; carries a :class:`Problem`."""

    def __init__(self, code: str, *, sheet: str | None = None, row: int | None = None,
                 column: str | None = None, rows: list[int] | None = None, **params: Any):
        self.problem = Problem(code=code, params=params, sheet=sheet, row=row, column=column,
                               rows=list(rows or []))
        super().__init__(f"{code}: {self.problem.message('en')} [{self.problem.location('en')}]")

    @property
    def code(self) -> str:
        return self.problem.code
