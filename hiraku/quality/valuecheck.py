"""Value checks for standard fields, by the field's kind.

Each kind has a *fast* RE2 pattern that accepts only certainly valid values
(run over whole columns) and a Python *judge* for the rest, called once per
distinct value. A judge returns ``(rule id, replacement or None, params)``
or None when the value is fine after all.

Kinds (see ``StandardField.kind``): lgcode, id, kana, name_en, latitude,
longitude, time, date, yes_no (有/無), flag (1 or empty), count, phone,
postal_code, url, email, corporate_number, text. Coordinates, totals and ID
uniqueness need more than one cell and are checked in :mod:`checks`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hiraku.datastore import values as V

from . import chars, lgcodes

Issue = tuple[str, str | None, dict]

LAT_RANGE = (20.0, 46.0)
LON_RANGE = (122.0, 154.0)


@dataclass(frozen=True)
class Context:
    """What a judge may need besides the value."""

    field_name: str = ""
    lgcode: str | None = None  # the publishing organisation's code
    publisher_code: bool = False  # the field is the publisher's 全国地方公共団体コード (not 所在地_…)
    six_digit_column: bool | None = False  # most codes in the column have 6 digits (so 5 digits lost a leading zero)


def _fullwidth_fix(value: str, valid) -> Issue | None:
    """value.fullwidth when converting full-width characters to half-width makes ``value`` valid."""
    half = chars.to_halfwidth(value)
    if half != value.strip() and valid(half):
        return ("value.fullwidth", half, {})
    return None


# --- lgcode ----------------------------------------------------------------------------------------------

def judge_lgcode(value: str, ctx: Context) -> Issue | None:
    problem = lgcodes.diagnose(value, prefer_padding=ctx.six_digit_column)
    code = value.strip()
    if problem is not None:
        params = {"expected": problem.expected} if problem.expected else {}
        return (problem.rule, problem.replacement, params)
    if ctx.publisher_code and ctx.lgcode and code != ctx.lgcode:
        return ("value.lgcode_mismatch", ctx.lgcode, {"expected": ctx.lgcode})
    return None


# --- id ----------------------------------------------------------------------------------------------------

ID_RE2 = r"^[0-9A-Za-z][0-9A-Za-z_\-.]*$"
_ID_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-.]*", re.ASCII)


def judge_id(value: str, ctx: Context) -> Issue | None:
    if _ID_RE.fullmatch(value):
        return None
    return _fullwidth_fix(value, _ID_RE.fullmatch) or ("value.id_format", None, {})


# --- kana -----------------------------------------------------------------------------------------------

_KANA_OK = "\u30a1-\u30fa\u30fc\u30fb\u30fd\u30fe\u3000 0-9A-Za-z０-９Ａ-Ｚａ-ｚ（）()・ー－\\-.．&＆'’"
KANA_RE2 = "^[" + _KANA_OK.replace("\u3000", r"\x{3000}") + "]+$"
_KANA_RE = re.compile(f"[{_KANA_OK}]+")
_KANJI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
_HIRAGANA_RE = re.compile("[\u3041-\u309f]")


def judge_kana(value: str, ctx: Context) -> Issue | None:
    if _KANA_RE.fullmatch(value):
        return None
    fixed = chars.hiragana_to_katakana(chars.halfwidth_kana_to_fullwidth(value))
    found = []
    if chars.has_halfwidth_kana(value):
        found.append(_("half-width katakana"))
    if _HIRAGANA_RE.search(value):
        found.append(_("hiragana"))
    if _KANJI_RE.search(value):
        found.append(_("kanji"))
    if not found:
        found.append(_("other characters"))
    params = {"field": ctx.field_name, "found": format_lazy(", ".join(["{}"] * len(found)), *found)}
    return ("value.kana", fixed if _KANA_RE.fullmatch(fixed) else None, params)


# --- English names ------------------------------------------------------------------------------------

NAME_EN_RE2 = r"^[\x{20}-\x{7E}\x{A0}-\x{24F}\x{2018}\x{2019}\x{201C}\x{201D}\x{2013}\x{2014}]+$"
_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff61-\uff9f]")


def judge_name_en(value: str, ctx: Context) -> Issue | None:
    if _JAPANESE_RE.search(value):
        return ("value.name_en", None, {})
    half = unicodedata.normalize("NFKC", value)
    if half != value and not _JAPANESE_RE.search(half):
        return ("value.fullwidth", half, {})
    return None


# --- coordinates ------------------------------------------------------------------------------------------

COORDINATE_RE2 = r"^-?[0-9]{1,3}(?:\.[0-9]+)?$"
_COORD_RE = re.compile(r"-?\d{1,3}(?:\.\d+)?", re.ASCII)
_DMS_RE = re.compile(
    r"(?P<hemi1>[NSEW北南東西]緯?経?)?\s*(?P<deg>\d{1,3}(?:\.\d+)?)\s*[°度]\s*"
    r"(?:(?P<min>\d{1,2}(?:\.\d+)?)\s*['′分]\s*)?(?:(?P<sec>\d{1,2}(?:\.\d+)?)\s*(?:[\"″秒]|'')\s*)?"
    r"(?P<hemi2>[NSEW])?", re.IGNORECASE)
_PREFIXED_RE = re.compile(r"(?:北緯|東経|南緯|西経|[NE])\s*(-?\d{1,3}(?:\.\d+)?)", re.IGNORECASE)


def parse_coordinate(value: str) -> float | None:
    """A decimal-degree reading of DMS or prefixed notations (34°20'30"N, 北緯34.3), else None."""
    text = chars.to_halfwidth(value)
    m = _DMS_RE.fullmatch(text)
    if m:
        degrees = float(m.group("deg")) + float(m.group("min") or 0) / 60 + float(m.group("sec") or 0) / 3600
        hemi = (m.group("hemi1") or m.group("hemi2") or "").upper()
        if hemi.startswith(("S", "W", "南", "西")):
            degrees = -degrees
        return round(degrees, 6)
    m = _PREFIXED_RE.fullmatch(text)
    if m:
        return float(m.group(1))
    return None


def judge_coordinate(value: str, ctx: Context) -> Issue | None:
    if _COORD_RE.fullmatch(value):
        return None
    fix = _fullwidth_fix(value, _COORD_RE.fullmatch)
    if fix:
        return fix
    parsed = parse_coordinate(value)
    params = {"field": ctx.field_name}
    if parsed is not None:
        return ("value.coordinate_format", f"{parsed:.6f}".rstrip("0").rstrip("."), params)
    return ("value.coordinate_format", None, params)


# --- times and dates --------------------------------------------------------------------------------------

TIME_RE2 = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"
_TIME_RE = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00", re.ASCII)


def judge_time(value: str, ctx: Context) -> Issue | None:
    if _TIME_RE.fullmatch(value):
        return None
    params = {"field": ctx.field_name}
    half = chars.to_halfwidth(value)
    if half in ("24:00:00", "24時", "24時00分"):
        return ("value.time_format", "24:00", params)
    try:
        parsed = V.parse_time(half)
    except ValueError:
        return ("value.time_format", None, params)
    if parsed.second or parsed.microsecond:
        return ("value.time_format", None, params)
    return ("value.time_format", f"{parsed.hour:02d}:{parsed.minute:02d}", params)


DATE_RE2 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MDY_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_DATETIME_MIDNIGHT_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00)?", re.ASCII)


