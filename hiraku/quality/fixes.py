"""Automatic fixes: the standard-conformant CSV that a checked file can become without a person.

``plan_fix(path, ...) -> FixPlan`` validates the file (:func:`checks.validate_file`)
and works out, without writing anything, the normalised table of its main
table (the CSV, or the worksheet holding the standard dataset):

- the header is one row of the official column names of the recognised
  standard (unknown columns keep their name, cleaned only where a header
  finding carries a replacement);
- title rows and blank rows above the header, blank rows inside the table and
  empty unnamed columns are removed; short rows are padded;
- every finding that has an automatic fix and carries a ``replacement`` is
  applied to its cell. Nothing else is changed: values without such a finding
  are written exactly as read.

The plan lists every change (row, column, before, after, the rules and their
reasons in Japanese and English), counts them per rule, and says what could
not be fixed automatically. :func:`write_fixed_csv` then writes the table as
UTF-8 with a BOM and CRLF line endings, which Excel opens correctly.

The file is read as a stream three times at most (checking, planning,
writing); only the changes are held in memory.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hiraku.datastore import header as H

from . import chars, checks, filecheck
from .findings import FileInfo, Finding, Findings, Report, render
from .rules import INFO, RULES

# Findings kept per rule while planning: every change must be known, not only the first thousand.
MAX_FINDINGS = 5_000_000

_SPACES = " \t\u3000\xa0\r\n"


def _wareki(value: str) -> str:
    found = chars.classify_wareki(value)
    return found[1] if found else value


def _clean_header(value: str) -> str:
    clean = getattr(checks, "_clean_header", None)
    return clean(value) if clean is not None else value.strip(_SPACES)


# Character-level fixes that can be applied on top of another fix of the same cell, in this order.
_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "text.platform_dependent": chars.replace_platform_dependent,
    "text.halfwidth_kana": chars.halfwidth_kana_to_fullwidth,
    "text.wareki_date": _wareki,
    "text.wareki_year": _wareki,
    "header.spacing": _clean_header,
    "text.surrounding_spaces": lambda v: v.strip(_SPACES),
}

# Rules the rewrite itself fixes (encoding, layout); they need no replacement value.
_REWRITE_RULES = frozenset({
    "file.encoding", "file.line_endings_mixed", "file.line_endings_cr", "file.delimiter",
    "structure.title_rows", "structure.header_not_first_row", "structure.multi_row_header",
    "structure.blank_row", "structure.blank_column", "structure.short_row", "structure.merged_cells",
    "structure.formulas", "structure.empty_sheet",
})
# Not a problem to fix (the written file keeps a BOM on purpose).
_IGNORED_RULES = frozenset({"file.bom"})


def rule_title(rule: str, language: str) -> str:
    return render(RULES[rule].title, {}, language)


class _Reasons:
    """Why an edit is made: the titles of its ``rules`` (a field of the dataclass), per language."""

    rules: tuple[str, ...]

    def reason(self, language: str) -> str:
        return ("、" if language == "ja" else "; ").join(rule_title(r, language) for r in self.rules)

    @property
    def reason_ja(self) -> str:
        return self.reason("ja")

    @property
    def reason_en(self) -> str:
        return self.reason("en")


@dataclass
class Change(_Reasons):
    """One cell that the fix changes."""

    row: int  # the row in the original file (sheet row, or the line the CSV record starts on)
    column: str  # the column's name in the fixed file
    column_number: int  # 1-based position in the original table
    old: str
    new: str
    rules: tuple[str, ...]

    @property
    def rule(self) -> str:
        return self.rules[0]


@dataclass
class HeaderRename(_Reasons):
    column_number: int
    old: str
    new: str
    rules: tuple[str, ...]


@dataclass
class Unfixed:
    """Findings of one rule that the fix leaves as they are."""

    rule: str
    count: int

    @property
    def severity(self) -> str:
        return RULES[self.rule].severity

    def title(self, language: str) -> str:
        return rule_title(self.rule, language)

    @property
    def title_ja(self) -> str:
        return self.title("ja")

    @property
    def title_en(self) -> str:
        return self.title("en")


@dataclass
class FixPlan:
    path: Path
    format: str | None
    readable: bool
    sheet: str | None = None  # the worksheet that becomes the CSV (None for a text file)
    other_sheets: list[str] = field(default_factory=list)  # worksheets with tables that are left out
    standard: dict[str, Any] | None = None
    source_header: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # the fixed header (kept columns only)
    header_rows: list[int] = field(default_factory=list)
    kept_columns: list[int] = field(default_factory=list)  # 0-based positions of the columns written
    removed_columns: list[int] = field(default_factory=list)  # 1-based positions
    removed_rows: list[int] = field(default_factory=list)  # rows above the header and blank rows
    header_renames: list[HeaderRename] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # rule -> cells / rows / files it fixes
    rewrite: list[str] = field(default_factory=list)  # file-level and layout rules the rewrite fixes
    unfixed: list[Unfixed] = field(default_factory=list)
    data_rows: int = 0
    report_counts: dict[str, int] = field(default_factory=dict)  # the validation's findings per rule
    _cells: dict[int, dict[int, str]] = field(default_factory=dict, repr=False)  # row -> 0-based col -> new

    @property
    def is_empty(self) -> bool:
        """Nothing to fix: the file is already as the fix would write it (apart from BOM and line endings)."""
        return not (self.changes or self.header_renames or self.removed_rows or self.removed_columns
                    or self.rewrite)

    @property
    def total_changes(self) -> int:
        return len(self.changes) + len(self.header_renames)

    def counts_by_rule(self) -> list[tuple[str, int, str, str]]:
        """(rule, count, Japanese title, English title), most frequent first."""
        return [(rule, n, rule_title(rule, "ja"), rule_title(rule, "en"))
                for rule, n in sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))]

    def rows(self) -> Iterator[list[str]]:
        """The fixed table: the header, then every data row with its fixes applied."""
        if not self.readable:
            return
        yield list(self.header)
        cells = self._cells
        kept = self.kept_columns
        width = len(self.source_header)
        every = kept == list(range(width))
        for rownum, row in _data_rows(self):
            if len(row) != width or not every or None in row:
                out = [row[i] if i < len(row) and row[i] is not None else "" for i in kept]
                out = [v if isinstance(v, str) else str(v) for v in out]
                if len(row) > width:  # values beyond the header are kept (a finding nobody can fix alone)
                    extra = [("" if v is None else str(v)) for v in row[width:]]
                    while extra and not extra[-1].strip():
                        extra.pop()
                    out.extend(extra)
            else:
                out = [v if isinstance(v, str) else str(v) for v in row]
            fixed = cells.get(rownum)
            if fixed:
                for i, new in fixed.items():
                    out[kept.index(i) if not every else i] = new
            yield out


# --- planning ----------------------------------------------------------------------------------------------

def plan_fix(path: str | Path, *, standard: Any = None, lgcode: str | None = None, filename: str | None = None,
             format: str | None = None, dataset: Any = None) -> FixPlan:
    """Work out the fixed table of the file at ``path`` without writing anything."""
    path = Path(path)
    report = checks.validate_file(path, standard=standard, lgcode=lgcode, filename=filename, format=format,
                                  dataset=dataset, max_per_rule=MAX_FINDINGS)
    plan = FixPlan(path=path, format=report.file.format, readable=report.readable,
                   report_counts=dict(report.findings.counts))
    main = _main_sheet(report)
    if not report.readable or main is None or not main.header_rows:
        plan.readable = False
        plan.unfixed = _unfixed(report, Counter(), set())
        return plan
    plan.sheet = main.name
    plan.other_sheets = [s.name for s in report.file.sheets if s.table and s is not main and s.name]
    plan.standard = main.standard or report.standard
    plan.header_rows = list(main.header_rows)
    found = _header_names(plan)
    if found is None:
        plan.readable = False
        plan.unfixed = _unfixed(report, Counter(), set())
        return plan
    cells, names = found
    plan.source_header = cells

    mine = [f for f in report.findings.ordered() if f.sheet == plan.sheet]
    blank_columns = {f.column_number for f in mine if f.rule == "structure.blank_column" and f.column_number}
    plan.kept_columns = [i for i in range(len(names)) if (i + 1) not in blank_columns]
    plan.removed_columns = sorted(blank_columns)
    applied: Counter = Counter()
    used: set[int] = set()  # id() of findings applied
    last_header = plan.header_rows[-1]

    # Cell findings with a replacement, by place.
    by_row: dict[int, dict[int, list[Finding]]] = {}
    header_cells: dict[int, list[Finding]] = {}
    for f in mine:
        if f.row is None or not f.column_number or f.replacement is None or not f.autofix:
            continue
        if not RULES[f.rule].replaces or f.rule.startswith("file."):
            continue
        if f.row > last_header:
            by_row.setdefault(f.row, {}).setdefault(f.column_number - 1, []).append(f)
        elif f.row in plan.header_rows:
            header_cells.setdefault(f.column_number - 1, []).append(f)

    # The header: official names where the standard maps the column, cleaned names elsewhere.
    mapping = (plan.standard or {}).get("mapping") or {}
    for i in plan.kept_columns:
        old = cells[i]
        fixes = header_cells.get(i, [])
        official = mapping.get(names[i])
        if official is None:
            official = mapping.get(names[i].strip())
        rules: list[str] = []
        if official is not None:
            new = official
            for f in fixes:
                used.add(id(f))
                rules.append(f.rule)
            variant = next((f for f in fixes if f.rule == "header.variant"), None)
            if variant is None and new != old.strip():
                rules.append("header.variant")
        elif len(plan.header_rows) > 1:
            new = old.replace(" / ", "_")
            for f in fixes:
                new = _TRANSFORMS.get(f.rule, lambda v: v)(new)
                used.add(id(f))
                rules.append(f.rule)
        else:
            new = _compose(old, [f for f in fixes if f.value == old])
            for f in fixes:
                if f.value == old:
                    used.add(id(f))
                    rules.append(f.rule)
        plan.header.append(new)
        if new != old:
            if not rules:
                rules = ["structure.multi_row_header"] if len(plan.header_rows) > 1 else ["header.spacing"]
            rules = list(dict.fromkeys(rules))
            plan.header_renames.append(HeaderRename(i + 1, old, new, tuple(rules)))
            for rule in rules:
                applied[rule] += 1

    # The data: walk the rows once, checking each finding against the cell it names.
    kept = set(plan.kept_columns)
    header_of = dict(zip(plan.kept_columns, plan.header, strict=True))
    removed_rows = plan.removed_rows
    for rownum, row in _all_rows(plan):
        if rownum <= last_header:
            if rownum not in plan.header_rows:
                removed_rows.append(rownum)
            continue
        if _blank(row):
            removed_rows.append(rownum)
            applied["structure.blank_row"] += 1
            continue
        plan.data_rows += 1
        places = by_row.pop(rownum, None)
        if not places:
            continue
        for i, fixes in sorted(places.items()):
            value = row[i] if i < len(row) else None
            value = "" if value is None else str(value)
            fixes = [f for f in fixes if f.value == value]
            if not fixes or i not in kept:
                continue
            new = _compose(value, fixes)
            rules = tuple(dict.fromkeys(f.rule for f in fixes))
            for f in fixes:
                used.add(id(f))
            if new == value:
                continue
            for rule in rules:
                applied[rule] += 1
            plan._cells.setdefault(rownum, {})[i] = new
            plan.changes.append(Change(rownum, header_of[i], i + 1, value, new, rules))
    if plan.removed_columns:
        applied["structure.blank_column"] += len(plan.removed_columns)
    # Layout and file-level problems the rewrite removes.
    counts = report.findings.counts
    for rule in sorted(_REWRITE_RULES):
        if counts.get(rule) and rule not in ("structure.blank_row", "structure.blank_column"):
            plan.rewrite.append(rule)
            applied[rule] = applied.get(rule) or counts[rule]
    if report.file.format not in ("csv",) and report.file.format:
        plan.rewrite.append("file.not_csv")
        applied["file.not_csv"] = 1
    plan.counts = Counter({rule: n for rule, n in applied.items() if n})
    plan.unfixed = _unfixed(report, plan.counts, used)
    return plan


def _unfixed(report: Report, applied: Counter, used: set[int]) -> list[Unfixed]:
    """Per rule, the findings that the plan does not resolve."""
    out = []
    for rule, total in sorted(report.findings.counts.items()):
        if rule in _IGNORED_RULES or rule in _REWRITE_RULES or rule == "file.not_csv":
            continue
        if RULES[rule].replaces:
            done = sum(1 for f in report.findings.by_rule(rule) if id(f) in used)
        else:
            done = 0
        left = total - done
        if left > 0:
            out.append(Unfixed(rule, left))
    out.sort(key=lambda u: ({"error": 0, "warning": 1, INFO: 2}[u.severity], u.rule))
    return out


def _compose(value: str, fixes: list[Finding]) -> str:
    """The cell after all its fixes: one replacement as it is; several combined."""
    if not fixes:
        return value
    if len(fixes) == 1:
        return fixes[0].replacement
    whole = [f for f in fixes if f.rule not in _TRANSFORMS]
    result = whole[0].replacement if whole else value
    rules = {f.rule for f in fixes}
    for rule, transform in _TRANSFORMS.items():
        if rule in rules:
            result = transform(result)
    return result


def _main_sheet(report: Report):
    tables = [s for s in report.file.sheets if s.table]
    if not tables:
        return None
    with_standard = [s for s in tables if s.standard is not None]
    if with_standard:
        return max(with_standard, key=lambda s: ((s.standard or {}).get("confidence") or 1.0, s.data_rows))
    return max(tables, key=lambda s: s.data_rows)


def _blank(row: list) -> bool:
    return not any(c is not None and str(c).strip(_SPACES) for c in row)


def _sources(plan: FixPlan) -> Iterator[filecheck.TableSource]:
    info = FileInfo(name=plan.path.name, size=0)
    scratch = Findings(max_per_rule=1)
    if plan.format in filecheck.DELIMITED_FORMATS:
        yield from filecheck.open_delimited(plan.path, plan.format, info, scratch)
    elif plan.format in filecheck.XLSX_FORMATS:
        yield from filecheck.open_workbook(plan.path, info, scratch, checks.MAX_SHEETS)


def _all_rows(plan: FixPlan, want_source: list | None = None) -> Iterator[tuple[int, list]]:
    """The rows of the plan's table; the workbook stays open while they are read."""
    sources = _sources(plan)
    try:
        for source in sources:
            if source.sheet == plan.sheet:
                if want_source is not None:
                    want_source.append(source)
                yield from source.rows
                return
    finally:
        sources.close()


