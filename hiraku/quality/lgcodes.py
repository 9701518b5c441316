"""The 全国地方公共団体コード list the product ships, and what a code in a cell means.

The list is the one the demo catalog already ships (code4fukui/localgovjp,
CC0: every municipality and 政令市の区 with its office's position). It has no
rows for the prefectures themselves, whose codes are ``PP000`` plus the check
digit (香川県 370002), so those are recognised by shape.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hiraku.core.lgcode import check_digit, is_valid_lgcode

CODE_LIST = Path(__file__).resolve().parents[1] / "demo" / "data" / "localgovjp" / "localgovjp-utf8.csv"

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県",
    "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",
    "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県",
    "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県",
    "宮崎県", "鹿児島県", "沖縄県",
)


@dataclass(frozen=True)
class LocalGovernment:
    code: str
    prefecture: str
    name: str  # '' for a prefecture itself
    lat: float | None
    lon: float | None

    @property
    def full_name(self) -> str:
        return self.prefecture + self.name.replace(" ", "")


@cache
def code_table() -> dict[str, LocalGovernment]:
    """6-digit code -> municipality (prefectures included)."""
    table: dict[str, LocalGovernment] = {}
    with CODE_LIST.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = (row.get("lgcode") or "").strip()
            if not code:
                continue
            try:
                lat, lon = float(row["lat"]), float(row["lng"])
            except (KeyError, TypeError, ValueError):
                lat = lon = None
            table[code] = LocalGovernment(code, row.get("pref", ""), row.get("city", ""), lat, lon)
    for number, name in enumerate(PREFECTURES, start=1):
        five = f"{number:02d}000"
        code = five + str(check_digit(five))
        table.setdefault(code, LocalGovernment(code, name, "", None, None))
    return table


def lookup(code: str) -> LocalGovernment | None:
    return code_table().get(code)


def is_known(code: str) -> bool:
    return code in code_table()


def with_check_digit(five: str) -> str:
    return five + str(check_digit(five))


@dataclass(frozen=True)
class CodeProblem:
    rule: str
    replacement: str | None = None
    expected: str | None = None


def diagnose(value: str, prefer_padding: bool = False) -> CodeProblem | None:
    """What is wrong with ``value`` as a 6-digit local government code (None: nothing).

    A 5-digit value is either the JIS code without its check digit (37201 →
    372013) or a 6-digit code whose leading zero a spreadsheet dropped
    (11002 → 011002); whichever is a real code is proposed. For the 15 values
    where both are real codes (11100: 111007 さいたま市 or 011100 札幌市清田区),
    ``prefer_padding`` decides: the caller sets it when the rest of the column
    holds 6-digit codes.
    """
    from hiraku.datastore import values as V

    text = value.strip()
    half = V.normalize(text)
    if half != text and half.isascii() and half.isdigit() and len(half) == 6 and is_valid_lgcode(half):
        return CodeProblem("value.fullwidth", replacement=half)
    if not (half.isascii() and half.isdigit()):
        return CodeProblem("value.lgcode_format")
    if len(half) == 6:
        if not is_valid_lgcode(half):
            return CodeProblem("value.lgcode_check_digit", expected=with_check_digit(half[:5]))
        if not is_known(half):
            return CodeProblem("value.lgcode_unknown")
        return None
    if len(half) == 5:
        added = with_check_digit(half)
        padded = "0" + half
        candidates = [c for c in (added, padded) if is_valid_lgcode(c) and is_known(c)]
        if len(candidates) == 2:
            candidates = [padded if prefer_padding else added]
        if len(candidates) == 1:
            rule = "value.lgcode_five_digits" if candidates[0] == added else "value.lgcode_leading_zero"
            return CodeProblem(rule, replacement=candidates[0])
        if not candidates and 1 <= int(half[:2]) <= 47:
            # A JIS code not in the list (perhaps merged away since): the check digit is still certain.
            return CodeProblem("value.lgcode_five_digits", replacement=added)
        return CodeProblem("value.lgcode_format")
    if len(half) == 4:
        code = with_check_digit("0" + half)
        if is_known(code):
            return CodeProblem("value.lgcode_leading_zero", replacement=code)
    return CodeProblem("value.lgcode_format")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))
