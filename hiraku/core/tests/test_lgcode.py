"""全国地方公共団体コード check digits, against every real code."""

from __future__ import annotations

import csv

import pytest
from django.core.exceptions import ValidationError

from hiraku.core.lgcode import check_digit, is_valid_lgcode, validate_lgcode


@pytest.fixture(scope="module")
def real_codes(shared_dir) -> list[str]:
    path = shared_dir / "data" / "localgovjp" / "localgovjp-utf8.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row["lgcode"] for row in csv.DictReader(handle)]


def test_every_published_code_is_valid(real_codes):
    assert len(real_codes) > 1900
    rejected = [code for code in real_codes if not is_valid_lgcode(code)]
    assert rejected == []
    for code in real_codes:
        validate_lgcode(code)


def test_every_published_code_fails_with_any_other_check_digit(real_codes):
    for code in real_codes:
        wrong = [code[:5] + str(d) for d in range(10) if str(d) != code[5]]
        assert not any(is_valid_lgcode(candidate) for candidate in wrong), code


@pytest.mark.parametrize("code, expected", [("37201", 3), ("13101", 6), ("01100", 2), ("47382", 1)])
def test_known_check_digits(code, expected):
    assert check_digit(code) == expected


@pytest.mark.parametrize("value", ["", None, "37201", "3720133", "37201a", "３７２０１３", " 372013", "372013\n",
                                   "37-013", 372013])
def test_malformed_codes_are_not_valid(value):
    assert not is_valid_lgcode(value)


@pytest.mark.parametrize("value", ["37201", "3720133", "３７２０１３", "abcdef"])
def test_validator_explains_the_format(value):
    with pytest.raises(ValidationError) as raised:
        validate_lgcode(value)
    assert raised.value.code == "lgcode_format"


def test_validator_names_the_expected_check_digit():
    with pytest.raises(ValidationError) as raised:
        validate_lgcode("372014")
    assert raised.value.code == "lgcode_check_digit"
    assert raised.value.params["expected"] == "372013"


def test_empty_value_is_allowed_by_the_validator():
    validate_lgcode("")