def judge_date(value: str, ctx: Context) -> Issue | None:
    params = {"field": ctx.field_name}
    text = value.strip()
    if _ISO_DATE_RE.fullmatch(text):
        try:
            dt.date.fromisoformat(text)
            return None
        except ValueError:
            return ("value.date_format", None, params)
    m = _DATETIME_MIDNIGHT_RE.fullmatch(text)
    if m:
        return ("value.date_format", m.group(1), params)
    wareki = chars.classify_wareki(text)
    if wareki and wareki[0] == "date":
        return ("text.wareki_date", wareki[1], {})
    m = _MDY_RE.fullmatch(chars.to_halfwidth(text))
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        # Month-first or day-first: only unambiguous when one part exceeds 12.
        for month, day in ((a, b),) if b > 12 else ((b, a),) if a > 12 else ():
            try:
                return ("value.date_format", dt.date(year, month, day).isoformat(), params)
            except ValueError:
                break
        return ("value.date_format", None, params)
    try:
        return ("value.date_format", V.parse_date(text).isoformat(), params)
    except ValueError:
        return ("value.date_format", None, params)


# --- vocabularies -----------------------------------------------------------------------------------------

YES_NO_RE2 = r"^(?:有|無)$"
_YES = {"有", "有り", "あり", "アリ", "○", "◯", "〇", "●", "yes", "y", "true", "1", "可"}
_NO = {"無", "無し", "なし", "ナシ", "×", "✕", "✖", "no", "n", "false", "0", "-", "－", "不可"}


def _vocab_key(value: str) -> str:
    key = chars.to_halfwidth(value)
    return key.lower() if key.isascii() else key


