"""Fixtures for the REST API tests."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    # DRF keeps throttle counts (the "token" scope) in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """A DRF test client: ``api.force_login(user)`` or ``api.credentials(HTTP_AUTHORIZATION=…)``."""
    return APIClient()
