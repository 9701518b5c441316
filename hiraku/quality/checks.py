"""Validate a municipal open-data file: ``validate_file(path, ...) -> Report``.

The engine opens the file with the datastore readers (:mod:`filecheck`),
then for every table (the CSV, or each worksheet):

1. reads the first rows and finds the header (title rows and multi-row
   headers are findings: the header belongs in row 1);
2. checks the header names and recognises the 自治体標準オープンデータセット
   (or applies the one forced by the caller or declared by the dataset),
   mapping each column to a standard field;
3. streams the data rows in batches of :data:`BATCH_ROWS`, watching the
   layout (blank rows, a second table, notes below the table, rows longer or
   shorter than the header) and checking each batch column by column with
   vectorised RE2 passes (:mod:`columns`): notation in every cell
   (:mod:`textcheck`), numbers with units in numeric columns, and the value
   rules of each mapped field's kind (:mod:`valuecheck`), then the checks that
   span columns (coordinates as a pair, totals, unique IDs);
4. adds what the sheet XML says (merged cells, formulas, drawings).

Memory stays flat: only the current batch and the ID set are held.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from hiraku.datastore import header as H
from hiraku.datastore.errors import IngestError

from . import columns as C
from . import filecheck, lgcodes, standards, stars, textcheck
from . import valuecheck as VC
from .findings import MAX_PER_RULE, FileInfo, Findings, Report, SheetInfo
from .rules import RULES

logger = logging.getLogger(__name__)

BATCH_ROWS = 20_000
HEAD_ROWS = H.HEAD_ROWS
MAX_SHEETS = 100
DETECT_MINIMUM = 0.5
AREA_RADIUS_KM = 80.0
URI_RE2 = r"^https?://[^\s]+$"
_NOTE_START_RE = re.compile(r"^\s*(?:※|＊|\*|注|[(（]\s*注|資料|出典|備考|参考|[(（]\s*参考|単位|（単位|\(単位)")
# Columns where a spreadsheet may have turned text into a date: addresses (1-1 番地) and ranges (1-3 歳).
_ADDRESS_FIELD_RE = re.compile(r"所在地|住所|番地|方書|建物|年齢|範囲|address|katagaki|age", re.IGNORECASE)
_ID_HEADERS = frozenset({"id", "uri", "@id", "識別子"})
_SPACES = " \t\r\n\u3000\xa0"
_TEXT_AND_DATE_RE2 = f"{textcheck.SUSPICIOUS_RE2}|{VC.EXCEL_DATE_RE2}"
_TEXT_AND_DATE_JOINED_RE2 = textcheck.joined_form(_TEXT_AND_DATE_RE2)


# --- inputs ----------------------------------------------------------------------------------------------

@dataclass
class DatasetMeta:
    """What the checks use from a catalog dataset (any of these may be missing)."""

    license_id: str | None = None
    lgcode: str | None = None  # the publishing organisation's code
    standard: str | None = None  # the standard_type it declares

    @classmethod
    def from_obj(cls, obj: Any) -> DatasetMeta | None:
        """Accept a DatasetMeta, a mapping or a catalog Dataset (with its organization)."""
        if obj is None or isinstance(obj, DatasetMeta):
            return obj
        if isinstance(obj, Mapping):
            return cls(license_id=obj.get("license_id"), lgcode=obj.get("lgcode"),
                       standard=obj.get("standard") or obj.get("standard_type"))
        organization = getattr(obj, "organization", None)
        return cls(license_id=getattr(obj, "license_id", None),
                   lgcode=getattr(organization, "lgcode", None) or None,
                   standard=getattr(obj, "standard_type", None) or None)


@dataclass(frozen=True)
class Area:
    """Where the data's coordinates should lie: a bounding box, or a radius around a municipality's office."""

    label: str
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    center: tuple[float, float] | None = None  # lat, lon
    radius_km: float = AREA_RADIUS_KM

    @classmethod
    def from_bbox(cls, bbox) -> Area:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
        return cls(label=f"{min_lat:g}–{max_lat:g}N, {min_lon:g}–{max_lon:g}E",
                   bbox=(min_lon, min_lat, max_lon, max_lat))

    @classmethod
    def around(cls, code: str) -> Area | None:
        gov = lgcodes.lookup(code)
        if gov is None or gov.lat is None or not gov.name:
            return None
        return cls(label=f"{AREA_RADIUS_KM:g} km of {gov.full_name}", center=(gov.lat, gov.lon))

    def outside(self, lat: pa.Array, lon: pa.Array) -> pa.BooleanArray:
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            inside = pc.and_(pc.and_(pc.greater_equal(lat, min_lat), pc.less_equal(lat, max_lat)),
                             pc.and_(pc.greater_equal(lon, min_lon), pc.less_equal(lon, max_lon)))
            return pc.invert(inside)
        lat0, lon0 = self.center
        # Equirectangular distance: exact enough at tens of kilometres.
        import math

        dx = pc.multiply(pc.subtract(lon, lon0), 111.32 * math.cos(math.radians(lat0)))
        dy = pc.multiply(pc.subtract(lat, lat0), 110.57)
        distance = pc.sqrt(pc.add(pc.multiply(dx, dx), pc.multiply(dy, dy)))
        return pc.greater(distance, self.radius_km)


@dataclass
class Options:
    standard: Any = None  # a forced Standard
    lgcode: str | None = None
    area: Area | None = None
    filename: str | None = None
    max_sheets: int = MAX_SHEETS


# --- column plans ------------------------------------------------------------------------------------------

@dataclass
class ColumnPlan:
    index: int
    header: str
    field: Any = None  # StandardField
    kind: str | None = None
    generic: bool = False  # kind taken from a field of that name in some standard, not from a detected one
    numeric: bool | None = None  # None: decide from the first batch
    strict: bool = False  # a numeric standard field: text is an error
    count: bool = False
    kana: bool = False
    date: bool = False
    excel_date: bool = False
    checks: list = dc_field(default_factory=list)  # (fast RE2 | None, extra RE2 | None, judge, cache)
    ctx: VC.Context = dc_field(default_factory=VC.Context)
    unique: bool = False  # values must be unique (IDs)
    numeric_initial: bool | None = None
    fast_covers_text: bool = False  # a value of the kind's exact form cannot have a notation problem
    text_cache: dict = dc_field(default_factory=dict)
    uri_possible: bool = True  # every value so far was a URI (for the 4★/5★ rating)
    nonblank: int = 0
    uris: int = 0
    duplicates: int = 0
    hosts: set = dc_field(default_factory=set)

    @property
    def label(self) -> str | None:
        return self.header or None

    def reset(self) -> None:
        """Forget what the data rows taught (a read that is started again)."""
        self.numeric = self.numeric_initial
        self.nonblank = self.uris = self.duplicates = 0
        self.uri_possible = True
        self.hosts = set()
        if self.ctx.six_digit_column is not None:
            self.ctx = replace(self.ctx, six_digit_column=None)


def _generic_kinds() -> dict[str, str]:
    """normalised header -> kind, for names that mean the same kind in every standard that has them."""
    kinds: dict[str, set] = {}
    for std in standards.all_standards():
        for f in std.fields:
            for name in (f.name, *f.aliases):
                kinds.setdefault(standards.normalize_header(name), set()).add(f.kind)
    return {key: next(iter(found)) for key, found in kinds.items()
            if len(found) == 1 and next(iter(found)) not in (None, "text")}


_GENERIC: dict[str, str] | None = None


def generic_kind(header: str) -> str | None:
    global _GENERIC
    if _GENERIC is None:
        _GENERIC = _generic_kinds()
    return _GENERIC.get(standards.normalize_header(header))


def _field_is_numeric(f) -> bool:
    return f.kind == "count" or (f.kind is None and f.type in ("integer", "number"))


def _is_address_like(name: str) -> bool:
    return bool(_ADDRESS_FIELD_RE.search(name or ""))


def build_plan(index: int, header: str, f, opts: Options) -> ColumnPlan:
    plan = ColumnPlan(index=index, header=header, field=f)
    kind = f.kind if f is not None else None
    if f is None and header:
        kind = generic_kind(header)
        plan.generic = kind is not None
    plan.kind = kind
    name = f.name if f is not None else header
    publisher = kind == "lgcode" and not name.startswith("所在地")
    plan.ctx = VC.Context(field_name=name, lgcode=opts.lgcode, publisher_code=publisher and not plan.generic,
                          six_digit_column=None)
    if f is not None and _field_is_numeric(f):
        plan.numeric, plan.strict = True, True
        plan.count = f.kind == "count" or (f.type == "integer" and (getattr(f, "minimum", None) or 0) >= 0)
    elif kind == "count":
        plan.numeric = True
    elif f is not None or kind is not None:
        plan.numeric = False
    plan.kana = kind == "kana"
    plan.date = kind == "date"
    if kind in VC.KINDS:
        check = VC.KINDS[kind]
        plan.checks.append((check.fast, check.extra, check.judge, {}))
        plan.fast_covers_text = check.covers_text
    if f is not None and not plan.generic:
        if f.enum and kind not in ("yes_no", "flag"):
            plan.checks.append((VC.enum_re2(f.enum), None, VC.enum_judge(f.enum), {}))
        elif f.pattern and kind in (None, "text") and not plan.numeric:
            plan.checks.append((None, None, VC.pattern_judge(f.pattern), {}))
    plan.excel_date = (kind in (None, "text") and _is_address_like(name)) or kind == "postal_code"
    plan.unique = kind == "id" or (header or "").strip().casefold() in _ID_HEADERS
    plan.numeric_initial = plan.numeric
    return plan


# --- one table -------------------------------------------------------------------------------------------

def _blank(row: list) -> bool:
    return not any(c and not c.isspace() for c in row)


def _width(row: list) -> int:
    return sum(1 for c in row if c and not c.isspace())


def _trim(row: list) -> list:
    end = len(row)
    while end and (row[end - 1] is None or not str(row[end - 1]).strip()):
        end -= 1
    return row[:end]


class TableChecker:
    def __init__(self, source: filecheck.TableSource, opts: Options, findings: Findings):
        self.source = source
        self.sheet = source.sheet
        self.opts = opts
        self.findings = findings
        self.info = SheetInfo(name=source.sheet)
        self.detection: dict[str, Any] | None = None
        self.standard = None
        self.rows_checked = 0
        self.plans: list[ColumnPlan] = []
        self.ids: dict[int, list[tuple[pa.Array, pa.Array, pa.Array]]] = {}

    # -- helpers
    def add(self, rule: str, row: int | None = None, plan: ColumnPlan | None = None, **kwargs) -> None:
        if plan is not None:
            kwargs.setdefault("column", plan.label)
            kwargs.setdefault("column_number", plan.index + 1)
        self.findings.add(rule, sheet=self.sheet, row=row, **kwargs)

    # -- the pass
    def run(self) -> SheetInfo | None:
        rows = iter(self.source.rows)
        head: list[tuple[int, list]] = []  # non-blank rows from the top: (row number, the row as read)
        trimmed: list[list] = []  # the same rows without trailing empty cells, for header detection
        read: list[tuple[int, list]] = []  # every row read so far after the first non-blank one
        for rownum, raw in rows:
            row = _trim(raw)
            if not row:
                if head:
                    read.append((rownum, raw))
                continue
            head.append((rownum, raw))
            read.append((rownum, raw))
            trimmed.append(row)
            if len(head) >= HEAD_ROWS:
                break
        if not head:
            self._sheet_facts(None, [])
            if self.sheet is not None:
                self.add("structure.empty_sheet", params={"sheet": self.sheet})
            self.info.table = False
            return None
        merged_rows = {r1 for r1, c1, r2, c2 in self.source.merges if c2 > c1}
        positions = {i for i, (rownum, _) in enumerate(head) if rownum in merged_rows}
        info = H.detect_header(trimmed, merged_below=positions)
        names = list(info.names)
        if self.sheet is None and info.has_header:
            # In a CSV the header's own field count (trailing empty names included) defines the columns.
            declared = max(len(head[i][1]) for i in info.header_rows)
            names = (names + [""] * declared)[:declared]
        ncols = len(names)
        header_rownums = [head[i][0] for i in info.header_rows]
        self.info.header_rows = header_rownums
        self.info.columns = ncols
        self._check_layout_above(info, head, header_rownums)
        plans = self._plan_columns(info, names, header_rownums, [head[i] for i in info.header_rows])
        self.plans = plans
        first_data = head[info.data_start][0] if info.data_start < len(head) else None
        last_header = header_rownums[-1] if header_rownums else 0
        if info.has_header:
            data_head = [(r, raw) for r, raw in read if r > last_header]
        else:
            data_head = [(r, raw) for r, raw in read if first_data is not None and r >= first_data]
        if self._columnar_read_possible(info, header_rownums, data_head, len(plans)):
            if self._scan_arrow(plans, names):
                self._sheet_facts(plans, names)
                return self.info
            for plan in plans:
                plan.reset()
            self.ids = {}
        self._scan_rows(plans, names, data_head, rows, header_rownums)
        self._sheet_facts(plans, names)
        return self.info

    def _check_layout_above(self, info, head, header_rownums) -> None:
        if not info.has_header:
            self.add("structure.no_header", row=head[info.data_start][0] if info.data_start < len(head) else None)
            return
        first = header_rownums[0]
        if info.title_rows:
            self.add("structure.title_rows", row=head[info.title_rows[0]][0],
                     params={"count": len(info.title_rows), "header_row": first})
        elif first > 1:
            self.add("structure.header_not_first_row", row=first, params={"header_row": first})
        if len(header_rownums) > 1:
            example = next((n for n in info.names if " / " in n), info.names[0])
            self.add("structure.multi_row_header", row=first,
                     params={"count": len(header_rownums), "rows": f"{header_rownums[0]}–{header_rownums[-1]}",
                             "example": example.replace(" / ", "_")})

    # -- header and standard
    def _plan_columns(self, info, names: list[str], header_rownums: list[int],
                      header_cells: list[tuple[int, list]]) -> list[ColumnPlan]:
        header_row = header_rownums[-1] if header_rownums else None
        if not info.has_header:
            return [build_plan(i, "", None, self.opts) for i in range(len(names))]
        stripped = [n.strip() for n in names]
        for rownum, cells in header_cells:
            for i, cell in enumerate(cells):
                text = "" if cell is None else str(cell)
                column = stripped[i] if i < len(stripped) else None
                fixed = _clean_header(text)
                if fixed != text and fixed:
                    self.add("header.spacing", row=rownum, column=column, column_number=i + 1, value=text,
                             replacement=fixed)
                for rule, replacement, params in textcheck.text_issues(text) if text else ():
                    if rule not in ("text.surrounding_spaces", "text.line_break"):
                        self.add(rule, row=rownum, column=column, column_number=i + 1, value=text,
                                 replacement=replacement, params=dict(params))
        counts = Counter(n for n in stripped if n)
        seen: Counter = Counter()
        for i, name in enumerate(stripped):
            if not name:
                continue
            seen[name] += 1
            if counts[name] > 1 and seen[name] > 1:
                self.add("header.duplicate", row=header_row, column=name, column_number=i + 1, value=name,
                         params={"count": counts[name]})
        fields = self._recognise(names, header_row)
        plans = [build_plan(i, stripped[i], fields.get(i), self.opts) for i in range(len(names))]
        return plans

    def _recognise(self, names: list[str], header_row: int | None) -> dict[int, Any]:
        forced = self.opts.standard
        if forced is not None:
            mapping, unknown = map_to_standard(forced, names)
            matched = set(mapping.values())
            missing_required = [f.name for f in forced.fields
                                if f.level == "required" and not getattr(f, "legacy", False) and f.name not in matched]
            missing_recommended = [f.name for f in forced.fields if f.level == "recommended"
                                   and not getattr(f, "legacy", False) and f.name not in matched]
            standard, confidence = forced, None
        else:
            detection = standards.detect(names, filename=self.opts.filename, minimum=DETECT_MINIMUM)
            if detection is None:
                self.add("standard.not_detected", row=header_row)
                return {}
            standard, confidence = detection.standard, detection.confidence
            mapping, unknown = detection.mapping, detection.unknown_headers
            missing_required, missing_recommended = detection.missing_required, detection.missing_recommended
        self.standard = standard
        self.detection = {
            "id": standard.id, "title": standard.title, "title_en": standard.title_en,
            "confidence": round(confidence, 3) if confidence is not None else None,
            "forced": forced is not None, "mapping": dict(mapping),
            "missing_required": list(missing_required), "missing_recommended": list(missing_recommended),
            "unknown_headers": list(unknown),
        }
        self.info.standard = self.detection
        by_name = {f.name: f for f in standard.fields}
        fields: dict[int, Any] = {}
        used: set[str] = set()
        for i, name in enumerate(names):
            official = mapping.get(name)
            if official is None or official in used or official not in by_name:
                continue
            used.add(official)
            fields[i] = by_name[official]
            if name.strip() != official:
                self.add("header.variant", row=header_row, column=name.strip(), column_number=i + 1,
                         value=name.strip(), replacement=official, params={"field": official})
        title = standard.title
        for name in unknown:
            i = names.index(name) if name in names else None
            self.add("header.unknown", row=header_row, column=name.strip(),
                     column_number=(i + 1) if i is not None else None, value=name.strip(),
                     params={"standard": title})
        for name in missing_required:
            self.add("standard.missing_required_column", column=name, params={"field": name, "standard": title})
        for name in missing_recommended:
            self.add("standard.missing_recommended_column", column=name, params={"field": name, "standard": title})
        return fields

    # -- data rows
    # -- the columnar read: clean delimited files straight into Arrow
    def _columnar_read_possible(self, info, header_rownums, data_head, ncols: int) -> bool:
        """A CSV whose first rows are regular: one header row in row 1, no blank or short rows, no quoted line breaks.

        Then record n is line n, and the file can be parsed by Arrow's CSV
        reader in batches; anything irregular later makes :meth:`_scan_arrow`
        give up, and the row-by-row reader takes over.
        """
        text = self.source.text
        if text is None or text.quoted_breaks or not info.has_header or header_rownums != [1] or ncols < 1:
            return False
        expected = 2
        for rownum, raw in data_head:
            if rownum != expected or len(raw) != ncols or _blank(raw):
                return False
            if ncols >= 3 and _width(raw) == 1 and raw[0] and raw[0].strip():
                return False
            expected += 1
        return True

    def _scan_arrow(self, plans: list[ColumnPlan], names: list[str]) -> bool:
        """Check the data rows from Arrow batches; False (findings discarded) when the file is not regular after all."""
        import pyarrow.csv as pacsv

        text = self.source.text
        ncols = len(plans)
        invalid: list[int] = []

        def on_invalid(row) -> str:
            invalid.append(row.number or 0)
            return "skip"

        encoding = "utf8" if text.encoding in ("utf-8", "utf-8-sig") else text.encoding
        column_names = [f"c{i}" for i in range(ncols)]
        try:
            reader = pacsv.open_csv(
                text.path,
                read_options=pacsv.ReadOptions(skip_rows=1, column_names=column_names, block_size=1 << 24,
                                               encoding=encoding),
                parse_options=pacsv.ParseOptions(delimiter=text.delimiter, quote_char='"', double_quote=True,
                                                 escape_char=False, newlines_in_values=False,
                                                 ignore_empty_lines=False, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in column_names},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, LookupError, UnicodeError):
            return False
        main = self.findings
        self.findings = Findings(max_per_rule=main.max_per_rule)
        rownum = 2
        ok = True
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                if invalid:
                    ok = False
                    break
                n = batch.num_rows
                if not n:
                    continue
                arrays = [batch.column(i) for i in range(ncols)]
                presents = [C.nonblank(arr) for arr in arrays]
                if not self._regular(arrays, presents, names):
                    ok = False
                    break
                self._check_arrays(plans, list(range(rownum, rownum + n)), arrays, presents)
                rownum += n
            if ok and not invalid:
                self._report_duplicate_ids(plans)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, UnicodeError):
            ok = False
        finally:
            attempt, self.findings = self.findings, main
        data_rows = rownum - 2
        if not ok or invalid or data_rows + 1 != text.records:
            return False
        main.merge(attempt)
        self.info.data_rows = data_rows
        self.rows_checked += data_rows
        return True

    @staticmethod
    def _regular(arrays: list[pa.Array], presents: list[pa.Array], names: list[str]) -> bool:
        """No blank rows, no single-cell rows (notes, titles) and no repeated header in this batch."""
        empty = pc.invert(presents[0])
        for present in presents[1:]:
            empty = pc.and_(empty, pc.invert(present))
        if len(presents) >= 3:
            rest_empty = pc.invert(presents[1])
            for present in presents[2:]:
                rest_empty = pc.and_(rest_empty, pc.invert(present))
            if C.count(pc.or_(empty, rest_empty)):
                return False
        elif C.count(empty):
            return False
        if names and names[0] and C.count(pc.equal(arrays[0], names[0])):
            repeated = pc.equal(arrays[0], names[0])
            for arr, name in zip(arrays[1:], names[1:], strict=False):
                repeated = pc.and_(repeated, pc.equal(arr, name))
            if C.count(pc.fill_null(repeated, False)):
                return False
        return True

    # -- the row-by-row read
    def _scan_rows(self, plans, names, data_head, rows: Iterator, header_rownums) -> None:
        ncols = len(plans)
        csv = self.sheet is None
        header_cells = [n for n in names]
        first_header = header_cells[0] if header_cells else None
        batch_rows: list[list] = []
        batch_nums: list[int] = []
        gap: list[int] = []  # blank rows since the last data row
        narrow: list[tuple[int, list]] = []  # single-cell rows held back: data, notes or a new title
        narrow_after_gap = False
        data_rows = 0

        def flush():
            nonlocal batch_rows, batch_nums
            if batch_rows:
                self._check_batch(plans, batch_nums, batch_rows)
                batch_rows, batch_nums = [], []

        def accept(rownum: int, row: list) -> None:
            nonlocal data_rows
            n = len(row)
            if n != ncols:
                if n > ncols:
                    extra = row[ncols:]
                    if any(c and not str(c).isspace() for c in extra):
                        self.add("structure.ragged_row", row=rownum,
                                 params={"count": ncols + len(_trim(extra)), "expected": ncols})
                    row = row[:ncols]
                else:
                    if csv:
                        self.add("structure.short_row", row=rownum, params={"count": n, "expected": ncols})
                    row = row + [None] * (ncols - n)
            batch_rows.append(row)
            batch_nums.append(rownum)
            data_rows += 1
            if len(batch_rows) >= BATCH_ROWS:
                flush()

        def source():
            yield from data_head
            yield from rows

        for rownum, row in source():
            if csv:
                tail_text = "".join(row[1:]) if len(row) > 1 else ""
                first_text = row[0] if row else ""
                if not tail_text.strip():
                    if not first_text.strip():
                        gap.append(rownum)
                        continue
                    if ncols >= 3:
                        if not narrow:
                            narrow_after_gap = bool(gap) and data_rows > 0
                        narrow.append((rownum, row))
                        continue
            else:
                if _blank(row):
                    gap.append(rownum)
                    continue
                if ncols >= 3 and _width(row) == 1 and row[0] is not None and str(row[0]).strip():
                    if not narrow:
                        narrow_after_gap = bool(gap) and data_rows > 0
                    narrow.append((rownum, row))
                    continue
            # A wide row: settle what was held back.
            if narrow:
                if narrow_after_gap:
                    self.add("structure.multiple_tables", row=narrow[0][0])
                for r in gap:
                    if r < narrow[0][0]:
                        self.add("structure.blank_row", row=r)
                for item in narrow:
                    accept(*item)
                gap = [r for r in gap if r > narrow[0][0]]
                narrow = []
            if gap:
                for r in gap:
                    self.add("structure.blank_row", row=r)
                gap = []
            if first_header is not None and row and row[0] == first_header and first_header and \
                    [c or "" for c in row[:ncols]] == [c or "" for c in header_cells]:
                self.add("structure.multiple_tables", row=rownum)
                continue
            accept(rownum, row)
        # The end of the table: held-back single cells are notes when they look like notes.
        if narrow:
            notes = [(r, row) for r, row in narrow if _looks_like_note(row) or narrow_after_gap]
            if len(notes) == len(narrow):
                for r, _row in notes:
                    self.add("structure.notes_below", row=r)
            else:
                for item in narrow:
                    accept(*item)
        if csv and gap:
            # Trailing records of empty fields (",,,,") are rows a program will read.
            for r in gap:
                self.add("structure.blank_row", row=r)
        flush()
        self._report_duplicate_ids(plans)
        self.info.data_rows = data_rows
        self.rows_checked += data_rows
        if data_rows == 0 and self.sheet is not None and not header_rownums:
            self.info.table = False

    # -- one batch, column by column
    def _check_batch(self, plans: list[ColumnPlan], nums: list[int], rows: list[list]) -> None:
        columns = list(zip(*rows, strict=True)) if rows else []
        self._check_arrays(plans, nums, [C.to_array(values) for values in columns])

    def _check_arrays(self, plans: list[ColumnPlan], nums: list[int], columns: list[pa.Array],
                      presents: list[pa.Array] | None = None) -> None:
        arrays: dict[int, pa.Array] = {}
        valid_numbers: dict[int, pa.Array] = {}
        accepted: dict[int, pa.Array] = {}
        for plan, arr in zip(plans, columns, strict=True):
            arrays[plan.index] = arr
            present = presents[plan.index] if presents is not None else C.nonblank(arr)
            n_present = C.count(present)
            plan.nonblank += n_present
            if _must_fill(plan):
                self._required_missing(plan, present, nums, len(arr) - n_present)
            if n_present == 0:
                continue
            if plan.numeric is None:
                plan.numeric = _profile_numeric(arr, present, n_present)
            if plan.kind == "lgcode" and plan.ctx.six_digit_column is None:
                six = C.count(C.matches(arr, r"^[0-9]{6}$"))
                plan.ctx = replace(plan.ctx, six_digit_column=six > C.count(C.matches(arr, r"^[0-9]{5}$")))
            # One pass accepts the cells that are certainly fine (a plain number, a value of the kind's
            # exact form): over the joined column when it is entirely fine, else cell by cell. Only the
            # rest is examined further, so a clean column costs one search.
            values = arr if n_present == len(arr) else arr.filter(present)
            rest = None  # cells the first pass did not accept (None: no first pass, or all accepted)
            clean = False
            first_fast = plan.checks[0][0] if plan.checks else None
            if plan.numeric:
                pattern = textcheck.COUNT_RE2 if plan.count else textcheck.PLAIN_NUMBER_RE2
                if C.all_match(values, C.body(pattern)):
                    valid_numbers[plan.index], clean = present, True
                else:
                    valid_numbers[plan.index] = C.matches(arr, pattern)
                    rest = C.and_not(present, valid_numbers[plan.index])
            elif first_fast is not None and plan.fast_covers_text:
                if C.all_match(values, C.body(first_fast)):
                    accepted[plan.index], clean = present, True
                else:
                    accepted[plan.index] = C.matches(arr, first_fast)
                    rest = C.and_not(present, accepted[plan.index])
            if not clean:
                self._text_checks(plan, arr, nums, rest, values)
            if plan.numeric and rest is not None:
                self._number_checks(plan, arr, rest, nums)
            for k, (fast, extra, judge, cache) in enumerate(plan.checks):
                if fast is None:
                    candidates = present
                elif k == 0 and plan.index in accepted:
                    candidates = rest
                elif C.body(fast) and C.all_match(values, C.body(fast)):
                    candidates = None
                else:
                    candidates = C.and_not(present, C.matches(arr, fast))
                if extra is not None and not C.none_match(values, "(?m)" + extra):
                    doubtful = pc.and_(present, C.matches(arr, extra))
                    candidates = doubtful if candidates is None else pc.or_(candidates, doubtful)
                if candidates is None:
                    continue
                for hit in _examine(arr, candidates, judge, plan.ctx, cache):
                    self._emit(plan, nums[hit.index], hit.value, hit.issue)
            if plan.unique:
                self._unique_ids(plan, arr, present, nums)
            if plan.uri_possible:
                self._uri_stats(plan, arr, n_present)
        self._coordinate_pairs(plans, arrays, nums, accepted)
        self._totals(plans, arrays, valid_numbers, nums)

    def _uri_stats(self, plan: ColumnPlan, arr: pa.Array, n_present: int) -> None:
        """Count URIs while every value of the column has been one (a sample decides most columns at once)."""
        sample = arr.slice(0, 64)
        if C.count(C.matches(sample, URI_RE2)) < C.count(C.nonblank(sample)):
            plan.uri_possible = False
            return
        uri = C.matches(arr, URI_RE2)
        n_uri = C.count(uri)
        plan.uri_possible = n_uri == n_present
        plan.uris += n_uri
        if len(plan.hosts) < 20:
            for value in arr.filter(uri).slice(0, 20).to_pylist():
                try:
                    plan.hosts.add(urlsplit(value).hostname or "")
                except ValueError:
                    continue

    def _emit(self, plan: ColumnPlan, rownum: int, value: str, issue) -> None:
        rule, replacement, params = issue
        if not self.findings.wants(rule):
            self.findings.count(rule)
            return
        self.add(rule, row=rownum, plan=plan, value=value, replacement=replacement, params=dict(params))

    def _candidates(self, arr: pa.Array, pattern: str, within: pa.Array | None) -> tuple[list[int], list[str]]:
        """(positions, values) of the cells matching ``pattern``, looking only ``within`` a mask when given."""
        if within is None:
            mask = C.matches(arr, pattern)
            if not C.count(mask):
                return [], []
            return C.indices(mask), arr.filter(mask).to_pylist()
        if not C.count(within):
            return [], []
        positions = C.indices(within)
        sub = arr.filter(within)
        mask = C.matches(sub, pattern)
        if not C.count(mask):
            return [], []
        return [positions[i] for i in C.indices(mask)], sub.filter(mask).to_pylist()

    def _text_checks(self, plan: ColumnPlan, arr: pa.Array, nums: list[int], within: pa.Array | None,
                     present_values: pa.Array) -> None:
        pattern = _TEXT_AND_DATE_RE2 if plan.excel_date else textcheck.SUSPICIOUS_RE2
        if within is None and C.none_match(present_values, _TEXT_AND_DATE_JOINED_RE2 if plan.excel_date
                                           else textcheck.SUSPICIOUS_JOINED_RE2):
            return
        positions, values = self._candidates(arr, pattern, within)
        cache = plan.text_cache
        for i, value in zip(positions, values, strict=True):
            try:
                issues = cache[value]
            except KeyError:
                issues = textcheck.text_issues(value, plan.kana, plan.date)
                if plan.excel_date:
                    damage = VC.judge_excel_date(value, plan.ctx)
                    if damage is not None:
                        issues = (*issues, damage)
                cache[value] = issues
            for issue in issues:
                self._emit(plan, nums[i], value, issue)

    def _number_checks(self, plan: ColumnPlan, arr: pa.Array, rest: pa.Array, nums: list[int]) -> None:
        if not C.count(rest):
            return
        header = plan.header or (plan.field.name if plan.field is not None else "")
        name = plan.field.name if plan.field is not None else header
        for i, value in zip(C.indices(rest), arr.filter(rest).to_pylist(), strict=True):
            if not plan.strict and textcheck.is_null_marker(value):
                continue
            issue = textcheck.number_issue(value, header, plan.strict, plan.count)
            if issue is not None:
                rule, replacement, params = issue
                self._emit(plan, nums[i], value, (rule, replacement, {**params, "field": name}))

    def _required_missing(self, plan: ColumnPlan, present: pa.Array, nums: list[int], n: int) -> None:
        if not n:
            return
        missing = pc.invert(present)
        rule = "standard.required_value_missing"
        room = max(0, self.findings.max_per_rule - len(self.findings.by_rule(rule)))
        positions = C.indices(missing)[:room] if room else []
        for i in positions:
            self.add(rule, row=nums[i], plan=plan, params={"field": plan.field.name})
        if n > len(positions):
            self.findings.count(rule, n - len(positions))

    def _unique_ids(self, plan: ColumnPlan, arr: pa.Array, present: pa.Array, nums: list[int]) -> None:
        """Keep the column's IDs with their row numbers; duplicates are found once the table is read."""
        chunks = self.ids.setdefault(plan.index, [])
        rows = pa.array(nums, pa.int64())
        chunks.append((pc.utf8_trim_whitespace(arr.filter(present)), rows.filter(present), arr.filter(present)))

    def _report_duplicate_ids(self, plans: list[ColumnPlan]) -> None:
        """Every repeated ID after its first row: one grouped pass over all IDs of the column."""
        for plan in plans:
            chunks = self.ids.get(plan.index)
            if not chunks:
                continue
            keys = pa.concat_arrays([c[0] for c in chunks])
            rows = pa.concat_arrays([c[1] for c in chunks])
            originals = pa.concat_arrays([c[2] for c in chunks])
            counts = pc.value_counts(keys)
            repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
            if not len(repeated):
                continue
            mask = pc.is_in(keys, value_set=repeated)
            table = pa.table({"key": keys.filter(mask), "row": rows.filter(mask), "value": originals.filter(mask)})
            table = table.sort_by("row")
            first: dict[str, int] = {}
            for key, row, value in zip(table.column("key").to_pylist(), table.column("row").to_pylist(),
                                       table.column("value").to_pylist(), strict=True):
                if key in first:
                    plan.duplicates += 1
                    self._emit(plan, row, value, ("value.id_duplicate", None, {"first_row": first[key]}))
                else:
                    first[key] = row
        self.ids = {}

    def _coordinate_pairs(self, plans, arrays, nums, accepted) -> None:
        lat_plan = next((p for p in plans if p.kind == "latitude"), None)
        lon_plan = next((p for p in plans if p.kind == "longitude"), None)
        if lat_plan is None or lon_plan is None:
            return
        lat_arr, lon_arr = arrays[lat_plan.index], arrays[lon_plan.index]
        lat_ok = accepted.get(lat_plan.index)
        lon_ok = accepted.get(lon_plan.index)
        ok = pc.and_(lat_ok if lat_ok is not None else C.matches(lat_arr, VC.COORDINATE_RE2),
                     lon_ok if lon_ok is not None else C.matches(lon_arr, VC.COORDINATE_RE2))
        if not C.count(ok):
            return
        lat = C.as_float(lat_arr, ok)
        lon = C.as_float(lon_arr, ok)
        zero = pc.fill_null(pc.or_(pc.equal(lat, 0.0), pc.equal(lon, 0.0)), False)
        in_lat = pc.and_(pc.greater_equal(lat, VC.LAT_RANGE[0]), pc.less_equal(lat, VC.LAT_RANGE[1]))
        in_lon = pc.and_(pc.greater_equal(lon, VC.LON_RANGE[0]), pc.less_equal(lon, VC.LON_RANGE[1]))
        inside = pc.fill_null(pc.and_(in_lat, in_lon), False)
        swapped = pc.fill_null(pc.and_(
            pc.and_(pc.greater_equal(lon, VC.LAT_RANGE[0]), pc.less_equal(lon, VC.LAT_RANGE[1])),
            pc.and_(pc.greater_equal(lat, VC.LON_RANGE[0]), pc.less_equal(lat, VC.LON_RANGE[1]))), False)
        outside = C.and_not(C.and_not(C.and_not(ok, inside), zero), swapped)
        lat_text, lon_text = lat_arr, lon_arr

        def emit(mask, rule, replacement=None):
            if not C.count(mask):
                return
            positions = C.indices(mask)
            lats = lat_text.take(pa.array(positions, pa.int64())).to_pylist()
            lons = lon_text.take(pa.array(positions, pa.int64())).to_pylist()
            for i, a, b in zip(positions, lats, lons, strict=True):
                value = f"{a}, {b}"
                self._emit(lat_plan, nums[i], value, (rule, replacement(a, b) if replacement else None,
                                                       {"lat": a, "lon": b, "area": area_label}))

        area_label = self.opts.area.label if self.opts.area else ""
        emit(pc.and_(ok, zero), "value.coordinate_zero", lambda a, b: "")
        emit(swapped, "value.coordinates_swapped", lambda a, b: f"{b}, {a}")
        emit(outside, "value.coordinate_outside_japan")
        if self.opts.area is not None:
            away = pc.fill_null(pc.and_(inside, self.opts.area.outside(lat, lon)), False)
            emit(away, "value.coordinate_outside_area")

    def _totals(self, plans, arrays, valid_numbers, nums) -> None:
        by_field = {p.field.name: p for p in plans if p.field is not None and not p.generic}
        for plan in plans:
            f = plan.field
            if f is None or plan.generic or not getattr(f, "total_of", None):
                continue
            parts = [by_field[name] for name in f.total_of if name in by_field]
            if not parts or plan.index not in valid_numbers:
                continue
            total = C.as_float(arrays[plan.index], valid_numbers[plan.index])
            part_values = [C.as_float(arrays[p.index], valid_numbers[p.index]) for p in parts
                           if p.index in valid_numbers]
            if not part_values:
                continue
            summed = part_values[0].fill_null(0)
            any_part = pc.is_valid(part_values[0])
            for values in part_values[1:]:
                summed = pc.add(summed, values.fill_null(0))
                any_part = pc.or_(any_part, pc.is_valid(values))
            bad = pc.fill_null(pc.and_(pc.and_(pc.is_valid(total), any_part), pc.less(total, summed)), False)
            if not C.count(bad):
                continue
            names = "+".join(p.field.name for p in parts)
            positions = C.indices(bad)
            totals = total.take(pa.array(positions, pa.int64())).to_pylist()
            sums = summed.take(pa.array(positions, pa.int64())).to_pylist()
            for i, t, s in zip(positions, totals, sums, strict=True):
                self._emit(plan, nums[i], _num(t), ("value.total", None,
                                                    {"field": f.name, "total": _num(t), "parts": names,
                                                     "sum": _num(s)}))

    # -- what the sheet XML says, and columns without data
    def _sheet_facts(self, plans: list[ColumnPlan] | None, names: list[str]) -> None:
        src = self.source
        header_row = self.info.header_rows[-1] if self.info.header_rows else None
        for r1, c1, r2, c2 in src.merges:
            column = names[c1 - 1].strip() if plans and c1 - 1 < len(names) and names[c1 - 1] else None
            cell_range = f"{filecheck.col_letters(c1)}{r1}:{filecheck.col_letters(c2)}{r2}"
            self.add("structure.merged_cells", row=r1, column=column, column_number=c1,
                     params={"range": cell_range})
        for r, c in src.formulas:
            column = names[c - 1].strip() if plans and c - 1 < len(names) and names[c - 1] else None
            self.add("structure.formulas", row=r, column=column, column_number=c,
                     params={"cell": f"{filecheck.col_letters(c)}{r}"})
        if src.formula_count > len(src.formulas):
            self.findings.count("structure.formulas", src.formula_count - len(src.formulas))
        if src.has_drawing:
            self.add("structure.objects", params={"sheet": self.sheet or ""})
        if not plans:
            return
        for plan in plans:
            if plan.nonblank == 0 and not plan.header:
                self.add("structure.blank_column", row=header_row, column_number=plan.index + 1)
            elif plan.nonblank and not plan.header and self.info.header_rows:
                self.add("header.blank", row=header_row, column_number=plan.index + 1)

    def uri_columns(self) -> tuple[str | None, str | None]:
        """(identifier column whose every value is a distinct URI, another column linking to other hosts)."""
        id_plans = [p for p in self.plans if p.unique and p.nonblank and p.uris == p.nonblank and not p.duplicates]
        if not id_plans:
            return None, None
        ids = id_plans[0]
        for plan in self.plans:
            if plan is ids or not plan.nonblank or plan.uris != plan.nonblank:
                continue
            if plan.hosts - ids.hosts:
                return ids.label or f"#{ids.index + 1}", plan.label or f"#{plan.index + 1}"
        return ids.label or f"#{ids.index + 1}", None


