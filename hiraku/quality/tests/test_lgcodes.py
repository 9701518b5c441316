"""全国地方公共団体コード in cells: no false alarm on any real code, and the likely mistakes are recognised."""

from __future__ import annotations

import csv

import pytest

from hiraku.quality import lgcodes
from hiraku.quality.checks import validate_file

from .helpers import write_csv


@pytest.fixture(scope="module")
def real_codes(shared_dir) -> list[str]:
    path = shared_dir / "data" / "localgovjp" / "localgovjp-utf8.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row["lgcode"] for row in csv.DictReader(handle)]


def test_the_shipped_list_is_the_reference_list(real_codes):
    shipped = lgcodes.code_table()
    assert set(real_codes) <= set(shipped)
    assert len(shipped) == len(real_codes) + 47  # plus the prefectures, PP000 + check digit
    assert lgcodes.lookup("372013").full_name == "香川県高松市"
    assert lgcodes.lookup("370002").prefecture == "香川県"
    assert lgcodes.lookup("011011").name == "札幌市 中央区"


def test_no_real_code_is_reported(real_codes):
    assert [code for code in real_codes if lgcodes.diagnose(code) is not None] == []


def test_no_real_code_is_reported_in_a_file(tmp_path, real_codes):
    rows = [["全国地方公共団体コード", "ID", "名称", "所在地_全国地方公共団体コード", "所在地_連結表記", "設置位置"]]
    rows += [[code, f"A{i}", f"施設{i}", code, "住所", "北"] for i, code in enumerate(real_codes)]
    report = validate_file(write_csv(tmp_path, rows, name="all.csv"), standard="public_toilet")
    assert report.rows_checked == len(real_codes)
    assert [rule for rule in report.findings.counts if rule.startswith("value.lgcode")] == []


def test_every_wrong_check_digit_is_caught(real_codes):
    for code in real_codes:
        for digit in "0123456789":
            if digit != code[5]:
                problem = lgcodes.diagnose(code[:5] + digit)
                assert problem.rule == "value.lgcode_check_digit" and problem.expected == code


def test_five_digit_codes_get_their_check_digit(real_codes):
    for code in real_codes:
        problem = lgcodes.diagnose(code[:5])
        assert (problem.rule, problem.replacement) == ("value.lgcode_five_digits", code), code


def test_codes_that_lost_their_leading_zero(real_codes):
    lost = [code for code in real_codes if code.startswith("0")]
    assert len(lost) > 300
    for code in lost:
        problem = lgcodes.diagnose(code[1:], prefer_padding=True)
        assert (problem.rule, problem.replacement) == ("value.lgcode_leading_zero", code), code


def test_the_column_decides_between_a_lost_zero_and_a_missing_check_digit(tmp_path):
    header = ["全国地方公共団体コード", "名称", "所在地_連結表記", "設置位置"]
    six = [header, ["011002", "a", "x", "y"], ["012025", "b", "x", "y"], ["11100", "c", "x", "y"]]
    report = validate_file(write_csv(tmp_path, six, name="six.csv"), standard="public_toilet")
    assert report.findings.by_rule("value.lgcode_leading_zero")[0].replacement == "011100"
    five = [header, ["01100", "a", "x", "y"], ["01202", "b", "x", "y"], ["11100", "c", "x", "y"]]
    report = validate_file(write_csv(tmp_path, five, name="five.csv"), standard="public_toilet")
    assert [f.replacement for f in report.findings.by_rule("value.lgcode_five_digits")] == [
        "011002", "012025", "111007"]


@pytest.mark.parametrize("value, rule", [("", "value.lgcode_format"), ("37201３", "value.fullwidth"), ("3720１", "value.lgcode_five_digits"), ("37-201", "value.lgcode_format"),
                                         ("3720133", "value.lgcode_format"), ("99999", "value.lgcode_format"),
                                         ("372031", "value.lgcode_check_digit")])
def test_malformed_values(value, rule):
    assert lgcodes.diagnose(value).rule == rule
