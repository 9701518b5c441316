"""File-level checks and opening a file as tables.

Reading reuses the datastore library: :func:`detect_encoding` (BOM, strict
UTF-8/CP932/EUC-JP), the delimited reader (dialect sniffing, rows with their
line numbers) and :func:`open_sheets` for .xlsx (merged cells filled). This
module adds what validation needs on top:

- the byte-level facts of a text file: BOM, line endings (counted outside
  quoted values, so a line break inside a cell is not a "mixed" ending);
- a scan of each worksheet's XML for merged ranges, formula cells and
  drawings. The scan reads the XML bytes with regular expressions, so it costs
  one pass over the compressed sheet instead of loading the workbook a second
  time without ``data_only``;
- the file-name convention ``<lgcode>_<suffix>.csv`` and the licence.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from hiraku.datastore import delimited, xlsx
from hiraku.datastore.encoding import detect_encoding, sniff_binary
from hiraku.datastore.errors import IngestError

from .findings import FileInfo, Findings
from .stars import DOCUMENT_FORMATS, OPEN_FORMATS, RDF_FORMATS

DELIMITED_FORMATS = {"csv": ",", "tsv": "\t", "txt": None}
XLSX_FORMATS = {"xlsx", "xlsm"}
CALAMINE_FORMATS = {"xls", "ods"}
CHUNK = 1 << 22

# datastore IngestError codes -> rule ids
_INGEST_RULES = {"empty_file": "file.empty", "binary_file": "file.binary", "no_table": "file.no_table"}


def fatal_from_ingest(error: IngestError, findings: Findings, sheet: str | None = None) -> None:
    problem = error.problem
    rule = _INGEST_RULES.get(problem.code)
    if rule == "file.binary":
        findings.add(rule, sheet=sheet, params={"kind": str(problem.params.get("kind", ""))})
    elif rule:
        findings.add(rule, sheet=sheet)
    else:
        detail = problem.message()
        location = problem.location()
        findings.add("file.unreadable", sheet=problem.sheet or sheet, row=problem.row,
                     params={"detail": f"{detail} ({location})" if location else detail})


# --- format --------------------------------------------------------------------------------------------

_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF8", "gif"),
)
_HTML_RE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
                      re.IGNORECASE | re.DOTALL)


def sniff_format(path: Path, declared: str | None = None) -> str:
    """The format to check the file as: the declared one / the extension, corrected by the first bytes."""
    fmt = (declared or path.suffix.lstrip(".") or "csv").lower().lstrip(".")
    with path.open("rb") as fh:
        head = fh.read(4096)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04"):
        if fmt in XLSX_FORMATS or fmt in ("ods", "docx", "pptx", "zip"):
            return fmt
        return "xlsx" if _zip_has(path, "xl/workbook.xml") else "zip"
    if _HTML_RE.match(head.lstrip(codecs.BOM_UTF8)):
        return "html"
    return fmt


def _zip_has(path: Path, name: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return name in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def is_document(fmt: str) -> bool:
    return fmt in DOCUMENT_FORMATS


# --- text files ----------------------------------------------------------------------------------------

_QUOTED = re.compile(rb'"[^"]*"')


def count_line_endings(path: Path, skip_quoted: bool = True) -> dict[str, int]:
    """Record terminators by kind: {"CRLF": n, "LF": n, "CR": n}, ignoring those inside quoted values.

    Also ``"quoted"``: line breaks inside quoted values, and ``"last"``: 1 when the
    file ends with a terminator.

    Quote state is tracked by parity across chunks (an escaped ``""`` counts
    twice and leaves it unchanged). CP932 and UTF-8 never use the bytes of
    CR, LF or the double quote inside a multi-byte character.
    """
    crlf = lf = cr = breaks = 0
    in_quote = False
    carry = b""
    last = b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            if chunk:
                last = chunk[-1:]
            data = carry + chunk
            carry = b""
            if chunk and data.endswith(b"\r"):
                carry, data = b"\r", data[:-1]
            n_crlf, n_lf, n_cr = data.count(b"\r\n"), data.count(b"\n"), data.count(b"\r")
            breaks += n_lf + n_cr - n_crlf
            if skip_quoted and (in_quote or b'"' in data):
                data, in_quote = _outside_quotes(data, in_quote)
                n_crlf, n_lf, n_cr = data.count(b"\r\n"), data.count(b"\n"), data.count(b"\r")
            crlf += n_crlf
            lf += n_lf - n_crlf
            cr += n_cr - n_crlf
            if not chunk:
                break
    return {"CRLF": crlf, "LF": lf, "CR": cr, "quoted": breaks - crlf - lf - cr, "last": int(last in (b"\n", b"\r"))}


def _outside_quotes(data: bytes, in_quote: bool) -> tuple[bytes, bool]:
    if in_quote:
        end = data.find(b'"')
        if end < 0:
            return b"", True
        data = data[end + 1:]
    data = _QUOTED.sub(b"", data)
    start = data.find(b'"')
    if start >= 0:
        return data[:start], True
    return data, False


def line_ending_label(counts: dict[str, int]) -> str | None:
    """CRLF, LF or CR, "mixed", or None for a file of one line."""
    kinds = [k for k in ("CRLF", "LF", "CR") if counts.get(k)]
    if not kinds:
        return None
    return kinds[0] if len(kinds) == 1 else "mixed"


@dataclass
class TextFacts:
    """A delimited file's reading parameters and its record count, for the Arrow fast path."""

    path: Path
    encoding: str
    delimiter: str
    records: int  # records outside quotes, header included
    quoted_breaks: int  # line breaks inside quoted values