def judge_yes_no(value: str, ctx: Context) -> Issue | None:
    if value in ("有", "無"):
        return None
    key = _vocab_key(value)
    params = {"field": ctx.field_name}
    if key in _YES:
        return ("value.yes_no", "有", params)
    if key in _NO:
        return ("value.yes_no", "無", params)
    return ("value.yes_no", None, params)


FLAG_RE2 = r"^1$"
_FLAG_YES = {"1", "○", "◯", "〇", "●", "有", "有り", "あり", "yes", "y", "true", "該当"}
_FLAG_NO = {"0", "×", "✕", "無", "無し", "なし", "no", "n", "false", "-", "－", "非該当"}


def judge_flag(value: str, ctx: Context) -> Issue | None:
    if value == "1":
        return None
    key = _vocab_key(value)
    params = {"field": ctx.field_name}
    if key in _FLAG_YES:
        return ("value.flag", "1", params)
    if key in _FLAG_NO:
        return ("value.flag", "", params)
    return ("value.flag", None, params)


# --- contact data -------------------------------------------------------------------------------------

_PHONE_RE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}|\+81-\d{1,4}-\d{1,4}-\d{3,4}", re.ASCII)
_PHONE_PAREN_RE = re.compile(r"(0\d{1,4})\s*[(（]\s*(\d{1,4})\s*[)）]\s*(\d{3,4})")
_PHONE_PAREN_AREA_RE = re.compile(r"[(（]\s*(0\d{1,4})\s*[)）]\s*(\d{1,4})\s*-\s*(\d{3,4})")


def _phone_ok(text: str) -> bool:
    if not _PHONE_RE.fullmatch(text):
        return False
    digits = sum(c.isdigit() for c in text)
    if text.startswith("+81"):
        return digits in (11, 12)
    return digits in (10, 11)


def judge_phone(value: str, ctx: Context) -> Issue | None:
    if _phone_ok(value):
        return None
    half = chars.to_halfwidth(value).replace("‐", "-").replace("ー", "-")
    if _phone_ok(half):
        return ("value.fullwidth" if half != value.strip() else "value.phone", half, {})
    for pattern in (_PHONE_PAREN_RE, _PHONE_PAREN_AREA_RE):
        m = pattern.fullmatch(half)
        if m:
            fixed = "-".join(m.groups())
            if _phone_ok(fixed):
                return ("value.phone", fixed, {})
    return ("value.phone", None, {})


_POSTAL_RE = re.compile(r"\d{3}-\d{4}", re.ASCII)


def judge_postal_code(value: str, ctx: Context) -> Issue | None:
    if _POSTAL_RE.fullmatch(value):
        return None
    half = chars.to_halfwidth(value).lstrip("〒").strip().replace("‐", "-").replace("ー", "-")
    if _POSTAL_RE.fullmatch(half):
        return ("value.postal_code", half, {})
    if re.fullmatch(r"\d{7}", half):
        return ("value.postal_code", f"{half[:3]}-{half[3:]}", {})
    return ("value.postal_code", None, {})


URL_RE2 = r"^https?://[A-Za-z0-9][A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$"
URL_TWICE_RE2 = r"(?i)https?://.*https?://"
_URL_CHARS_RE = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*", re.ASCII)


def judge_url(value: str, ctx: Context) -> Issue | None:
    text = value.strip()
    lowered = text.lower()
    if lowered.count("http://") + lowered.count("https://") > 1:
        return ("value.url", None, {"reason": _("two addresses in one cell")})
    try:
        parts = urlsplit(text)
    except ValueError:
        return ("value.url", None, {"reason": _("it cannot be parsed")})
    if parts.scheme.lower() not in ("http", "https"):
        if not parts.scheme and re.match(r"(?:www\.|[a-z0-9\-]+\.(?:jp|com|net|org)\b)", lowered):
            return ("value.url", None, {"reason": _("https:// or http:// is missing")})
        return ("value.url", None, {"reason": _("it does not start with https:// or http://")})
    if not parts.netloc or "." not in parts.netloc and parts.hostname != "localhost":
        return ("value.url", None, {"reason": _("the host name is missing")})
    if any(c.isspace() for c in text):
        return ("value.url", None, {"reason": _("it contains spaces")})
    if not text.isascii():
        host = parts.hostname or ""
        try:
            ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
        except UnicodeError:
            return ("value.url", None, {"reason": _("the host name is invalid")})
        netloc = parts.netloc.replace(host, ascii_host) if host else parts.netloc
        safe = "/:?#[]@!$&'()*+,;=%~"
        fixed = f"{parts.scheme}://{netloc}{quote(parts.path, safe=safe)}"
        if parts.query:
            fixed += "?" + quote(parts.query, safe=safe)
        if parts.fragment:
            fixed += "#" + quote(parts.fragment, safe=safe)
        return ("value.url_not_ascii", fixed, {})
    if not _URL_CHARS_RE.fullmatch(text):
        return ("value.url", None, {"reason": _("it contains characters not allowed in a URL")})
    return None


