"""core.client_ip: the client's address behind N trusted proxies, one rule for axes, throttles and audit."""

import pytest
from django.test import RequestFactory

from core.client_ip import client_ip


def request(remote="127.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("203.0.113.5")) == "203.0.113.5"
    assert client_ip(request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.5", "203.0.113.5"),  # what nginx sends for a client that sent no header
        ("6.6.6.6, 203.0.113.5", "203.0.113.5"),  # whatever the client wrote on the left is ignored
        ("6.6.6.6,7.7.7.7 , 203.0.113.5", "203.0.113.5"),
        ("2001:db8::1", "2001:db8::1"),
        ("", "127.0.0.1"),  # did not come through the proxy
        ("not-an-address", "127.0.0.1"),
        ("203.0.113.5, garbage", "127.0.0.1"),
    ],
)
def test_behind_one_proxy_the_right_most_entry_is_the_client(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("127.0.0.1", forwarded)) == expected


def test_behind_two_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    # client → load balancer (appends the client) → nginx (appends the balancer) → gunicorn
    assert client_ip(request("127.0.0.1", "6.6.6.6, 203.0.113.5, 10.0.0.2")) == "203.0.113.5"
    assert client_ip(request("127.0.0.1", "10.0.0.2")) == "127.0.0.1"


def test_no_remote_address_at_all(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) is None
