import pytest

from tests.pairing.helpers import pairing_setup


@pytest.fixture
def pc(cast):
    """The documented cast with the pairing additions (tests/pairing/helpers.py)."""
    return pairing_setup(cast)