EMAIL_RE2 = (r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
             r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_EMAIL_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+", re.ASCII)


def judge_email(value: str, ctx: Context) -> Issue | None:
    if _EMAIL_RE.fullmatch(value):
        return None
    return _fullwidth_fix(value.replace("＠", "@"), _EMAIL_RE.fullmatch) or ("value.email", None, {})


def corporate_check_digit(twelve: str) -> int:
    """法人番号 check digit: 9 − (Σ Pn·Qn mod 9), n counted from the lowest digit, Q = 1 (odd n) or 2 (even n)."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(twelve), start=1))
    return 9 - total % 9


def is_corporate_number(text: str) -> bool:
    return (len(text) == 13 and text.isascii() and text.isdigit()
            and int(text[0]) == corporate_check_digit(text[1:]))


def judge_corporate_number(value: str, ctx: Context) -> Issue | None:
    if is_corporate_number(value):
        return None
    return _fullwidth_fix(value, is_corporate_number) or ("value.corporate_number", None, {})


# --- spreadsheet damage --------------------------------------------------------------------------------

EXCEL_DATE_RE2 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?: 00:00:00)?$|^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}$|^[3-6][0-9]{4}$"
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def judge_excel_date(value: str, ctx: Context) -> Issue | None:
    """A date where an address or range was typed: 1-1 (番地) becomes 2024-01-01 or the serial 45292."""
    text = value.strip()
    day: dt.date | None = None
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?: 00:00:00)?", text)
    if m:
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    elif re.fullmatch(r"[3-6]\d{4}", text):
        day = _EXCEL_EPOCH + dt.timedelta(days=int(text))
    if day is None:
        return None
    guess = f"{day.month}-{day.day}"
    return ("value.excel_date", None, {"field": ctx.field_name, "guess": guess})


# --- the registry -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KindCheck:
    fast: str | None  # RE2: values certainly valid (None: every value goes to the judge)
    judge: object  # (value, Context) -> Issue | None
    extra: str | None = None  # RE2: values to judge even though ``fast`` accepts them
    covers_text: bool = False  # a value ``fast`` accepts has no notation problem (ASCII, no spaces)


KINDS: dict[str, KindCheck] = {
    "lgcode": KindCheck(None, judge_lgcode),
    "id": KindCheck(ID_RE2, judge_id, covers_text=True),
    "kana": KindCheck(KANA_RE2, judge_kana),
    "name_en": KindCheck(NAME_EN_RE2, judge_name_en),
    "latitude": KindCheck(COORDINATE_RE2, judge_coordinate, covers_text=True),
    "longitude": KindCheck(COORDINATE_RE2, judge_coordinate, covers_text=True),
    "time": KindCheck(TIME_RE2, judge_time, covers_text=True),
    "date": KindCheck(None, judge_date),
    "yes_no": KindCheck(YES_NO_RE2, judge_yes_no, covers_text=True),
    "flag": KindCheck(FLAG_RE2, judge_flag, covers_text=True),
    "phone": KindCheck(None, judge_phone),
    "postal_code": KindCheck(r"^[0-9]{3}-[0-9]{4}$", judge_postal_code, covers_text=True),
    "url": KindCheck(URL_RE2, judge_url, extra=URL_TWICE_RE2, covers_text=True),
    "email": KindCheck(EMAIL_RE2, judge_email, covers_text=True),
    "corporate_number": KindCheck(None, judge_corporate_number),
}

NUMERIC_KINDS = frozenset({"count"})


def enum_judge(allowed: tuple[str, ...]):
    normal = {unicodedata.normalize("NFKC", a).strip().casefold(): a for a in allowed}

    def judge(value: str, ctx: Context) -> Issue | None:
        if value in allowed:
            return None
        key = unicodedata.normalize("NFKC", value).strip().casefold()
        params = {"field": ctx.field_name, "allowed": "・".join(allowed)}
        return ("value.enum", normal.get(key), params)

    return judge


def enum_re2(allowed: tuple[str, ...]) -> str:
    return "^(?:" + "|".join(re.escape(a) for a in allowed) + ")$"


def pattern_judge(pattern: str):
    compiled = re.compile(pattern)

    def judge(value: str, ctx: Context) -> Issue | None:
        if compiled.search(value) if pattern.startswith("^") else compiled.fullmatch(value):
            return None
        return ("value.pattern", None, {"field": ctx.field_name})

    return judge