@dataclass
class TableSource:
    """One candidate table: rows as (row number, cells) plus what the sheet XML says."""

    sheet: str | None
    rows: Iterator[tuple[int, list[str | None]]]
    text: TextFacts | None = None  # for delimited files: what a second, columnar read needs
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row1, col1, row2, col2)
    formulas: list[tuple[int, int]] = field(default_factory=list)  # (row, col) of the first formula cells
    formula_count: int = 0
    has_drawing: bool = False


def open_delimited(path: Path, fmt: str, info: FileInfo, findings: Findings) -> Iterator[TableSource]:
    """File checks for a text table, then its one table (raises IngestError when unreadable)."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.strip(b" \t\r\n\x1a\xef\xbb\xbf"):
        raise IngestError("empty_file")
    kind = sniff_binary(head)
    if kind:
        raise IngestError("binary_file", kind=kind)
    enc = detect_encoding(path)
    info.encoding, info.encoding_label = enc.encoding, enc.label
    info.bom = head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if enc.encoding not in ("utf-8", "utf-8-sig"):
        findings.add("file.encoding", params={"encoding": enc.label})
    elif info.bom:
        findings.add("file.bom")
    text = None
    if enc.encoding != "utf-16":
        counts = count_line_endings(path)
        info.line_ending_counts = {k: counts[k] for k in ("CRLF", "LF", "CR")}
        info.line_endings = line_ending_label(counts)
        if info.line_endings == "mixed":
            findings.add("file.line_endings_mixed", params={"crlf": counts["CRLF"], "lf": counts["LF"],
                                                            "cr": counts["CR"]})
        elif info.line_endings == "CR":
            findings.add("file.line_endings_cr")
    sample = delimited.read_sample(path, enc.encoding)
    dialect = delimited.sniff_dialect(sample, prefer=DELIMITED_FORMATS.get(fmt))
    info.delimiter = dialect.delimiter
    if fmt == "csv" and dialect.delimiter != ",":
        findings.add("file.delimiter", params={"delimiter": {"\t": "TAB"}.get(dialect.delimiter,
                                                                               dialect.delimiter)})
    if enc.encoding != "utf-16":
        terminators = counts["CRLF"] + counts["LF"] + counts["CR"]
        text = TextFacts(path=path, encoding=enc.encoding, delimiter=dialect.delimiter,
                         records=terminators + (0 if counts["last"] else 1), quoted_breaks=counts["quoted"])
    yield TableSource(sheet=None, rows=delimited.iter_rows(path, enc.encoding, dialect), text=text)


# --- workbooks -----------------------------------------------------------------------------------------

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_FORMULA_CELL_RE = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?<!/)>\s*<(?:\w+:)?f[\s>/]')
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")
_DRAWING_RE = re.compile(rb"<(?:\w+:)?(?:drawing|legacyDrawing)\s")
MAX_MERGES = 100_000
MAX_FORMULA_CELLS = 1000


@dataclass
class SheetScan:
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: list[tuple[int, int]] = field(default_factory=list)
    formula_count: int = 0
    has_drawing: bool = False


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + (ch - 64)
    return n


def col_letters(number: int) -> str:
    out = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        out = chr(65 + rem) + out
    return out


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """sheet name -> path of its XML part, from xl/workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target") or ""
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = str(PurePosixPath("xl") / target)
        targets[rel.get("Id")] = path
    out = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet") or element.tag == "sheet":
            rid = element.get(f"{{{_REL_NS}}}id")
            if element.get("name") is not None and rid in targets:
                out[element.get("name")] = targets[rid]
    return out