def _must_fill(plan: ColumnPlan) -> bool:
    """A ◎ field whose empty cells are findings (flags use the empty cell to mean "no")."""
    return (plan.field is not None and not plan.generic and plan.field.level == "required"
            and plan.kind != "flag")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _clean_header(name: str) -> str:
    """A header without layout spaces: trimmed, no line breaks or ideographic spaces, one space between Latin words."""
    text = name.strip(" \t\r\n\u3000")

    def keep(m: re.Match) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if before.isascii() and after.isascii() and before.isalnum() and after.isalnum():
            return " "  # between Latin words (telephone　number → telephone number)
        return ""

    return re.sub(r"[\s\u3000]+", keep, text)


def _looks_like_note(row: list) -> bool:
    text = str(row[0] or "")
    return bool(_NOTE_START_RE.match(text)) or len(text) > 30


def _profile_numeric(arr: pa.Array, present: pa.Array, n_present: int) -> bool:
    markers = C.count(pc.and_(present, C.matches(arr, textcheck.NULL_MARKER_RE2)))
    effective = n_present - markers
    if effective <= 0:
        return False
    plain = C.count(C.matches(arr, textcheck.PLAIN_NUMBER_RE2))
    decorated = C.count(C.and_not(C.matches(arr, textcheck.DECORATED_RE2), C.matches(arr, textcheck.PLAIN_NUMBER_RE2)))
    return plain + decorated >= 0.8 * effective and decorated > 0