def _data_rows(plan: FixPlan) -> Iterator[tuple[int, list]]:
    last_header = plan.header_rows[-1]
    for rownum, row in _all_rows(plan):
        if rownum <= last_header or _blank(row):
            continue
        yield rownum, row


def _header_names(plan: FixPlan) -> tuple[list[str], list[str]] | None:
    """(the header cells as written, the names the checker mapped): one per column.

    For a header over several rows both are the joined names.
    """
    found: list = []
    head: list[tuple[int, list]] = []
    trimmed: list[list] = []
    rows = _all_rows(plan, found)
    try:
        for rownum, raw in rows:
            row = list(raw)
            while row and (row[-1] is None or not str(row[-1]).strip()):
                row.pop()
            if not row:
                continue
            head.append((rownum, raw))
            trimmed.append(row)
            if len(head) >= H.HEAD_ROWS:
                break
    finally:
        rows.close()
    if not head:
        return None
    source = found[0]
    merged_rows = {r1 for r1, c1, r2, c2 in source.merges if c2 > c1}
    positions = {i for i, (rownum, _) in enumerate(head) if rownum in merged_rows}
    info = H.detect_header(trimmed, merged_below=positions)
    if not info.has_header or [head[i][0] for i in info.header_rows] != plan.header_rows:
        return None
    names = list(info.names)
    if plan.sheet is None:
        declared = max(len(head[i][1]) for i in info.header_rows)
        names = (names + [""] * declared)[:declared]
    if len(info.header_rows) == 1:
        # One header row: compare with the cells as written (the names above are trimmed).
        raw = head[info.header_rows[0]][1]
        return ["" if i >= len(raw) or raw[i] is None else str(raw[i]) for i in range(len(names))], names
    return names, names


# --- writing -----------------------------------------------------------------------------------------------

def write_fixed_csv(plan: FixPlan, target) -> str:
    """Write the fixed table to ``target`` (a path or a binary file) as UTF-8 with a BOM and CRLF.

    Returns the ``sha256:<hex>`` of what was written.
    """
    if not plan.readable:
        raise ValueError("the file cannot be read as a table")
    if hasattr(target, "write"):
        return _write(plan, target)
    with open(target, "wb") as fh:
        return _write(plan, fh)


class _HashingWriter:
    def __init__(self, fh):
        self.fh = fh
        self.digest = hashlib.sha256()

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.fh.write(data)


def _write(plan: FixPlan, fh) -> str:
    out = _HashingWriter(fh)
    out.write("\ufeff")
    buffer = _LineBuffer()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in plan.rows():
        writer.writerow(row)
        if buffer.size >= 1 << 16:
            out.write(buffer.take())
    out.write(buffer.take())
    return f"sha256:{out.digest.hexdigest()}"


class _LineBuffer:
    def __init__(self):
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts, self.size = [], 0
        return text