def scan_workbook(path: Path) -> dict[str, SheetScan]:
    """Merged ranges, formula cells and drawings of every worksheet, by sheet name."""
    scans: dict[str, SheetScan] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name, part in _sheet_paths(archive).items():
                try:
                    scans[name] = _scan_sheet(archive, part)
                except (KeyError, zipfile.BadZipFile, OSError, EOFError):
                    continue
    except (zipfile.BadZipFile, OSError):
        return {}
    return scans


_CUT_MARKS = (b"<c ", b":c ", b"<row", b":row", b"<mergeCell", b":mergeCell", b"<drawing", b":drawing",
              b"<legacyDrawing", b":legacyDrawing")


def _scan_sheet(archive: zipfile.ZipFile, part: str) -> SheetScan:
    """Stream the sheet XML; each chunk is cut before the last element start the patterns care about."""
    scan = SheetScan()
    tail = b""
    with archive.open(part) as source:
        while True:
            chunk = source.read(1 << 20)
            data = tail + chunk
            if chunk:
                cut = max(data.rfind(mark) for mark in _CUT_MARKS)
                if cut > 0 and data[cut] != 0x3C:  # a prefixed name: back up to its "<"
                    cut = data.rfind(b"<", 0, cut)
                if cut <= 0:
                    cut = len(data) - 4096 if len(data) > (8 << 20) else 0
                region, tail = data[:cut], data[cut:]
            else:
                region, tail = data, b""
            _scan_region(region, scan)
            if not chunk:
                break
    # A single-cell "merge" is not a merge.
    scan.merges = [m for m in scan.merges if (m[0], m[1]) != (m[2], m[3])]
    return scan


def _scan_region(region: bytes, scan: SheetScan) -> None:
    if not region:
        return
    if b"mergeCell" in region:
        for m in _MERGE_RE.finditer(region):
            if len(scan.merges) >= MAX_MERGES:
                break
            c1, r1, c2, r2 = m.groups()
            scan.merges.append((int(r1), col_number(c1), int(r2 or r1), col_number(c2 or c1)))
    n = len(_FORMULA_RE.findall(region))
    if n:
        scan.formula_count += n
        for m in _FORMULA_CELL_RE.finditer(region):
            if len(scan.formulas) >= MAX_FORMULA_CELLS:
                break
            scan.formulas.append((int(m.group(2)), col_number(m.group(1))))
    if not scan.has_drawing and _DRAWING_RE.search(region):
        scan.has_drawing = True


def open_workbook(path: Path, info: FileInfo, findings: Findings, max_sheets: int) -> Iterator[TableSource]:
    """Each worksheet as a table source (at most ``max_sheets``); raises IngestError when unreadable."""
    sheets = xlsx.open_sheets(path)
    first = next(sheets, None)  # the container checks (zip bomb, encryption) run here
    if first is None:
        return
    scans = scan_workbook(path)
    info.sheet_count = len(scans) or None
    total = len(scans)
    if total > max_sheets:
        findings.add("file.too_many_sheets", params={"total": total, "checked": max_sheets})

    for sheet in islice(chain([first], sheets), max_sheets):
        scan = scans.get(sheet.name, SheetScan())
        yield TableSource(sheet=sheet.name, rows=sheet.rows, merges=scan.merges, formulas=scan.formulas,
                          formula_count=scan.formula_count, has_drawing=scan.has_drawing)


