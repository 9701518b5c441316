"""Reading single cell values the way Japanese municipal tables write them.

``classify`` tells which column type a text value fits; ``convert`` turns it
into a Python value of a given type and raises ``ValueError`` when it does not
fit. Both understand:

- full-width digits and punctuation (１，２３４．５), thousands separators,
  △/▲ as the minus sign of Japanese accounting;
- Western dates (2023-04-01, 2023/4/1, 2023年4月1日) and Japanese era dates
  (令和5年4月1日, 令和元年5月1日, R5.4.1, H31.4.30, 平成31年4月30日(火));
- times (9:00, ９：３０, 9時30分) and date-times;
- 有/無 (有り/無し) and true/false as booleans.

Identifiers written with leading zeros (municipality codes, postal codes) stay
text so no digit is lost.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

INTEGER = "integer"
DECIMAL = "decimal"
BOOLEAN = "boolean"
DATE = "date"
TIME = "time"
DATETIME = "datetime"
TEXT = "text"
TYPES = (INTEGER, DECIMAL, BOOLEAN, DATE, TIME, DATETIME, TEXT)

# Full-width ASCII variants and the usual minus/colon look-alikes → ASCII.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0x2212: 0x2D, 0x2010: 0x2D, 0x2011: 0x2D, 0x2013: 0x2D})
_TRANSLATE = str.maketrans(_FULLWIDTH)

# A cell holding only a dash means "none" in Japanese statistical tables.
NULL_MARKERS = frozenset({"-", "--", "‐", "－", "―", "—", "−", "ー"})

_BOOLEANS = {
    "有": True, "無": False, "有り": True, "無し": False,
    "true": True, "false": False,
}

_ERAS = {
    "明治": 1868, "M": 1868, "大正": 1912, "T": 1912, "昭和": 1926, "S": 1926,
    "平成": 1989, "H": 1989, "令和": 2019, "R": 2019,
}

# ASCII classes (\d = [0-9], \s = [ \t\n\r\f\v]) keep these rules identical to the
# SQL version in typesql.py, which DuckDB applies to whole columns.
_INT_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)", re.ASCII)
_DEC_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+", re.ASCII)
_WEEKDAY_RE = re.compile(r"\s*[(（][月火水木金土日](?:曜日?)?(?:・?祝)?[)）]\s*$", re.ASCII)
_DATE_RE = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)", re.ASCII)
_ERA_RE = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*"
    r"(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|([-/.])(\d{1,2})\5(\d{1,2}))",
    re.IGNORECASE | re.ASCII,
)
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?|(\d{1,2})時(?:(\d{1,2})分(?:(\d{1,2})秒)?)?",
                      re.ASCII)
_DT_SEP_RE = re.compile(r"\s*T\s*|\s*", re.ASCII)
_WEEKDAY_LEAD_RE = re.compile(r"^\s*[(（][月火水木金土日](?:曜日?)?(?:・?祝)?[)）]", re.ASCII)


def normalize(value: str) -> str:
    """Full-width ASCII → ASCII, trimmed. Used for recognising values only."""
    return value.translate(_TRANSLATE).strip()


def is_blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _number_text(s: str) -> str | None:
    """Canonical numeric text (no separators, '-' sign) or None."""
    if s[:1] in ("△", "▲"):
        s = "-" + s[1:].lstrip()
    if not s or not (s[0].isdigit() or s[0] in "+-"):
        return None
    digits = s.lstrip("+-")
    # Leading zeros mark codes (市区町村コード, 郵便番号): keep them as text.
    if len(digits) > 1 and digits[0] == "0" and digits[1] != ".":
        return None
    return s.replace(",", "")


def parse_integer(s: str) -> int:
    n = normalize(s)
    canon = _number_text(n)
    if canon is None or not _INT_RE.fullmatch(n.lstrip("△▲")):
        raise ValueError(s)
    return int(canon)


def parse_decimal(s: str) -> Decimal:
    n = normalize(s)
    canon = _number_text(n)
    body = n.lstrip("△▲")
    if canon is None or not (_DEC_RE.fullmatch(body) or _INT_RE.fullmatch(body)):
        raise ValueError(s)
    try:
        return Decimal(canon)
    except InvalidOperation as exc:
        raise ValueError(s) from exc


def parse_boolean(s: str) -> bool:
    key = normalize(s)
    key = key.lower() if key.isascii() else key
    try:
        return _BOOLEANS[key]
    except KeyError:
        raise ValueError(s) from None


def _split_date(n: str) -> tuple[dt.date, str]:
    """Parse a date at the start of normalized text; return it and the rest."""
    m = _DATE_RE.match(n)
    if m:
        y = int(m.group(1))
        mo, d = (m.group(3), m.group(4)) if m.group(2) else (m.group(5), m.group(6))
        return dt.date(y, int(mo), int(d)), n[m.end():]
    m = _ERA_RE.match(n)
    if m:
        era = m.group(1)
        base = _ERAS.get(era) or _ERAS[era.upper()]
        year = 1 if m.group(2) == "元" else int(m.group(2))
        if year < 1:
            raise ValueError(n)
        mo, d = (m.group(3), m.group(4)) if m.group(3) else (m.group(6), m.group(7))
        return dt.date(base + year - 1, int(mo), int(d)), n[m.end():]
    raise ValueError(n)


def wareki_to_year(text: str) -> int:
    """Western year of an era year such as 令和5年, R5, 平成元年."""
    m = re.fullmatch(r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*年?", normalize(text), re.IGNORECASE)
    if not m:
        raise ValueError(text)
    base = _ERAS.get(m.group(1)) or _ERAS[m.group(1).upper()]
    return base + (1 if m.group(2) == "元" else int(m.group(2))) - 1


def parse_date(s: str) -> dt.date:
    n = _WEEKDAY_RE.sub("", normalize(s))
    try:
        value, rest = _split_date(n)
    except ValueError:
        raise ValueError(s) from None
    if rest:
        raise ValueError(s)
    return value


def _parse_time_text(n: str) -> dt.time:
    m = _TIME_RE.fullmatch(n)
    if not m:
        raise ValueError(n)
    if m.group(1) is not None:
        h, mi, sec, frac = m.group(1), m.group(2), m.group(3), m.group(4)
        micro = int((frac or "0").ljust(6, "0"))
    else:
        h, mi, sec, micro = m.group(5), m.group(6), m.group(7), 0
    return dt.time(int(h), int(mi or 0), int(sec or 0), micro)


def parse_time(s: str) -> dt.time:
    try:
        return _parse_time_text(normalize(s))
    except ValueError:
        raise ValueError(s) from None


def parse_datetime(s: str, allow_date: bool = True) -> dt.datetime:
    """A date and a time; with ``allow_date`` a bare date means midnight."""
    n = normalize(s)
    try:
        day, rest = _split_date(n)
    except ValueError:
        raise ValueError(s) from None
    rest = _WEEKDAY_LEAD_RE.sub("", rest, count=1)
    if not rest.strip():
        if allow_date:
            return dt.datetime.combine(day, dt.time())
        raise ValueError(s)
    # Between date and time: "T" or blanks; none is needed after "日".
    sep = _DT_SEP_RE.match(rest)
    if not sep or (sep.end() == 0 and not n[: len(n) - len(rest)].endswith("日")):
        raise ValueError(s)
    try:
        return dt.datetime.combine(day, _parse_time_text(rest[sep.end():]))
    except ValueError:
        raise ValueError(s) from None


def classify(value: str) -> str:
    """The narrowest type that ``value`` (a non-blank string) fits."""
    if value.isascii() and value.isdigit():
        return TEXT if len(value) > 1 and value[0] == "0" else INTEGER
    n = normalize(value)
    first = n[:1]
    if first.isdigit() or first in "+-△▲":
        try:
            parse_integer(n)
            return INTEGER
        except ValueError:
            pass
        try:
            parse_decimal(n)
            return DECIMAL
        except ValueError:
            pass
        for parser, kind in ((parse_date, DATE), (parse_time, TIME)):
            try:
                parser(n)
                return kind
            except ValueError:
                pass
        try:
            parse_datetime(n, allow_date=False)
            return DATETIME
        except ValueError:
            return TEXT
    if first in "明大昭平令MTSHRmtshr":
        try:
            parse_date(n)
            return DATE
        except ValueError:
            pass
        try:
            parse_datetime(n, allow_date=False)
            return DATETIME
        except ValueError:
            pass
    try:
        parse_boolean(n)
        return BOOLEAN
    except ValueError:
        return TEXT


def join(a: str | None, b: str) -> str:
    """The narrowest type holding values of types ``a`` (None: no value yet) and ``b``."""
    if a is None or a == b:
        return b
    pair = {a, b}
    if pair == {INTEGER, DECIMAL}:
        return DECIMAL
    if pair == {DATE, DATETIME}:
        return DATETIME
    return TEXT


CONVERTERS = {
    INTEGER: parse_integer,
    DECIMAL: parse_decimal,
    BOOLEAN: parse_boolean,
    DATE: parse_date,
    TIME: parse_time,
    DATETIME: parse_datetime,
}


def convert(value: str, kind: str):
    """``value`` as a Python value of column type ``kind``; ValueError if it does not fit."""
    if kind == TEXT:
        return value
    return CONVERTERS[kind](value)
