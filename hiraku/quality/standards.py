"""Japan's 自治体標準オープンデータセット as Table Schemas, and recognising them from a header row.

Each standard dataset type is one Frictionless Table Schema in ``schemas/<id>.json``
with a ``hiraku`` object on every field (level, kind, aliases, total_of; see
README.md). This module loads them once and answers two questions for the
checks engine:

- which standard does a table follow, judging by its header row (and file
  name)? -> :func:`rank` / :func:`detect`
- which of its columns is which official field? -> ``Detection.mapping``

Headers are compared after :func:`normalize_header`, so 名称（カナ）/名称(カナ),
名称＿英語/名称_英語 or ``telephone　number``/``telephoneNumber`` are the same
name. A field is matched by its official name or any alias: old 推奨 headers
(住所, 方書, NO, 多機能トイレ数 …) and IMI-style English headers.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path, PurePath

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

LEVELS = ("required", "recommended", "optional")
TYPES = frozenset({"string", "integer", "number", "date", "time", "boolean"})
KINDS = frozenset({
    "lgcode", "id", "kana", "name_en", "latitude", "longitude", "time", "date", "yes_no", "flag", "count",
    "phone", "postal_code", "url", "email", "corporate_number", "text",
})
SCHEMA_KEYS = ("name", "title", "title_en", "filename_suffix", "fields")

# Scoring (see rank()).
LEVEL_WEIGHT = {"required": 3.0, "recommended": 2.0, "optional": 1.0}
COMMON_SHARE = 4  # fields that this many standards (or more) have carry no distinctive evidence
EVIDENCE_TARGET = 3.0  # distinctive evidence that opens the gate fully (one ◎ field of its own is 4.2)
GATE_FLOOR = 0.25  # the gate when there is no distinctive evidence at all
UNKNOWN_HEADER_INFO = 1.0  # information of a header no standard knows
FILENAME_EVIDENCE = EVIDENCE_TARGET  # a matching file-name suffix opens the gate by itself


# --------------------------------------------------------------------------- header names

_SEPARATORS = str.maketrans({c: "_" for c in "-‐‑‒–—―−~〜〰・"} | {"、": ",", "､": ","})
_INVISIBLE_RE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_REPEATED_SEP_RE = re.compile(r"_+")
_TRAILING_QUALIFIER_RE = re.compile(r"\([^()]*\)$")


def normalize_header(text: str) -> str:
    """A comparison key for a header cell, so that spelling variants compare equal.

    NFKC (full-width letters, digits and brackets become half-width: （）→(),
    ＿→_), case-folded, whitespace and line breaks removed (also the ideographic
    space and a stray BOM), the separators - ‐ – — − ~ 〜 ・ unified to ``_`` and
    、 to ``,``, repeated ``_`` collapsed, and required-markers (``*``, ``※``)
    and a trailing ``.`` dropped. The katakana long-vowel mark ー is kept.
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    s = _INVISIBLE_RE.sub("", s)
    s = s.translate(_SEPARATORS)
    s = _REPEATED_SEP_RE.sub("_", s)
    s = s.strip("_").rstrip("*※.").lstrip("*※")
    return s


def _without_qualifier(key: str) -> str | None:
    """'問い合わせ先(市の担当課)' -> '問い合わせ先'; None when there is nothing to strip."""
    stripped = _TRAILING_QUALIFIER_RE.sub("", key).rstrip("_")
    return stripped if stripped and stripped != key else None


# --------------------------------------------------------------------------- schema objects

@dataclass(frozen=True, repr=False)
class StandardField:
    name: str  # the official Japanese header
    title_en: str
    type: str  # Table Schema type: string, integer, number, date, time, boolean
    level: str  # required (◎), recommended (○) or optional (blank)
    kind: str | None  # what the value is (see KINDS); None for plain numbers
    aliases: tuple[str, ...]
    enum: tuple[str, ...] | None
    pattern: str | None
    total_of: tuple[str, ...]
    legacy: bool = False  # only in the old 推奨 sheet (e.g. 都道府県名)
    minimum: float | None = None
    description: str = ""

    def __repr__(self) -> str:
        return f"StandardField({self.name!r}, {self.level}, {self.kind})"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(normalize_header(n) for n in self.names)


