"""`hiraku validate FILE`: check a municipal open-data table from the command line.

The same checks as the web upload: machine-readability rules, the
自治体標準オープンデータセット (detected, or chosen with --standard) and the
values of its fields. Text output is Japanese unless --lang en; --format json
prints the full report (both languages).

Exit status: 0 when no error-severity finding exists, 1 when one does, 2 when
the input cannot be read as a table (missing, empty, binary, damaged).
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from hiraku.core.lgcode import is_valid_lgcode
from hiraku.quality.checks import DatasetMeta, validate_file
from hiraku.quality.findings import Report, severity_label
from hiraku.quality.rules import ERROR, INFO, RULES, SEVERITY_ORDER, WARNING
from hiraku.quality.standards import all_standards, get_standard

DEFAULT_SHOWN = 5


class Command(BaseCommand):
    help = "Check a CSV or Excel file against the machine-readability rules and the standard datasets."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV/TSV/XLSX file to check")
        parser.add_argument("--standard", choices=[s.id for s in all_standards()],
                            help="check against this standard dataset instead of detecting one")
        parser.add_argument("--format", choices=("text", "json"), default="text", dest="output_format")
        parser.add_argument("--lgcode", help="the publisher's 6-digit local government code, e.g. 372013")
        parser.add_argument("--lang", choices=("ja", "en"), default="ja", help="language of the text output")
        parser.add_argument("--bbox", help="min_lon,min_lat,max_lon,max_lat the coordinates must fall in")
        parser.add_argument("--license", dest="license_id",
                            help="the dataset's licence id (e.g. cc-by-4.0); enables the licence check")
        parser.add_argument("--name", dest="filename", help="judge the file name as this (default: the file's)")
        parser.add_argument("--show", type=int, default=DEFAULT_SHOWN,
                            help=f"findings listed per rule in text output (default {DEFAULT_SHOWN}; 0 = all kept)")
        parser.add_argument("--max-per-rule", type=int, default=1000,
                            help="findings kept per rule in the report (the total is always counted)")

    def handle(self, *args, **options):
        lgcode = options["lgcode"]
        if lgcode and not is_valid_lgcode(lgcode):
            raise CommandError(f"--lgcode {lgcode!r} is not a valid 6-digit local government code", returncode=2)
        bbox = None
        if options["bbox"]:
            try:
                bbox = tuple(float(v) for v in options["bbox"].split(","))
            except ValueError:
                bbox = ()
            if len(bbox) != 4:
                raise CommandError("--bbox takes four numbers: min_lon,min_lat,max_lon,max_lat", returncode=2)
        dataset = DatasetMeta(license_id=options["license_id"], lgcode=lgcode) if options["license_id"] else None
        standard = get_standard(options["standard"]) if options["standard"] else None
        report = validate_file(options["file"], standard=standard, lgcode=lgcode, dataset=dataset,
                               filename=options["filename"], bbox=bbox, max_per_rule=max(1, options["max_per_rule"]))
        if options["output_format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            with translation.override(options["lang"]):
                self.stdout.write(render_text(report, shown=options["show"]))
        status = report.exit_status
        if status:
            sys.exit(status)


def _stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def render_text(report: Report, shown: int = DEFAULT_SHOWN) -> str:
    """The report for a terminal, in the active language."""
    lines: list[str] = []
    info = report.file
    facts = [f"{info.size:,} B"]
    if info.format:
        facts.append(info.format.upper())
    if info.encoding_label:
        facts.append(info.encoding_label)
    if info.line_endings:
        facts.append(_("line endings %(kind)s") % {"kind": info.line_endings})
    if info.delimiter:
        facts.append(_("delimiter %(delimiter)s") % {"delimiter": {"\t": "TAB"}.get(info.delimiter, info.delimiter)})
    separator = "、" if translation.get_language() == "ja" else ", "
    lines.append(_("File: %(name)s (%(facts)s)") % {"name": info.name, "facts": separator.join(facts)})
    for sheet in info.sheets:
        if sheet.name is None:
            continue
        if sheet.table:
            lines.append("  " + _("Sheet %(name)s: %(rows)s rows, %(columns)s columns") % {
                "name": sheet.name, "rows": f"{sheet.data_rows:,}", "columns": sheet.columns})
        else:
            lines.append("  " + _("Sheet %(name)s: no table") % {"name": sheet.name})
    standard = report.standard
    if standard:
        title = standard["title"] if translation.get_language() == "ja" else standard["title_en"]
        if standard["confidence"] is None:
            how = _("chosen")
        else:
            how = _("match %(percent)s%%") % {"percent": f"{standard['confidence'] * 100:.0f}"}
        lines.append(_("Standard dataset: %(title)s (%(id)s), %(how)s") % {"title": title, "id": standard["id"],
                                                                            "how": how})
    elif report.readable:
        lines.append(_("Standard dataset: not recognised"))
    if report.stars:
        explanation = report.stars.as_dict()["explanation"][translation.get_language() or "ja"]
        lines.append(_("Open data rating: %(stars)s %(explanation)s") % {"stars": _stars(report.stars.stars),
                                                                          "explanation": explanation})
    if report.readable:
        lines.append(_("Rows checked: %(rows)s (%(seconds)s s)") % {"rows": f"{report.rows_checked:,}",
                                                                    "seconds": f"{report.seconds:.2f}"})
    else:
        lines.append(_("The file could not be read as a table."))
    counts = report.findings.severity_counts()
    lines.append(_("Result: %(errors)s errors, %(warnings)s warnings, %(info)s notes") % {
        "errors": f"{counts[ERROR]:,}", "warnings": f"{counts[WARNING]:,}", "info": f"{counts[INFO]:,}"})
    rules = sorted(report.findings.counts, key=lambda r: (SEVERITY_ORDER[RULES[r].severity], r))
    for rule_id in rules:
        rule = RULES[rule_id]
        total = report.findings.counts[rule_id]
        lines.append("")
        lines.append(f"[{severity_label(rule.severity)}] {rule_id} {rule.title} — "
                     + _("%(count)s found") % {"count": f"{total:,}"})
        kept = report.findings.by_rule(rule_id)
        listed = kept if shown <= 0 else kept[:shown]
        for finding in listed:
            where = finding.location()
            value = f": {finding.as_dict()['value']!r}" if finding.value not in (None, "") else ""
            where = where or _("the file")
            lines.append(f"  {where}{value}".rstrip())
            lines.append(f"    {finding.message()}")
            fix = finding.fix()
            if fix:
                suffix = _(" (can be fixed automatically)") if finding.autofix else ""
                lines.append("    → " + fix + suffix)
        if total > len(listed):
            lines.append("  " + _("… and %(count)s more") % {"count": f"{total - len(listed):,}"})
    return "\n".join(lines) + "\n"
