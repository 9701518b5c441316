"""全国地方公共団体コード (local-government code) validation.

A code is the 5-digit JIS X 0402 code plus a check digit: with weights
6, 5, 4, 3, 2 on the five digits, r = Σ w·d mod 11 and check = (11 − r) mod 10.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (6, 5, 4, 3, 2)
_SIX_DIGITS = re.compile(r"^[0-9]{6}\Z")  # \Z, not $: "$" also accepts a trailing newline


def check_digit(five_digits: str) -> int:
    remainder = sum(w * int(d) for w, d in zip(_WEIGHTS, five_digits, strict=True)) % 11
    return (11 - remainder) % 10


def is_valid_lgcode(code: str) -> bool:
    if not isinstance(code, str) or not _SIX_DIGITS.match(code):
        return False
    return check_digit(code[:5]) == int(code[5])


def validate_lgcode(value: str) -> None:
    """Django validator with a bilingual message (ja default, en when the UI is English)."""
    if not value:
        return
    if not _SIX_DIGITS.match(value):
        raise ValidationError(
            _("Enter the 6-digit local government code (全国地方公共団体コード) in half-width digits."),
            code="lgcode_format",
        )
    if check_digit(value[:5]) != int(value[5]):
        raise ValidationError(
            _("The check digit of local government code %(code)s is wrong; expected %(expected)s."),
            code="lgcode_check_digit",
            params={"code": value, "expected": value[:5] + str(check_digit(value[:5]))},
        )