@dataclass(frozen=True, repr=False)
class Standard:
    id: str
    title: str
    title_en: str
    filename_suffix: str
    fields: tuple[StandardField, ...]
    description: str = ""

    def __repr__(self) -> str:
        return f"Standard({self.id!r})"

    def field(self, name: str) -> StandardField:
        """The field with this official name (KeyError otherwise)."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{self.id} has no field {name!r}") from None

    def resolve(self, header: str) -> StandardField | None:
        """The field a header names (official name or alias, after normalisation)."""
        key = normalize_header(header)
        hit = self._lookup.get(key)
        if hit is None and (short := _without_qualifier(key)):
            hit = self._lookup.get(short)
        return hit[0] if hit else None

    @property
    def required_fields(self) -> tuple[StandardField, ...]:
        return tuple(f for f in self.fields if f.level == "required" and not f.legacy)

    @property
    def recommended_fields(self) -> tuple[StandardField, ...]:
        return tuple(f for f in self.fields if f.level == "recommended" and not f.legacy)

    @cached_property
    def _by_name(self) -> dict[str, StandardField]:
        return {f.name: f for f in self.fields}

    @cached_property
    def _lookup(self) -> dict[str, tuple[StandardField, int]]:
        """normalised name -> (field, priority); 0 is the official name, then aliases in order."""
        table: dict[str, tuple[StandardField, int]] = {}
        for f in self.fields:
            for priority, name in enumerate(f.names):
                key = normalize_header(name)
                if key in table and table[key][0] is not f:
                    raise ValueError(
                        f"{self.id}: header {name!r} would name both {table[key][0].name!r} and {f.name!r}")
                if key not in table:
                    table[key] = (f, priority)
        return table


def _field_from_json(sid: str, raw: dict) -> StandardField:
    ext = raw.get("hiraku") or {}
    constraints = raw.get("constraints") or {}
    name = raw["name"]
    level = ext.get("level")
    kind = ext.get("kind")
    if level not in LEVELS:
        raise ValueError(f"{sid}.{name}: level {level!r} is not one of {LEVELS}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"{sid}.{name}: kind {kind!r} is unknown")
    if raw.get("type") not in TYPES:
        raise ValueError(f"{sid}.{name}: type {raw.get('type')!r} is unknown")
    if bool(constraints.get("required")) != (level == "required" and kind != "flag"):
        raise ValueError(f"{sid}.{name}: constraints.required must match level (flags excepted)")
    enum = constraints.get("enum")
    return StandardField(
        name=name,
        title_en=raw.get("title_en", ""),
        type=raw["type"],
        level=level,
        kind=kind,
        aliases=tuple(ext.get("aliases", ())),
        enum=tuple(str(v) for v in enum) if enum else None,
        pattern=constraints.get("pattern"),
        total_of=tuple(ext.get("total_of", ())),
        legacy=bool(ext.get("legacy", False)),
        minimum=constraints.get("minimum"),
        description=raw.get("description", ""),
    )


def load_standard(path: Path) -> Standard:
    """Read and check one schema file (ValueError when it is not well formed)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in SCHEMA_KEYS if k not in raw]
    if missing:
        raise ValueError(f"{path.name}: missing {', '.join(missing)}")
    sid = raw["name"]
    if sid != path.stem:
        raise ValueError(f"{path.name}: name {sid!r} does not match the file name")
    fields = tuple(_field_from_json(sid, f) for f in raw["fields"])
    std = Standard(
        id=sid,
        title=raw["title"],
        title_en=raw["title_en"],
        filename_suffix=raw["filename_suffix"],
        fields=fields,
        description=raw.get("description", ""),
    )
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise ValueError(f"{sid}: duplicate field names")
    for f in fields:
        for part in f.total_of:
            if part not in std._by_name:
                raise ValueError(f"{sid}.{f.name}: total_of names unknown field {part!r}")
    std._lookup  # noqa: B018 - builds the alias table now, so collisions fail at load time
    return std


@cache
def _load_all() -> tuple[Standard, ...]:
    return tuple(load_standard(p) for p in sorted(SCHEMA_DIR.glob("*.json")))


