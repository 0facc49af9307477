"""GB 11643-1999: check digit, birth date, derived facts, masking and the keyed hash."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from staffing import idcard

# The standard's own worked example (GB 11643-1999 appendix): 11010519491231002X.
KNOWN = "11010519491231002X"


def test_the_standards_example_is_valid_and_its_facts_derived():
    facts = idcard.parse(KNOWN.lower())
    assert facts.number == KNOWN
    assert facts.birth_date == datetime.date(1949, 12, 31)
    assert facts.gender == "female"  # 17th digit 2: even
    assert idcard.check_digit(KNOWN[:17]) == "X"


def test_male_from_an_odd_17th_digit():
    assert idcard.parse(idcard.make_number("11010119900307123")).gender == "male"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", idcard.BAD_CHECK),
        ("11010519491231002", idcard.INVALID),
        ("1101051949123100XX", idcard.INVALID),
        (idcard.make_number("11010519490230002"), idcard.BAD_BIRTH),  # 30 February
        (idcard.make_number("11010521000101002"), idcard.BAD_BIRTH),  # in the future
        (idcard.make_number("11010518000101002"), idcard.BAD_BIRTH),
    ],
)
def test_bad_numbers_are_refused_without_repeating_the_number(value, message):
    with pytest.raises(ValidationError) as exc:
        idcard.parse(value)
    assert exc.value.messages == [message]
    assert value not in str(exc.value) and value[6:14] not in str(exc.value)


def test_masked_shows_region_and_last_four_only():
    assert idcard.mask(KNOWN) == "110105********002X"


def test_the_lookup_hash_is_keyed():
    with override_settings(PII_HMAC_KEY="key-one"):
        one = idcard.keyed_hash(KNOWN)
        assert one == idcard.keyed_hash(KNOWN.lower())
    with override_settings(PII_HMAC_KEY="key-two"):
        two = idcard.keyed_hash(KNOWN)
    assert one != two and len(one) == 64
    import hashlib

    assert one != hashlib.sha256(KNOWN.encode()).hexdigest()
