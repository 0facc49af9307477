"""Validators for the kindergarten record."""

from django.core.exceptions import ValidationError

# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, S, V, Z); the last
# is a check character computed over the first 17 with these weights, modulo 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


# Positions 3–8 are the registering authority's administrative division code (GB/T 2260): six
# digits whose first two name a province-level division.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if not value:
        return
    if len(value) != 18:
        raise ValidationError("统一社会信用代码应为 18 位（现为 %(n)s 位）。", params={"n": len(value)}, code="length")
    bad = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            "统一社会信用代码含有不允许的字符：%(chars)s（只能是数字和除 I、O、S、V、Z 外的大写字母）。",
            params={"chars": "、".join(bad)},
            code="charset",
        )
    division = value[2:8]
    if not division.isdigit() or division[:2] not in PROVINCE_CODES:
        raise ValidationError(
            "统一社会信用代码第 3–8 位应为登记管理机关的行政区划代码（6 位数字，如 211104），现为“%(division)s”。",
            params={"division": division},
            code="division",
        )
    expected = credit_code_check_char(value[:17])
    if value[17] != expected:
        raise ValidationError("统一社会信用代码校验位不正确，请核对后重新填写。", code="checksum")


def normalise_credit_code(value: str) -> str:
    """Users paste codes with spaces and lower-case letters; the record keeps the canonical form."""
    return "".join((value or "").split()).upper()