def all_standards() -> list[Standard]:
    """Every standard, ordered by id (loaded once)."""
    return list(_load_all())


# Slugs of the catalog's standard types (a dataset's standard_type, hiraku.catalog.standards)
# that differ from the schema's name; both name the same standard.
CATALOG_SLUGS = {"population": "population_by_area_age", "fire_hydrant": "fire_water_facility"}


def get_standard(standard_id: str) -> Standard:
    """The standard named by its schema name or by the catalog's standard type slug."""
    wanted = CATALOG_SLUGS.get(standard_id, standard_id)
    for std in _load_all():
        if std.id == wanted:
            return std
    raise KeyError(standard_id)


@cache
def _sharing() -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """How widely names are shared between standards.

    Returns ((standard id, field name) -> number of standards having a field
    that shares one of its names, normalised name -> number of standards
    knowing that name).
    """
    standards = _load_all()
    owners: dict[str, set[str]] = {}
    for std in standards:
        for f in std.fields:
            for key in f.keys:
                owners.setdefault(key, set()).add(std.id)
    by_field = {}
    for std in standards:
        for f in std.fields:
            by_field[(std.id, f.name)] = len(set().union(*(owners[k] for k in f.keys)))
    return by_field, {k: len(v) for k, v in owners.items()}


def _idf(shared: int) -> float:
    """Information of a name that ``shared`` of the standards have (0 < idf <= ln(N+1))."""
    return math.log((len(_load_all()) + 1) / shared)


# --------------------------------------------------------------------------- detection

@dataclass
class Detection:
    standard: Standard
    confidence: float
    mapping: dict[str, str]  # file header -> official field name
    missing_required: list[str]
    missing_recommended: list[str]
    unknown_headers: list[str]
    filename_match: bool = False

    def as_dict(self) -> dict:
        return {
            "standard": self.standard.id,
            "title": self.standard.title,
            "title_en": self.standard.title_en,
            "confidence": round(self.confidence, 3),
            "filename_match": self.filename_match,
            "mapping": dict(self.mapping),
            "missing_required": list(self.missing_required),
            "missing_recommended": list(self.missing_recommended),
            "unknown_headers": list(self.unknown_headers),
        }


def _map_columns(standard: Standard, headers: list[str]) -> dict[int, str]:
    """column position -> official field name (see :func:`map_headers`)."""
    candidates = []
    for col, header in enumerate(headers):
        key = normalize_header(header)
        if not key:
            continue
        hit = standard._lookup.get(key)
        fallback = 0
        if hit is None and (short := _without_qualifier(key)):
            hit, fallback = standard._lookup.get(short), 1
        if hit is not None:
            f, priority = hit
            candidates.append((fallback, priority, col, f.name))
    taken_fields: set[str] = set()
    taken_cols: dict[int, str] = {}
    for _fallback, _priority, col, name in sorted(candidates):
        if name not in taken_fields and col not in taken_cols:
            taken_fields.add(name)
            taken_cols[col] = name
    return taken_cols