def _calamine_facts(path: Path) -> tuple[int, dict[str, list[tuple[int, int, int, int]]]]:
    """(sheet count, merged ranges by sheet) of an .xls/.ods workbook; calamine reports merges for .xls only."""
    import python_calamine as calamine

    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - the row reader reports what is wrong with the file
        return 0, merges
    try:
        for name in workbook.sheet_names:
            try:
                ranges = workbook.get_sheet_by_name(name).merged_cell_ranges or []
            except Exception:  # noqa: BLE001
                continue
            merges[name] = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in ranges
                            if (r1, c1) != (r2, c2)][:MAX_MERGES]
        return len(workbook.sheet_names), merges
    finally:
        workbook.close()


def open_calamine_workbook(path: Path, fmt: str, info: FileInfo, findings: Findings,
                           max_sheets: int) -> Iterator[TableSource]:
    """Each worksheet of an .xls or .ods file (read by python-calamine; formulas cannot be seen there)."""
    from hiraku.datastore import workbooks

    sheets = workbooks.open_sheets(path, fmt)
    first = next(sheets, None)
    if first is None:
        return
    total, merges = _calamine_facts(path)
    info.sheet_count = total or None
    if total > max_sheets:
        findings.add("file.too_many_sheets", params={"total": total, "checked": max_sheets})

    for sheet in islice(chain([first], sheets), max_sheets):
        yield TableSource(sheet=sheet.name, rows=sheet.rows, merges=merges.get(sheet.name, []))


# --- names and licences --------------------------------------------------------------------------------

_NAME_RE = re.compile(r"^(?P<code>\d{6})_(?P<rest>.+)$")


def check_filename(name: str, suffix: str | None, lgcode: str | None, findings: Findings) -> None:
    """The convention ``<6-digit code>_<suffix>.csv``; a date or qualifier may follow the suffix."""
    if not name or not suffix:
        return
    stem, _, ext = name.rpartition(".")
    if not stem:
        stem, ext = name, ""
    m = _NAME_RE.match(stem)
    expected = f"{lgcode}_{suffix}.csv"
    ok = bool(m) and ext.lower() == "csv" and re.fullmatch(
        rf"{re.escape(suffix)}(?:_[0-9A-Za-z\-]+)?", m.group("rest"), re.IGNORECASE) is not None
    if not ok:
        findings.add("file.name", value=name, replacement=expected if lgcode else None,
                     params={"name": name, "suffix": suffix, "expected": expected if lgcode else f"<lgcode>_{suffix}.csv"})
        return
    if lgcode and m.group("code") != lgcode:
        findings.add("file.name_lgcode", value=name, replacement=lgcode + name[6:],
                     params={"found": m.group("code"), "expected": lgcode})


def check_license(meta: Any, findings: Findings) -> bool | None:
    """Whether the dataset's licence is open (None when no dataset was given)."""
    if meta is None:
        return None
    license_id = (getattr(meta, "license_id", None) or "").strip()
    if not license_id or license_id in ("notspecified", "none"):
        findings.add("file.license_missing")
        return False
    from hiraku.catalog.licenses import get_license

    known = get_license(license_id)
    if known is not None and license_id in ("other-closed",):
        findings.add("file.license_not_open", params={"license": known.title})
        return False
    return True


def format_is_tabular(fmt: str) -> bool:
    return fmt in DELIMITED_FORMATS or fmt in XLSX_FORMATS


def format_kind(fmt: str) -> str:
    if fmt in RDF_FORMATS:
        return "rdf"
    if fmt in OPEN_FORMATS:
        return "open"
    if fmt in DOCUMENT_FORMATS:
        return "document"
    return "other"