def _examine(arr, candidates, judge, ctx, cache) -> list[C.Hit]:
    if not C.count(candidates):
        return []
    distinct = pc.unique(arr.filter(candidates)).to_pylist()
    bad = {}
    for value in distinct:
        try:
            issue = cache[value]
        except KeyError:
            # Surrounding spaces are reported by the text checks; judge the value itself.
            issue = cache[value] = judge(value.strip(_SPACES), ctx)
        if issue is not None:
            bad[value] = issue
    if not bad:
        return []
    mask = pc.and_(candidates, pc.is_in(arr, value_set=pa.array(list(bad), pa.string())))
    positions = C.indices(mask)
    values = arr.take(pa.array(positions, pa.int64())).to_pylist()
    return [C.Hit(i, v, bad[v]) for i, v in zip(positions, values, strict=True)]


def map_to_standard(standard, names: list[str]) -> tuple[dict[str, str], list[str]]:
    """(header -> official field name, unknown headers) for a standard chosen by the caller."""
    mapper = getattr(standards, "map_headers", None)
    if mapper is not None:
        return mapper(standard, names)
    lookup: dict[str, str] = {}
    for f in standard.fields:
        for name in (f.name, *f.aliases):
            lookup.setdefault(standards.normalize_header(name), f.name)
    mapping, unknown, used = {}, [], set()
    for name in names:
        key = standards.normalize_header(name)
        if not key:
            continue
        official = lookup.get(key)
        if official and official not in used:
            mapping[name] = official
            used.add(official)
        else:
            unknown.append(name)
    return mapping, unknown