def map_headers(standard: Standard, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """(file header -> official name, headers left unknown) for one standard.

    Each field takes at most one column and each column at most one field: an
    exact official name beats an alias, an earlier alias a later one, and the
    leftmost column wins ties. A header that matches nothing is tried again
    without a trailing qualifier in brackets (問い合わせ先（市の担当課）). Blank
    headers are neither mapped nor reported as unknown.
    """
    columns = _map_columns(standard, headers)
    mapping = {headers[col]: name for col, name in sorted(columns.items())}
    unknown = [h for col, h in enumerate(headers) if col not in columns and normalize_header(h)]
    return mapping, unknown


def filename_matches(standard: Standard, filename: str | None) -> bool:
    """Whether a file name carries the standard's suffix, e.g. ``372013_public_toilet.csv``.

    The suffix must stand as its own ``_``/``-``-separated part of the name; a
    date or a qualifier may follow (``382019_population_20260401.csv``,
    ``232025_food_business_all.csv``).
    """
    if not filename or not standard.filename_suffix:
        return False
    stem = PurePath(str(filename)).name.rsplit(".", 1)[0].casefold()
    suffix = re.escape(standard.filename_suffix.casefold())
    return re.search(rf"(?:^|[_\-\s]){suffix}(?:$|[_\-\s.])", stem) is not None


def match(standard: Standard, headers: list[str], *, filename: str | None = None) -> Detection:
    """Map ``headers`` onto one standard and score how well they fit it (see :func:`rank`)."""
    columns = _map_columns(standard, headers)
    mapping, unknown = map_headers(standard, headers)
    matched = set(columns.values())
    by_field, by_key = _sharing()

    def info(f: StandardField) -> float:
        return _idf(by_field[(standard.id, f.name)])

    def weight(f: StandardField) -> float:
        return LEVEL_WEIGHT[f.level] * info(f)

    core = [f for f in standard.fields if f.level != "optional" and not f.legacy]
    core_total = sum(weight(f) for f in core)
    got = sum(weight(f) for f in standard.fields if f.name in matched)
    coverage = min(1.0, got / core_total) if core_total else 0.0

    column_info = {}
    for col, header in enumerate(headers):
        key = normalize_header(header)
        if key:
            known = by_key.get(key) or by_key.get(_without_qualifier(key) or "")
            column_info[col] = _idf(known) if known else UNKNOWN_HEADER_INFO
    total_info = sum(column_info.values())
    explained = sum(column_info[col] for col in columns) / total_info if total_info else 0.0
    fit = 2 * coverage * explained / (coverage + explained) if coverage + explained else 0.0

    baseline = _idf(COMMON_SHARE)
    evidence = sum(LEVEL_WEIGHT[f.level] * max(0.0, info(f) - baseline)
                   for f in standard.fields if f.name in matched)
    by_name = bool(columns) and filename_matches(standard, filename)
    if by_name:
        evidence += FILENAME_EVIDENCE
    gate = min(1.0, GATE_FLOOR + (1 - GATE_FLOOR) * evidence / EVIDENCE_TARGET)

    return Detection(
        standard=standard,
        confidence=fit * gate,
        mapping=mapping,
        missing_required=[f.name for f in standard.required_fields if f.name not in matched],
        missing_recommended=[f.name for f in standard.recommended_fields if f.name not in matched],
        unknown_headers=unknown,
        filename_match=by_name,
    )


def rank(headers: list[str], *, filename: str | None = None) -> list[Detection]:
    """Every standard that at least one header maps to, best first.

    How the confidence (0..1) is scored:

    - the *information* of a name is ln((N + 1) / k) when k of the N standards
      have a field of that name (official or alias): 名称, 緯度 or 備考, which
      nearly every type has, carry almost none; 男性トイレ総数 carries ln 16;
    - *coverage*: the level-weighted (◎ 3, ○ 2, blank 1) information of the
      matched fields over that of the standard's ◎ and ○ fields, capped at 1;
      how much of what the standard expects the file has;
    - *explained*: the information of the mapped columns over that of all
      non-blank columns (a column no standard knows counts 1); how much of the
      file the standard accounts for, so the toilet-count columns of a toilet
      table count against the AED standard;
    - *fit* is the harmonic mean of coverage and explained;
    - *gate*: fit only counts in full with distinctive evidence, the
      level-weighted information above that of a name four standards share,
      summed over the matched fields. The gate rises from 0.25 (none: a list of
      名称, 住所, 緯度, 経度 could be any type) to 1 at 3.0; one ◎ field no other
      standard has gives 4.2. A file name carrying the standard's suffix
      (``372013_public_toilet.csv``) adds 3.0;
    - confidence = fit × gate.
    """
    results = [match(std, headers, filename=filename) for std in _load_all()]
    results = [d for d in results if d.mapping]
    results.sort(key=lambda d: (-d.confidence, d.standard.id))
    return results


def detect(headers: list[str], *, filename: str | None = None, minimum: float = 0.5) -> Detection | None:
    """The best-fitting standard, or None when none reaches ``minimum`` confidence."""
    ranked = rank(headers, filename=filename)
    if ranked and ranked[0].confidence >= minimum:
        return ranked[0]
    return None
