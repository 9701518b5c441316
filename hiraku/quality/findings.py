"""Findings and the validation report.

A :class:`Finding` is one problem at one place: a rule id, the sheet, the row
as a person counts it (the line where the record starts in a CSV, the
worksheet row in Excel; the header is row 1 in a well-formed file), the
column header, the value as found and, when it can be computed, the
corrected value (``replacement``). Its message and suggested fix are rendered
from the rule's gettext templates in Japanese and English.

:class:`Findings` keeps at most ``max_per_rule`` findings of each rule (the
first ones in file order) but counts them all, so a file with 100,000 bad
dates reports the true total without a 100,000-entry report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation

from .rules import ERROR, INFO, RULES, SEVERITY_LABELS, SEVERITY_ORDER, WARNING, Rule

MAX_PER_RULE = 1000
VALUE_CHARS = 80
LANGUAGES = ("ja", "en")


def shorten(value: Any, limit: int = VALUE_CHARS) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Params(dict):
    """Template parameters; a name a finding did not supply renders as '…' instead of failing."""

    def __missing__(self, key):
        return "…"


def render(template, params: dict[str, Any], language: str | None = None) -> str:
    def _render() -> str:
        text = str(template)
        return text % _Params(params) if "%(" in text else text

    if language is None:
        return _render()
    with translation.override(language):
        return _render()


@dataclass
class Finding:
    rule: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    column_number: int | None = None  # 1-based position in the table, for columns without a name
    value: str | None = None
    replacement: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def rule_def(self) -> Rule:
        return RULES[self.rule]

    @property
    def severity(self) -> str:
        return self.rule_def.severity

    def _params(self) -> dict[str, Any]:
        params = {"value": self.value if self.value is not None else "", "column": self.column or "",
                  "sheet": self.sheet or "", "column_number": self.column_number or ""}
        if self.replacement is not None:
            params["replacement"] = self.replacement if self.replacement != "" else '""'
        params.update(self.params)
        return {k: (shorten(v) if isinstance(v, str) else v) for k, v in params.items()}

    def message(self, language: str | None = None) -> str:
        return render(self.rule_def.message, self._params(), language)

    def fix(self, language: str | None = None) -> str | None:
        if self.rule_def.fix is None:
            return None
        return render(self.rule_def.fix, self._params(), language)

    @property
    def autofix(self) -> bool:
        """Whether a fix can be applied without a person: the rule allows it and, for rules that
        replace a value, the finding carries the replacement. Encoding, line endings and layout
        (title rows, merged cells, formulas...) are fixed by rewriting the file.
        """
        rule = self.rule_def
        if not rule.autofix:
            return False
        return self.replacement is not None or not rule.replaces

    def location(self, language: str | None = None) -> str:
        from django.utils.translation import gettext

        def _render() -> str:
            parts = []
            if self.sheet:
                parts.append(gettext("sheet %(sheet)s") % {"sheet": self.sheet})
            if self.row is not None:
                parts.append(gettext("row %(row)s") % {"row": self.row})
            if self.column:
                parts.append(gettext("column %(column)s") % {"column": self.column})
            elif self.column_number:
                parts.append(gettext("column %(column)s") % {"column": f"#{self.column_number}"})
            return ("、" if (translation.get_language() or "").startswith("ja") else ", ").join(parts)

        if language is None:
            return _render()
        with translation.override(language):
            return _render()

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "category": self.rule_def.category,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "column_number": self.column_number,
            "value": shorten(self.value),
            "replacement": self.replacement,
            "autofix": self.autofix,
            "params": {k: (v if isinstance(v, int | float | bool | None) else shorten(v))
                       for k, v in self.params.items()},
            "message": {lang: self.message(lang) for lang in LANGUAGES},
            "fix": {lang: self.fix(lang) for lang in LANGUAGES} if self.rule_def.fix is not None else None,
            "location": {lang: self.location(lang) for lang in LANGUAGES},
        }


class Findings:
    """Findings kept per rule (capped) with the true total of each rule."""

    def __init__(self, max_per_rule: int = MAX_PER_RULE):
        self.max_per_rule = max_per_rule
        self.kept: dict[str, list[Finding]] = {}
        self.counts: Counter[str] = Counter()

    def add(self, rule: str, **kwargs) -> Finding | None:
        if rule not in RULES:
            raise KeyError(f"unknown rule {rule!r}")
        self.counts[rule] += 1
        kept = self.kept.setdefault(rule, [])
        if len(kept) >= self.max_per_rule:
            return None
        finding = Finding(rule, **kwargs)
        kept.append(finding)
        return finding

    def wants(self, rule: str) -> bool:
        """False once ``rule`` is at its cap: callers may then only :meth:`count`."""
        return len(self.kept.get(rule, ())) < self.max_per_rule

    def count(self, rule: str, n: int = 1) -> None:
        self.counts[rule] += n

    def merge(self, other: Findings) -> None:
        """Add ``other``'s findings after these (caps still apply; totals add up)."""
        for rule, items in other.kept.items():
            kept = self.kept.setdefault(rule, [])
            kept.extend(items[: max(0, self.max_per_rule - len(kept))])
        self.counts.update(other.counts)

    def __iter__(self):
        yield from self.ordered()

    def __len__(self) -> int:
        return sum(self.counts.values())

    def ordered(self) -> list[Finding]:
        """Kept findings: errors first, then by rule, then in file order."""
        out = []
        for rule in sorted(self.kept, key=lambda r: (SEVERITY_ORDER[RULES[r].severity], r)):
            out.extend(self.kept[rule])
        return out

    def by_rule(self, rule: str) -> list[Finding]:
        return list(self.kept.get(rule, ()))

    def severity_counts(self) -> dict[str, int]:
        totals = {ERROR: 0, WARNING: 0, INFO: 0}
        for rule, n in self.counts.items():
            totals[RULES[rule].severity] += n
        return totals

    @property
    def truncated(self) -> dict[str, int]:
        """rule -> how many findings were counted but not kept."""
        return {rule: n - len(self.kept.get(rule, ())) for rule, n in self.counts.items()
                if n > len(self.kept.get(rule, ()))}