# --- the file --------------------------------------------------------------------------------------------

def validate_file(path: str | Path, *, standard: str | Any = None, lgcode: str | None = None,
                  dataset: Any = None, filename: str | None = None, format: str | None = None,
                  bbox: tuple[float, float, float, float] | None = None, max_per_rule: int = MAX_PER_RULE,
                  max_sheets: int = MAX_SHEETS) -> Report:
    """Check the file at ``path`` and return a :class:`Report` (it never raises for bad input).

    ``standard``: a standard id or Standard to apply instead of detecting one
    (default: the dataset's declared standard type, else detection);
    ``lgcode``: the publishing organisation's code (default: the dataset's);
    ``dataset``: catalog metadata (a Dataset, a mapping or :class:`DatasetMeta`)
    enabling the licence check; ``filename``: the name to judge (uploads are
    stored under other names); ``format``: the declared format (default: the
    extension); ``bbox``: (min_lon, min_lat, max_lon, max_lat) the coordinates
    should fall in (default: 80 km around the office of ``lgcode``).
    """
    started = time.perf_counter()
    path = Path(path)
    meta = DatasetMeta.from_obj(dataset)
    findings = Findings(max_per_rule=max_per_rule)
    display_name = filename or path.name
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    info = FileInfo(name=display_name, size=size)
    report = Report(file=info, findings=findings)
    lgcode = lgcode or (meta.lgcode if meta else None)
    standard_id = standard if standard is not None else (meta.standard if meta else None)
    forced = standards.get_standard(standard_id) if isinstance(standard_id, str) and standard_id else standard_id
    area = Area.from_bbox(bbox) if bbox else (Area.around(lgcode) if lgcode else None)
    opts = Options(standard=forced, lgcode=lgcode, area=area, filename=display_name, max_sheets=max_sheets)
    license_open = filecheck.check_license(meta, findings)

    fmt = _safe_format(path, format, findings)
    info.format = fmt
    uri_column = link_column = None
    if fmt is not None:
        checkers: list[TableChecker] = []
        try:
            _check_tables(path, fmt, info, opts, findings, checkers)
        except IngestError as exc:
            filecheck.fatal_from_ingest(exc, findings)
        except (OSError, MemoryError) as exc:
            findings.add("file.unreadable", params={"detail": str(exc)})
        except Exception as exc:  # noqa: BLE001 - a report, never a traceback, whatever the input
            logger.exception("validation of %s failed", display_name)
            findings.add("file.unreadable", params={"detail": f"{type(exc).__name__}: {exc}"})
        tables = [c for c in checkers if c.info.table]
        if checkers and not tables and not any(_is_fatal(r) for r in findings.counts):
            findings.add("file.no_table")
        report.rows_checked = sum(c.rows_checked for c in checkers)
        main = _main_table(tables)
        if main is not None and main.detection is not None:
            report.standard = main.detection
            std = main.standard
            filecheck.check_filename(display_name, std.filename_suffix, lgcode, findings)
            if fmt != "csv":
                findings.add("file.not_csv", params={"format": fmt.upper()})
        if main is not None:
            uri_column, link_column = _uri_columns(main)
    report.readable = fmt is not None and not any(_is_fatal(rule) for rule in findings.counts)
    if fmt is None:
        report.stars = None
    elif report.readable:
        report.stars = stars.rate(fmt, license_open=license_open, uri_column=uri_column, link_column=link_column)
    else:
        # What cannot be read as data is at most "on the web" (1★).
        report.stars = stars.rate("pdf" if license_open is not False else fmt, license_open=license_open)
        report.stars.params["format"] = (fmt or "?").upper()
    report.seconds = time.perf_counter() - started
    return report


