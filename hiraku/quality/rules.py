"""The rules a table is checked against: stable ids, severities and bilingual texts.

A rule id is API vocabulary (reports, the web UI and the fix tools refer to
it), so ids never change meaning; a retired rule keeps its id unused.

Messages and fixes are English msgids rendered through gettext (Japanese in
``hiraku/quality/locale``). They are %-templates: every finding passes the
parameters its rule names, plus ``value`` (the cell as found, shortened) and
``replacement`` (the corrected value, when there is one).

Severities:

- ``error``: the data is wrong for machines or breaks the standard (an
  invalid code, a coordinate outside Japan, a missing required column);
- ``warning``: the file breaks a machine-readability rule or a convention
  but can still be read (title rows, 機種依存文字, 和暦, Shift_JIS);
- ``info``: advice that does not need a change (a BOM, line breaks in notes).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
SEVERITY_LABELS = {ERROR: _("Error"), WARNING: _("Warning"), INFO: _("Info")}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: object  # lazy text: a short name of the problem
    message: object  # lazy %-template: what is wrong in this cell/row/file
    fix: object | None  # lazy %-template: how to correct it
    autofix: bool = False  # a replacement can be computed without a human (when the finding carries one)
    fatal: bool = False  # the file cannot be read as a table at all

    @property
    def category(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def replaces(self) -> bool:
        """The fix is the finding's ``replacement`` (a value, a name); other fixes rewrite the file or its layout."""
        return self.category in ("value", "text", "number", "header") or self.id in ("file.name", "file.name_lgcode")


