"""Notation checks that apply to any cell: 機種依存文字, half-width kana, 和暦,
line breaks, stray spaces, spreadsheet error values, and numbers written with
units, notes, ▲ or thousands separators (総務省 machine-readability rules 1-2,
1-3, 1-5, 1-10, 1-11).

:data:`SUSPICIOUS_RE2` finds, in one vectorised pass per column, every cell
that may have one of the text problems; :func:`text_issues` then looks at
each such distinct value in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hiraku.datastore import values as V

from . import chars

Issue = tuple[str, str | None, dict]  # (rule id, replacement or None, message parameters)

EXCEL_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA")


def _suspicious_re2() -> str:
    parts = [
        chars.re2_class(chars.platform_dependent()),
        r"[\x{FF61}-\x{FF9F}]",
        "|".join(chars.ERA_NAMES),
        r"^[MTSHRmtshr]\s*(?:元|[0-9０-９]{1,2})\s*[.．/／年]",
        r"[\r\n]",
        r"[\x{01}-\x{08}\x{0B}\x{0C}\x{0E}-\x{1F}\x{7F}]",
        r"^[\s\x{3000}]|[\s\x{3000}]$",
        r"^#(?:N/A|VALUE!|REF!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)$",
        "[㍾㍽㍼㍻㋿]",
    ]
    return "|".join(parts)


SUSPICIOUS_RE2 = _suspicious_re2()


def joined_form(pattern: str) -> str:
    """``pattern`` for cells joined by NUL (see columns.none_match): ^ and $ become cell boundaries,
    and whitespace at a boundary includes the line breaks \\s would have matched."""
    return pattern.replace("^", "(?:^|\x00)").replace("$", "(?:\x00|$)").replace(
        "[\\s\\x{3000}]", "[ \\t\\r\\n\\x{3000}\\x{A0}]")


SUSPICIOUS_JOINED_RE2 = joined_form(SUSPICIOUS_RE2)
_SPACE_CHARS = " \t\u3000\xa0"
_CONTROL_RE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1 << 16)
def text_issues(value: str, kana_field: bool = False, date_field: bool = False) -> tuple[Issue, ...]:
    """Every notation problem of one cell (empty tuple when none).

    ``kana_field``: half-width kana is reported by the kana check instead;
    ``date_field``: 和暦 dates are reported by the date check instead.
    """
    issues: list[Issue] = []
    stripped = value.strip(_SPACE_CHARS + "\r\n")
    if stripped in EXCEL_ERRORS:
        return (("text.excel_error", None, {}),)
    found = chars.find_platform_dependent(value)
    if found:
        replaceable = [c for c in found if chars.replacement_for(c)]
        others = [c for c in found if not chars.replacement_for(c)]
        if replaceable:
            issues.append(("text.platform_dependent", chars.replace_platform_dependent(value),
                           {"chars": " ".join(replaceable)}))
        if others:
            issues.append(("text.platform_dependent_unmapped", None, {"chars": " ".join(others)}))
    if not kana_field and chars.has_halfwidth_kana(value):
        issues.append(("text.halfwidth_kana", chars.halfwidth_kana_to_fullwidth(value), {}))
    if not date_field:
        wareki = chars.classify_wareki(value)
        if wareki:
            kind, converted = wareki
            issues.append(("text.wareki_date" if kind == "date" else "text.wareki_year", converted, {}))
    if _CONTROL_RE.search(value):
        issues.append(("text.control_characters", _CONTROL_RE.sub("", value), {}))
    if "\n" in value or "\r" in value:
        if stripped and ("\n" in stripped or "\r" in stripped):
            issues.append(("text.line_break", None, {}))
    if value and stripped != value and stripped:
        issues.append(("text.surrounding_spaces", stripped, {}))
    return tuple(issues)


# --- numbers with decorations ------------------------------------------------------------------------

UNITS = (
    "百万円", "千円", "万円", "億円", "円", "人", "名", "件", "台", "個", "本", "枚", "歳", "才", "回", "日間", "日",
    "時間", "分", "秒", "年間", "年", "か月", "ヶ月", "カ月", "ヵ月", "箇所", "か所", "ヶ所", "カ所", "ヵ所",
    "平方メートル", "㎡", "m2", "m²", "km", "ｋｍ", "㎞", "kg", "㎏", "m", "ｍ", "g", "t", "トン", "%", "％",
    "パーセント", "世帯", "棟", "戸", "床", "室", "席", "区画", "校", "園", "施設", "店", "社", "頭", "羽", "冊",
    "点", "軒", "隻", "基", "機", "ha", "ヘクタール", "L", "ℓ", "リットル", "倍", "割", "階", "組", "団体", "か国",
    "ヶ国", "カ国", "km2", "㎢", "mm", "cm", "℃", "度",
)
QUALIFIERS = ("以上", "以下", "未満", "程度", "前後", "超", "余り", "余", "強", "弱", "頃", "~", "〜", "～", "+", "＋")
_NOTE = r"(?:※\s*\d*|＊|\*|注\s*\d+|[(（][^()（）]{0,20}[)）])"
_NUM = r"[0-9０-９]+(?:[,，][0-9０-９]{3})*(?:[.．][0-9０-９]+)?"
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_QUAL_ALT = "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True))

DECORATED_RE = re.compile(
    rf"^(?P<pre>約|およそ|概ね|大体)?\s*(?P<sign>[▲△\-－−+＋])?\s*(?P<num>{_NUM})\s*"
    rf"(?P<unit>{_UNIT_ALT})?\s*(?P<qual>{_QUAL_ALT})?\s*(?P<note>{_NOTE})?$"
)
# RE2 versions for the vectorised profile: plain numbers, and numbers as people decorate them.
PLAIN_NUMBER_RE2 = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"
COUNT_RE2 = r"^[0-9]+$"
DECORATED_RE2 = (
    rf"^(?:約|およそ|概ね|大体)?\s*[▲△\-－−+＋]?\s*{_NUM}\s*(?:{_UNIT_ALT})?\s*(?:{_QUAL_ALT})?\s*{_NOTE}?$"
    .replace("\\d", "[0-9]")
)
NULL_MARKER_RE2 = r"^[\s\x{3000}]*(?:-|－|―|—|‐|−|ー|…|‥|x|X|ｘ|Ｘ|\*|＊)[\s\x{3000}]*$"
_HEADER_UNIT_EXAMPLE = "%(header)s（%(unit)s）"


@lru_cache(maxsize=1 << 16)
def number_issue(value: str, header: str = "", strict: bool = False, count: bool = False) -> Issue | None:
    """What is wrong with a cell of a numeric column (None when it is a plain number).

    ``strict``: the column is a numeric standard field, so text that is not a
    number is an error (value.not_a_number); otherwise such text is left to
    the reader. ``count``: the field counts things (no sign, no decimals).
    """
    text = value.strip(" \u3000\t")
    if not text:
        return None
    plain = re.fullmatch(r"[+-]?\d+(?:\.\d+)?", text, re.ASCII)
    if plain:
        if count and text.startswith("-"):
            return ("value.negative", None, {})
        if count and "." in text:
            return ("value.not_a_number", None, {})
        return None
    m = DECORATED_RE.match(text)
    if not m:
        if strict:
            return ("value.not_a_number", None, {})
        return None
    number = V.normalize(m.group("num")).replace(",", "")
    sign = m.group("sign") or ""
    negative = sign in ("▲", "△", "-", "－", "−")
    canonical = ("-" if negative else "") + number
    if m.group("pre") or m.group("qual") or m.group("note"):
        return ("number.note", None, {})
    if m.group("unit"):
        example = _HEADER_UNIT_EXAMPLE % {"header": header or "…", "unit": m.group("unit")}
        return ("number.unit", canonical, {"unit": m.group("unit"), "example": example})
    if sign in ("▲", "△"):
        return ("number.triangle_negative", canonical, {})
    if "," in m.group("num") or "，" in m.group("num"):
        return ("number.thousands_separator", canonical, {})
    if canonical != text:
        if count and negative:
            return ("value.negative", None, {})
        return ("value.fullwidth", canonical, {})
    return None


def is_null_marker(value: str) -> bool:
    return re.fullmatch(r"[\s\u3000]*(?:-|－|―|—|‐|−|ー|…|‥|x|X|ｘ|Ｘ|\*|＊)[\s\u3000]*", value) is not None