def _is_fatal(rule: str) -> bool:
    return RULES[rule].fatal


def _safe_format(path: Path, declared: str | None, findings: Findings) -> str | None:
    try:
        if not path.is_file():
            findings.add("file.unreadable", params={"detail": f"{path.name}: not a file"})
            return None
        if path.stat().st_size == 0:
            findings.add("file.empty")
            return (declared or path.suffix.lstrip(".") or "csv").lower()
        return filecheck.sniff_format(path, declared)
    except OSError as exc:
        findings.add("file.unreadable", params={"detail": str(exc)})
        return None


def _check_tables(path: Path, fmt: str, info: FileInfo, opts: Options, findings: Findings,
                  checkers: list[TableChecker]) -> None:
    """Check every table of the file, appending a :class:`TableChecker` per table to ``checkers``."""
    if findings.counts.get("file.empty"):
        return
    if fmt == "html":
        findings.add("file.html")
        return
    if fmt in filecheck.DELIMITED_FORMATS:
        sources = filecheck.open_delimited(path, fmt, info, findings)
    elif fmt in filecheck.XLSX_FORMATS:
        sources = filecheck.open_workbook(path, info, findings, opts.max_sheets)
    elif fmt in filecheck.CALAMINE_FORMATS:
        sources = filecheck.open_calamine_workbook(path, fmt, info, findings, opts.max_sheets)
    elif filecheck.is_document(fmt) or fmt == "zip":
        findings.add("file.binary", params={"kind": _DOCUMENT_KINDS.get(fmt, fmt.upper())})
        return
    else:
        findings.add("file.unsupported_format", params={"format": fmt.upper()})
        return
    for source in sources:
        checker = TableChecker(source, opts, findings)
        checkers.append(checker)
        try:
            checker.run()
        except IngestError as exc:
            filecheck.fatal_from_ingest(exc, findings, sheet=source.sheet)
            checker.info.table = checker.info.data_rows > 0
        info.sheets.append(checker.info)


_DOCUMENT_KINDS = {"pdf": "PDF", "doc": "Word", "docx": "Word", "png": "PNG", "jpg": "JPEG", "jpeg": "JPEG",
                   "gif": "GIF", "zip": "ZIP"}


def _main_table(tables: list[TableChecker]) -> TableChecker | None:
    if not tables:
        return None
    with_standard = [t for t in tables if t.detection is not None]
    if with_standard:
        return max(with_standard, key=lambda t: (t.detection["confidence"] or 1.0, t.info.data_rows))
    return max(tables, key=lambda t: t.info.data_rows)


def _uri_columns(table: TableChecker) -> tuple[str | None, str | None]:
    return table.uri_columns()