_RULES = (
    # --- the file ----------------------------------------------------------------------------------------
    Rule("file.empty", ERROR, _("Empty file"), _("The file is empty."),
         _("Upload the file again; it may have been saved or transferred incompletely."), fatal=True),
    Rule("file.binary", ERROR, _("Not a table"), _("This is not a table: the file looks like %(kind)s."),
         _("Publish the table itself as CSV (UTF-8) or Excel (.xlsx)."), fatal=True),
    Rule("file.html", ERROR, _("Web page instead of data"),
         _("The file is a web page (HTML), not a table; a download link may point to an error or login page."),
         _("Check the download link and publish the table itself as CSV (UTF-8)."), fatal=True),
    Rule("file.unsupported_format", ERROR, _("Format not checked"),
         _("The format %(format)s cannot be checked as a table."),
         _("Save the table as CSV (UTF-8) or .xlsx."), fatal=True),
    Rule("file.unreadable", ERROR, _("Unreadable file"), _("The file cannot be read as a table: %(detail)s"),
         _("Open the file in the program that made it, save it again as CSV (UTF-8) or .xlsx, and check it."),
         fatal=True),
    Rule("file.no_table", ERROR, _("No table"), _("No table was found in the file."),
         _("Put the data in a table: one header row with the column names, then one row per record."),
         fatal=True),
    Rule("file.encoding", WARNING, _("Not UTF-8"),
         _("The file is encoded in %(encoding)s, not UTF-8; programs outside Japan and many tools show garbled text."),
         _("Save the file as UTF-8 (with a BOM if it is mainly opened in Excel)."), autofix=True),
    Rule("file.bom", INFO, _("Byte-order mark"),
         _("The file starts with a UTF-8 byte-order mark (BOM). Excel needs it; some programs read it as part of the first column name."),
         _("Keep the BOM when the file is mainly opened in Excel; otherwise save it as UTF-8 without a BOM."),
         autofix=True),
    Rule("file.line_endings_mixed", WARNING, _("Mixed line endings"),
         _("Records end with both CRLF and LF (%(crlf)s CRLF, %(lf)s LF, %(cr)s CR)."),
         _("Save the file with one kind of line ending (CRLF or LF) for every record."), autofix=True),
    Rule("file.line_endings_cr", WARNING, _("Old Mac line endings"),
         _("Records end with a bare CR (old Mac OS); many programs see the whole file as one line."),
         _("Save the file with CRLF or LF line endings."), autofix=True),
    Rule("file.delimiter", INFO, _("Not comma-separated"),
         _("The values are separated by %(delimiter)s, not by commas."),
         _("Separate values with commas in a .csv file, or name the file .tsv/.txt."), autofix=True),
    Rule("file.name", WARNING, _("File name convention"),
         _("The file name %(name)s does not follow the convention <6-digit local government code>_%(suffix)s.csv."),
         _("Name the file %(expected)s."), autofix=True),
    Rule("file.name_lgcode", WARNING, _("Code in the file name"),
         _("The file name carries the code %(found)s, but the publisher's code is %(expected)s."),
         _("Put the publisher's local government code %(expected)s at the start of the file name."), autofix=True),
    Rule("file.license_missing", ERROR, _("No licence"),
         _("The dataset has no licence, so it is not open data."),
         _("Choose an open licence such as CC BY 4.0 or PDL1.0 (公共データ利用規約)."), autofix=False),
    Rule("file.license_not_open", ERROR, _("Licence not open"),
         _("The licence %(license)s is not an open licence."),
         _("Use an open licence such as CC BY 4.0 or PDL1.0 (公共データ利用規約)."), autofix=False),
    Rule("file.too_many_sheets", INFO, _("Many sheets"),
         _("The workbook has %(total)s sheets; only the first %(checked)s were checked."),
         _("Publish each table as its own CSV file."), autofix=False),
    Rule("file.not_csv", INFO, _("Standard dataset not in CSV"),
         _("Standard datasets are published as CSV; this file is %(format)s."),
         _("Publish the table as CSV (UTF-8) as well."), autofix=True),

    # --- the layout of a table ---------------------------------------------------------------------------
    Rule("structure.empty_sheet", INFO, _("Empty sheet"), _("The sheet %(sheet)s holds no table."),
         _("Delete sheets that hold no data."), autofix=True),
    Rule("structure.no_header", ERROR, _("No header row"),
         _("No header row with column names was found; the table starts with data."),
         _("Put one row with a name for every column above the data."), autofix=False),
    Rule("structure.title_rows", WARNING, _("Title rows above the header"),
         _("%(count)s rows (a title, notes or units) stand above the header row %(header_row)s."),
         _("Delete the rows above the header so that it is the first row; move the title and notes to the dataset description."),
         autofix=True),
    Rule("structure.header_not_first_row", WARNING, _("Header not in the first row"),
         _("The header is in row %(header_row)s; empty rows stand above it."),
         _("Delete the empty rows above the header so that it is the first row."), autofix=True),
    Rule("structure.multi_row_header", WARNING, _("Header over several rows"),
         _("The column names span %(count)s rows (%(rows)s)."),
         _("Use one header row, joining the parts into one name per column (e.g. %(example)s)."), autofix=True),
    Rule("structure.merged_cells", WARNING, _("Merged cells"), _("Cells %(range)s are merged."),
         _("Unmerge the cells and write the value into every cell it applies to."), autofix=True),
    Rule("structure.formulas", WARNING, _("Formula"), _("Cell %(cell)s holds a formula."),
         _("Replace formulas by their values (copy, then paste values)."), autofix=True),
    Rule("structure.objects", WARNING, _("Objects in the sheet"),
         _("The sheet %(sheet)s contains pictures, shapes, text boxes or charts."),
         _("Remove objects; put their content into cells or into the dataset description."), autofix=False),
    Rule("structure.blank_row", WARNING, _("Blank row"), _("This row inside the table is empty."),
         _("Delete empty rows; a table has no blank lines for layout."), autofix=True),
    Rule("structure.blank_column", WARNING, _("Blank column"),
         _("Column %(column_number)s is empty and has no name."),
         _("Delete empty columns; a table has no blank columns for layout."), autofix=True),
    Rule("structure.multiple_tables", WARNING, _("Several tables in one sheet"),
         _("A second table seems to start in this row."),
         _("Put each table into its own sheet or file (one table per sheet)."), autofix=False),
    Rule("structure.notes_below", WARNING, _("Notes below the table"),
         _("A note stands in the rows below the table."),
         _("Move notes and sources into the dataset description or a separate column."), autofix=False),
    Rule("structure.ragged_row", ERROR, _("Too many values"),
         _("The row has %(count)s values but the header has %(expected)s columns."),
         _("Remove the extra values or give their column a name; quote values that contain commas."),
         autofix=False),
    Rule("structure.short_row", WARNING, _("Too few values"),
         _("The row has %(count)s values but the header has %(expected)s columns."),
         _("Write a delimiter for every column, including empty ones."), autofix=True),

    # --- header names ------------------------------------------------------------------------------------
    Rule("header.duplicate", ERROR, _("Duplicate column name"),
         _("The column name %(value)s is used %(count)s times."),
         _("Give every column a different name."), autofix=False),
    Rule("header.blank", ERROR, _("Column without a name"),
         _("Column %(column_number)s holds data but has no name."),
         _("Write a name for the column in the header row."), autofix=False),
    Rule("header.spacing", WARNING, _("Spaces in a column name"),
         _("The column name %(value)s contains spaces or line breaks."),
         _("Write the name without spaces or line breaks: %(replacement)s."), autofix=True),
    Rule("header.variant", WARNING, _("Non-standard column name"),
         _("The column %(value)s is the standard field %(field)s under another name."),
         _("Rename the column to %(replacement)s."), autofix=True),
    Rule("header.unknown", INFO, _("Column not in the standard"),
         _("The column %(value)s is not part of %(standard)s."),
         _("Keep it if it is useful; extra columns go after the standard ones."), autofix=False),

    # --- the standard dataset ----------------------------------------------------------------------------
    Rule("standard.not_detected", INFO, _("No standard dataset recognised"),
         _("The columns do not match any 自治体標準オープンデータセット."),
         _("If the data is one of the standard datasets, use its column names and choose the standard explicitly."),
         autofix=False),
    Rule("standard.missing_required_column", ERROR, _("Required column missing"),
         _("The required (◎) column %(field)s of %(standard)s is missing."),
         _("Add the column %(field)s and fill it for every row."), autofix=False),
    Rule("standard.missing_recommended_column", INFO, _("Recommended column missing"),
         _("The recommended (○) column %(field)s of %(standard)s is missing."),
         _("Add the column %(field)s if the information exists."), autofix=False),
    Rule("standard.required_value_missing", WARNING, _("Required value empty"),
         _("The required (◎) field %(field)s is empty."),
         _("Fill in %(field)s."), autofix=False),

    # --- characters and notation in any cell ---------------------------------------------------------------
    Rule("text.platform_dependent", WARNING, _("Platform-dependent characters"),
         _("The cell contains platform-dependent characters (機種依存文字): %(chars)s."),
         _("Replace them with ordinary characters: %(replacement)s."), autofix=True),
    Rule("text.platform_dependent_unmapped", WARNING, _("Vendor-specific characters"),
         _("The cell contains characters from the NEC/IBM extensions of Shift_JIS that have no standard equivalent: %(chars)s."),
         _("Use a standard character (for kanji, the standard form if the name allows it) or describe the character in words."),
         autofix=False),
    Rule("text.halfwidth_kana", WARNING, _("Half-width katakana"),
         _("The cell contains half-width katakana."),
         _("Write the katakana in full width: %(replacement)s."), autofix=True),
    Rule("text.wareki_date", WARNING, _("Japanese-era date"),
         _("The date %(value)s is written in the Japanese era (和暦) without the Western year."),
         _("Write the date as %(replacement)s (YYYY-MM-DD)."), autofix=True),
    Rule("text.wareki_year", WARNING, _("Japanese-era year"),
         _("The year in %(value)s is written in the Japanese era (和暦) without the Western year."),
         _("Write the Western year: %(replacement)s."), autofix=True),
    Rule("text.line_break", INFO, _("Line break in a cell"),
         _("The cell contains a line break."),
         _("Keep one piece of data per cell; put separate items into separate columns or rows."), autofix=False),
    Rule("text.control_characters", WARNING, _("Control characters"),
         _("The cell contains invisible control characters."),
         _("Remove the control characters: %(replacement)s."), autofix=True),
    Rule("text.surrounding_spaces", INFO, _("Spaces around the value"),
         _("The value starts or ends with spaces."),
         _("Remove the spaces: %(replacement)s."), autofix=True),
    Rule("text.excel_error", ERROR, _("Spreadsheet error value"),
         _("The cell holds the spreadsheet error %(value)s instead of data."),
         _("Correct the formula or the data it refers to, then paste the values."), autofix=False),

    # --- numbers -----------------------------------------------------------------------------------------
    Rule("number.unit", WARNING, _("Unit in a number cell"),
         _("The number %(value)s carries the unit %(unit)s in the cell."),
         _("Write only the number (%(replacement)s) and put the unit into the column name, e.g. %(example)s."),
         autofix=True),
    Rule("number.thousands_separator", WARNING, _("Thousands separator"),
         _("The number %(value)s is written with thousands separators."),
         _("Write the number without separators: %(replacement)s."), autofix=True),
    Rule("number.triangle_negative", WARNING, _("▲/△ minus sign"),
         _("The negative number %(value)s is written with ▲ or △."),
         _("Write the minus sign: %(replacement)s."), autofix=True),
    Rule("number.note", WARNING, _("Note in a number cell"),
         _("The number %(value)s carries a note or qualifier in the cell."),
         _("Write only the number and put the note into a separate column or the description."), autofix=False),
    Rule("value.fullwidth", WARNING, _("Full-width digits or letters"),
         _("The value %(value)s is written with full-width digits or letters."),
         _("Write it in half-width characters: %(replacement)s."), autofix=True),
    Rule("value.not_a_number", ERROR, _("Not a number"),
         _("%(field)s must be a number, but the cell holds %(value)s."),
         _("Write a number, or leave the cell empty when it is unknown."), autofix=False),
    Rule("value.negative", ERROR, _("Negative count"),
         _("%(field)s is a count and cannot be negative (%(value)s)."),
         _("Correct the number."), autofix=False),
    Rule("value.total", ERROR, _("Total smaller than its parts"),
         _("%(field)s is %(total)s, less than the sum of %(parts)s (%(sum)s)."),
         _("Correct the total or the parts so that the total is at least their sum."), autofix=False),

    # --- values of standard fields ---------------------------------------------------------------------------
    Rule("value.lgcode_format", ERROR, _("Invalid local government code"),
         _("%(value)s is not a 6-digit local government code (全国地方公共団体コード)."),
         _("Write the 6-digit code in half-width digits, e.g. 372013."), autofix=False),
    Rule("value.lgcode_five_digits", ERROR, _("5-digit local government code"),
         _("The local government code %(value)s has 5 digits; the standard uses 6 digits with a check digit."),
         _("Add the check digit: %(replacement)s."), autofix=True),
    Rule("value.lgcode_leading_zero", ERROR, _("Leading zero lost"),
         _("The local government code %(value)s has lost its leading zero (a spreadsheet read it as a number)."),
         _("Write the code as text with the leading zero: %(replacement)s."), autofix=True),
    Rule("value.lgcode_check_digit", ERROR, _("Wrong check digit"),
         _("The check digit of the local government code %(value)s is wrong; with this check digit the code would be %(expected)s."),
         _("Check the code in the code list (全国地方公共団体コード) and correct it."), autofix=False),
    Rule("value.lgcode_unknown", WARNING, _("Unknown local government code"),
         _("The local government code %(value)s is well formed but not in the code list; it may belong to a municipality that no longer exists."),
         _("Check the code in the current code list (全国地方公共団体コード)."), autofix=False),
    Rule("value.lgcode_mismatch", WARNING, _("Code of another local government"),
         _("The publisher code %(value)s differs from the organisation's code %(expected)s."),
         _("Write the publishing local government's code %(expected)s."), autofix=True),
    Rule("value.id_duplicate", ERROR, _("Duplicate ID"),
         _("The ID %(value)s is also used in row %(first_row)s."),
         _("Give every row its own ID (unique within the publishing local government)."), autofix=False),
    Rule("value.id_format", WARNING, _("ID not alphanumeric"),
         _("The ID %(value)s is not written in half-width letters and digits."),
         _("Use half-width letters and digits only."), autofix=False),
    Rule("value.kana", WARNING, _("Not full-width katakana"),
         _("%(field)s must be full-width katakana, but %(value)s contains %(found)s."),
         _("Write the reading in full-width katakana."), autofix=True),
    Rule("value.name_en", WARNING, _("Japanese in an English name"),
         _("The English name %(value)s contains Japanese characters."),
         _("Write the name in Latin letters (romaji or English)."), autofix=False),
    Rule("value.coordinate_format", ERROR, _("Invalid coordinate"),
         _("%(field)s must be a decimal number of degrees, but the cell holds %(value)s."),
         _("Write decimal degrees in half-width digits, e.g. 34.342778."), autofix=True),
    Rule("value.coordinate_zero", ERROR, _("Zero coordinate"),
         _("The coordinates are 0; 0 is often written for an unknown position."),
         _("Write the real position, or leave latitude and longitude empty when it is unknown."), autofix=True),
    Rule("value.coordinate_outside_japan", ERROR, _("Coordinate outside Japan"),
         _("The position (latitude %(lat)s, longitude %(lon)s) lies outside Japan."),
         _("Check the coordinates; latitude in Japan is about 20–46 and longitude about 122–154."), autofix=False),
    Rule("value.coordinates_swapped", ERROR, _("Latitude and longitude swapped"),
         _("Latitude %(lat)s and longitude %(lon)s appear to be swapped."),
         _("Swap the two values: latitude %(lon)s, longitude %(lat)s."), autofix=True),
    Rule("value.coordinate_outside_area", WARNING, _("Coordinate outside the area"),
         _("The position (latitude %(lat)s, longitude %(lon)s) lies outside %(area)s."),
         _("Check the coordinates; they may be mistyped or in another datum."), autofix=False),
    Rule("value.time_format", ERROR, _("Time not hh:mm"),
         _("%(field)s must be a time written hh:mm, but the cell holds %(value)s."),
         _("Write the time as hh:mm, e.g. 09:00."), autofix=True),
    Rule("value.date_format", ERROR, _("Date not YYYY-MM-DD"),
         _("%(field)s must be a date written YYYY-MM-DD, but the cell holds %(value)s."),
         _("Write the date as YYYY-MM-DD, e.g. 2024-04-01."), autofix=True),
    Rule("value.yes_no", ERROR, _("Not 有/無"),
         _("%(field)s takes 有 or 無, but the cell holds %(value)s."),
         _("Write 有 or 無."), autofix=True),
    Rule("value.flag", ERROR, _("Not 1 or empty"),
         _("%(field)s takes 1 (applies) or an empty cell, but the cell holds %(value)s."),
         _("Write 1 where it applies and leave the cell empty otherwise."), autofix=True),
    Rule("value.phone", WARNING, _("Invalid phone number"),
         _("%(value)s is not a phone number written like 087-839-2611."),
         _("Write one phone number with hyphens in half-width digits; put extensions in their own column."),
         autofix=True),
    Rule("value.postal_code", WARNING, _("Invalid postal code"),
         _("%(value)s is not a postal code written like 760-8571."),
         _("Write the postal code as NNN-NNNN without 〒."), autofix=True),
    Rule("value.url", ERROR, _("Invalid URL"),
         _("%(value)s is not a valid web address (%(reason)s)."),
         _("Write one complete address starting with https:// or http://."), autofix=False),
    Rule("value.url_not_ascii", INFO, _("Non-ASCII characters in a URL"),
         _("The web address %(value)s contains non-ASCII characters."),
         _("Percent-encode the address: %(replacement)s."), autofix=True),
    Rule("value.email", ERROR, _("Invalid e-mail address"),
         _("%(value)s is not a valid e-mail address."),
         _("Write one address in half-width characters, e.g. info@city.example.lg.jp."), autofix=False),
    Rule("value.corporate_number", ERROR, _("Invalid corporate number"),
         _("%(value)s is not a valid 13-digit corporate number (法人番号)."),
         _("Check the number in the corporate number database (法人番号公表サイト)."), autofix=False),
    Rule("value.excel_date", ERROR, _("Value turned into a date"),
         _("%(field)s holds the date %(value)s; a spreadsheet probably turned an address or range such as %(guess)s into a date."),
         _("Restore the original text (e.g. %(guess)s) and format the column as text before typing."),
         autofix=False),
    Rule("value.enum", ERROR, _("Value not in the vocabulary"),
         _("%(field)s takes one of %(allowed)s, but the cell holds %(value)s."),
         _("Use one of the values %(allowed)s."), autofix=True),
    Rule("value.pattern", ERROR, _("Value does not match the format"),
         _("%(value)s does not have the format required for %(field)s."),
         _("Correct the value to the format of the standard."), autofix=False),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
assert len(RULES) == len(_RULES), "duplicate rule id"


def get_rule(rule_id: str) -> Rule:
    return RULES[rule_id]
