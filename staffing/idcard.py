"""居民身份证号码 (GB 11643-1999): validation, the facts it carries, masking and the keyed hash.

The full number is personal data: it is checked here, stored once, shown masked everywhere
(``110101********1234``) and looked up through an HMAC keyed with ``PII_HMAC_KEY`` (a plain hash
of an 18-digit number with a known structure is brute-forced in minutes). Error messages never
repeat the number.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
INVALID = "身份证号码格式不正确，应为 18 位（最后一位可为 X）。"
BAD_CHECK = "身份证号码校验位不正确，请核对后重新填写。"
BAD_BIRTH = "身份证号码中的出生日期不正确，请核对后重新填写。"


@dataclass(frozen=True)
class IdFacts:
    number: str  # normalised: upper-case X
    birth_date: datetime.date
    gender: str  # "male" / "female"


def normalise(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse(raw: str, *, today: datetime.date | None = None) -> IdFacts:
    """The number's facts; ValidationError (without the number) when it is not a valid 18-digit ID."""
    number = normalise(raw)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(INVALID, code="invalid")
    if check_digit(number[:17]) != number[17]:
        raise ValidationError(BAD_CHECK, code="check_digit")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(BAD_BIRTH, code="birth_date") from None
    today = today or timezone.localdate()
    if birth.year < 1900 or birth > today:
        raise ValidationError(BAD_BIRTH, code="birth_date")
    return IdFacts(number=number, birth_date=birth, gender="male" if int(number[16]) % 2 else "female")


def mask(number: str) -> str:
    """``110101********1234``: the region and the last four, never the birth date."""
    number = normalise(number)
    if len(number) < 10:
        return "*" * len(number)
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"


def keyed_hash(number: str) -> str:
    """HMAC-SHA256 of the normalised number with the environment's key: what look-ups compare."""
    key = settings.PII_HMAC_KEY.encode()
    return hmac.new(key, normalise(number).encode(), hashlib.sha256).hexdigest()


def make_number(first17: str) -> str:
    """A valid number from its first 17 digits (tests, demo data, the benchmark)."""
    return first17 + check_digit(first17)
