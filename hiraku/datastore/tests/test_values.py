import datetime as dt
from decimal import Decimal

import pytest

from hiraku.datastore import values as V


@pytest.mark.parametrize("text,kind,expected", [
    ("123", V.INTEGER, 123),
    ("１２３", V.INTEGER, 123),
    ("1,234,567", V.INTEGER, 1234567),
    ("１，２３４", V.INTEGER, 1234),
    ("△1,500", V.INTEGER, -1500),
    ("▲20", V.INTEGER, -20),
    ("-7", V.INTEGER, -7),
    ("34.319621", V.DECIMAL, Decimal("34.319621")),
    ("１２．５", V.DECIMAL, Decimal("12.5")),
    ("2023-04-01", V.DATE, dt.date(2023, 4, 1)),
    ("1947/4/1", V.DATE, dt.date(1947, 4, 1)),
    ("2023年4月1日", V.DATE, dt.date(2023, 4, 1)),
    ("令和5年4月1日", V.DATE, dt.date(2023, 4, 1)),
    ("令和元年5月1日", V.DATE, dt.date(2019, 5, 1)),
    ("R5.4.1", V.DATE, dt.date(2023, 4, 1)),
    ("R05/04/01", V.DATE, dt.date(2023, 4, 1)),
    ("H31.4.30", V.DATE, dt.date(2019, 4, 30)),
    ("平成31年4月30日", V.DATE, dt.date(2019, 4, 30)),
    ("平成元年1月8日", V.DATE, dt.date(1989, 1, 8)),
    ("昭和64年1月7日", V.DATE, dt.date(1989, 1, 7)),
    ("令和５年４月１日（土）", V.DATE, dt.date(2023, 4, 1)),
    ("9:00", V.TIME, dt.time(9, 0)),
    ("２２：３０", V.TIME, dt.time(22, 30)),
    ("9時30分", V.TIME, dt.time(9, 30)),
    ("2023/04/01 10:15:30", V.DATETIME, dt.datetime(2023, 4, 1, 10, 15, 30)),
    ("2023-04-01T10:15", V.DATETIME, dt.datetime(2023, 4, 1, 10, 15)),
    ("有", V.BOOLEAN, True),
    ("無", V.BOOLEAN, False),
    ("TRUE", V.BOOLEAN, True),
])
def test_classify_and_convert(text, kind, expected):
    assert V.classify(text) == kind
    assert V.convert(text, kind) == expected


@pytest.mark.parametrize("text", [
    "012345",  # municipality code with a leading zero
    "760-0001",  # postal code
    "087-841-2146",  # telephone number
    "令和6年度",  # fiscal year, not a date
    "2023-02-30",  # no such day
    "24:00",  # not a time of day
    "1e5",
    "12.5%",
    "1,23",
    "高松市",
    "なし",
])
def test_values_that_stay_text(text):
    assert V.classify(text) == V.TEXT


def test_conversion_is_strict():
    with pytest.raises(ValueError):
        V.convert("abc", V.INTEGER)
    with pytest.raises(ValueError):
        V.convert("令和5年13月1日", V.DATE)
    with pytest.raises(ValueError):
        V.convert("はい", V.BOOLEAN)


def test_datetime_column_accepts_bare_dates():
    assert V.convert("R5.4.1", V.DATETIME) == dt.datetime(2023, 4, 1)


@pytest.mark.parametrize("a,b,joined", [
    (None, V.INTEGER, V.INTEGER),
    (V.INTEGER, V.DECIMAL, V.DECIMAL),
    (V.DATE, V.DATETIME, V.DATETIME),
    (V.INTEGER, V.DATE, V.TEXT),
    (V.BOOLEAN, V.INTEGER, V.TEXT),
])
def test_join(a, b, joined):
    assert V.join(a, b) == joined


def test_wareki_year():
    assert V.wareki_to_year("平成31年") == 2019
    assert V.wareki_to_year("令和元年") == 2019
    assert V.wareki_to_year("R5") == 2023