@dataclass
class SheetInfo:
    name: str | None
    header_rows: list[int] = field(default_factory=list)  # row numbers of the header
    data_rows: int = 0
    columns: int = 0
    table: bool = True
    standard: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "header_rows": self.header_rows, "data_rows": self.data_rows,
                "columns": self.columns, "table": self.table, "standard": self.standard}


@dataclass
class FileInfo:
    name: str
    size: int
    format: str | None = None  # csv, tsv, txt, xlsx, xls, pdf ...
    encoding: str | None = None  # Python codec name
    encoding_label: str | None = None
    bom: bool = False
    line_endings: str | None = None  # CRLF, LF, CR, mixed
    line_ending_counts: dict[str, int] | None = None
    delimiter: str | None = None
    sheets: list[SheetInfo] = field(default_factory=list)
    sheet_count: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "size": self.size, "format": self.format, "encoding": self.encoding,
            "encoding_label": self.encoding_label, "bom": self.bom, "line_endings": self.line_endings,
            "line_ending_counts": self.line_ending_counts, "delimiter": self.delimiter,
            "sheet_count": self.sheet_count if self.sheet_count is not None else len(self.sheets),
            "sheets": [s.as_dict() for s in self.sheets],
        }


@dataclass
class Stars:
    """The 5-star open data rating (see :mod:`hiraku.quality.stars`)."""

    stars: int
    reason: str  # a key of stars.REASONS
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        from .stars import REASONS

        return {"stars": self.stars, "reason": self.reason,
                "explanation": {lang: render(REASONS[self.reason], self.params, lang) for lang in LANGUAGES}}


@dataclass
class Report:
    file: FileInfo
    findings: Findings
    readable: bool = True
    standard: dict[str, Any] | None = None  # the main table's standard (detected or forced)
    stars: Stars | None = None
    rows_checked: int = 0
    seconds: float = 0.0

    @property
    def has_errors(self) -> bool:
        return self.findings.severity_counts()[ERROR] > 0

    @property
    def exit_status(self) -> int:
        """2: the input could not be read as a table; 1: errors were found; 0: none."""
        if not self.readable:
            return 2
        return 1 if self.has_errors else 0

    def as_dict(self) -> dict[str, Any]:
        counts = self.findings.severity_counts()
        return {
            "version": 1,
            "file": self.file.as_dict(),
            "readable": self.readable,
            "standard": self.standard,
            "stars": self.stars.as_dict() if self.stars else None,
            "summary": {
                "errors": counts[ERROR], "warnings": counts[WARNING], "info": counts[INFO],
                "findings": len(self.findings),
                "rows_checked": self.rows_checked,
                "seconds": round(self.seconds, 3),
                "rules": dict(sorted(self.findings.counts.items())),
                "truncated": self.findings.truncated,
            },
            "findings": [f.as_dict() for f in self.findings.ordered()],
        }


def severity_label(severity: str, language: str | None = None) -> str:
    return render(SEVERITY_LABELS[severity], {}, language)
