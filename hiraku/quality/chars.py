"""Characters that break machine readability in Japanese tables, and their replacements.

機種依存文字 (platform-dependent characters) are, precisely, the characters
that Windows' Shift_JIS (CP932) adds to JIS X 0208:

- the NEC special characters (row 13, bytes 0x8740–0x879C): circled numbers
  ①–⑳, Roman numerals Ⅰ–Ⅹ, squared units ㍉ ㌔ ㎞ ㎏ ㎡, ㍻ ㍼ ㍽ ㍾, ㈱ ㈲ ㈹,
  № ℡ ㏍, ㊤–㊨, 〝〟 and ∮ ∑ ∟ ⊿;
- the IBM extensions (0xFA40–0xFC4B, and the same characters as NEC-selected
  IBM extensions at 0xED40–0xEEFC): small Roman numerals ⅰ–ⅹ, ￤ ＇ ＂ and
  360 kanji such as 髙 﨑 德 and the compatibility ideographs.

Characters of these ranges that CP932 also has in JIS X 0208 proper (≒ ≡
∫ √ ⊥ ∠ ∵ ∩ ∪ ¬) are ordinary characters and are not flagged. The set is
computed from Python's cp932 codec, so it is exactly the codec's table.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from hiraku.datastore import values as V


def _cp932_chars(lead_bytes) -> list[str]:
    chars = []
    for lead in lead_bytes:
        for trail in (*range(0x40, 0x7F), *range(0x80, 0xFD)):
            try:
                chars.append(bytes((lead, trail)).decode("cp932"))
            except UnicodeDecodeError:
                continue
    return chars


@cache
def _tables() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    jis0208 = set(_cp932_chars([*range(0x81, 0x87), *range(0x88, 0xA0), *range(0xE0, 0xED)]))
    nec = frozenset(c for c in _cp932_chars([0x87]) if c not in jis0208)
    ibm = frozenset(c for c in _cp932_chars([0xED, 0xEE, 0xFA, 0xFB, 0xFC]) if c not in jis0208)
    return nec, ibm, nec | ibm


def nec_special() -> frozenset[str]:
    return _tables()[0]


def ibm_extensions() -> frozenset[str]:
    return _tables()[1]


def platform_dependent() -> frozenset[str]:
    """Every 機種依存文字 (NEC special characters and IBM extensions of CP932)."""
    return _tables()[2]


_SPECIAL_REPLACEMENTS = {
    **{chr(0x2460 + i): f"({i + 1})" for i in range(20)},  # ① → (1)
    "〝": "“", "〟": "”", "￤": "|",
}
_NO_REPLACEMENT = frozenset("∮∑∟⊿")


@cache
def replacement_for(char: str) -> str | None:
    """An ordinary character (sequence) for a 機種依存文字, or None when there is none.

    Circled numbers become (1)…(20); the rest take their Unicode compatibility
    form (NFKC): Ⅳ → IV, ㈱ → (株), ㍻ → 平成, ㎡ → m2, № → No, and the
    compatibility ideographs their unified kanji (塚 U+FA10 → 塚 U+585A).
    Kanji such as 髙 or 﨑 have no standard equivalent.
    """
    if char in _SPECIAL_REPLACEMENTS:
        return _SPECIAL_REPLACEMENTS[char]
    if char in _NO_REPLACEMENT:
        return None
    normal = unicodedata.normalize("NFKC", char)
    return normal if normal != char else None


def find_platform_dependent(text: str) -> list[str]:
    """The distinct 機種依存文字 in ``text``, in order of appearance."""
    table = platform_dependent()
    seen: list[str] = []
    for ch in text:
        if ch in table and ch not in seen:
            seen.append(ch)
    return seen


def replace_platform_dependent(text: str) -> str:
    """``text`` with every replaceable 機種依存文字 replaced (others kept)."""
    table = platform_dependent()
    return "".join((replacement_for(ch) or ch) if ch in table else ch for ch in text)


# --- half-width katakana -------------------------------------------------------------------------------

HALFWIDTH_KANA = "\uff61-\uff9f"  # ｡｢｣､･ｦ…ﾝﾞﾟ
_HALFWIDTH_KANA_RE = re.compile(f"[{HALFWIDTH_KANA}]+")


def has_halfwidth_kana(text: str) -> bool:
    return _HALFWIDTH_KANA_RE.search(text) is not None


_DIGIT_DASH_RE = re.compile(r"(?<=[0-9０-９])ｰ(?=[0-9０-９])")


def halfwidth_kana_to_fullwidth(text: str) -> str:
    """ｶﾞｲﾄﾞ → ガイド (voiced marks combined), ｢｣､･ → 「」、・; nothing else changes.

    A half-width long-vowel mark between digits (353ｰ1) was typed for a hyphen and becomes one.
    """
    text = _DIGIT_DASH_RE.sub("-", text)
    return _HALFWIDTH_KANA_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


_HIRAGANA_RE = re.compile("[\u3041-\u3096\u309d\u309e]")


def hiragana_to_katakana(text: str) -> str:
    return _HIRAGANA_RE.sub(lambda m: chr(ord(m.group()) + 0x60), text)


# --- full-width ASCII ----------------------------------------------------------------------------------

_FULLWIDTH_ALNUM_RE = re.compile("[０-９Ａ-Ｚａ-ｚ]")


def has_fullwidth_alnum(text: str) -> bool:
    return _FULLWIDTH_ALNUM_RE.search(text) is not None


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (digits, letters, －．：，) and the ideographic space to ASCII, trimmed."""
    return V.normalize(text)


# --- 和暦 (Japanese era dates) ------------------------------------------------------------------------

_ERA_CHARS = {"㍾": "明治", "㍽": "大正", "㍼": "昭和", "㍻": "平成", "㋿": "令和"}
_ERA_BASE = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019,
             "M": 1868, "T": 1912, "S": 1926, "H": 1989, "R": 2019}
ERA_NAMES = ("明治", "大正", "昭和", "平成", "令和")
# An era year: 令和6年, 平成元年, R6年 (a letter era needs the 年 to be sure).
_ERA_YEAR_RE = re.compile(r"(明治|大正|昭和|平成|令和)\s*(元|\d{1,2})\s*年|(?<![A-Za-z])([MTSHR])\s*(元|\d{1,2})\s*年",
                          re.IGNORECASE)
# A cell that is only a year/month expression: 令和6年, 令和6年度, 平成31年4月, R6年度末.
_YEAR_CELL_RE = re.compile(
    r"(?:明治|大正|昭和|平成|令和|[MTSHR])\s*(?:元|\d{1,2})\s*年\s*度?\s*(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日)?)?"
    r"\s*(?:末|現在|時点|分|上半期|下半期|[(（][月火水木金土日][)）])?", re.IGNORECASE)
_WESTERN_YEAR_RE = re.compile(r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)")


def _unsquare(text: str) -> str:
    for squared, era in _ERA_CHARS.items():
        text = text.replace(squared, era)
    return text


def classify_wareki(value: str) -> tuple[str, str] | None:
    """('date', ISO date) or ('year', text with Western years) for a cell that is a 和暦 date or year.

    Only cells that *are* a date or a year expression count (令和5年4月1日,
    R5.4.1, 平成31年4月30日(火), 令和6年度); an era mentioned in a sentence is
    not a date value. A cell that also gives the Western year (2024年（令和6年）)
    is fine.
    """
    n = _unsquare(V.normalize(value))
    if not n or len(n) > 40:
        return None
    if _WESTERN_YEAR_RE.search(n):
        return None
    first = n[0]
    if first not in "明大昭平令MTSHRmtshr":
        return None
    try:
        day = V.parse_date(n)
    except ValueError:
        day = None
    if day is not None:
        return "date", day.isoformat()
    if _YEAR_CELL_RE.fullmatch(n):
        return "year", _ERA_YEAR_RE.sub(_western_year, n)
    return None


def _western_year(m: re.Match) -> str:
    era = m.group(1) or m.group(3).upper()
    year_text = m.group(2) or m.group(4)
    year = 1 if year_text == "元" else int(year_text)
    return f"{_ERA_BASE[era] + year - 1}年"


def re2_class(chars) -> str:
    """A regular-expression character class (RE2 and Python syntax) for ``chars``."""
    parts = []
    for ch in sorted(set(chars)):
        if ch in "\\]^-[":
            parts.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) > 0xFFFF:
            parts.append(f"\\x{{{ord(ch):x}}}")
        else:
            parts.append(ch)
    return "[" + "".join(parts) + "]"
