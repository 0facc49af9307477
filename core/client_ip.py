"""The client's address behind the reverse proxies: one rule for the login lock, throttling and audit.

With ``TRUSTED_PROXY_COUNT`` = 0 (no proxy) the address is ``REMOTE_ADDR`` and X-Forwarded-For is
ignored: anyone can send that header. Behind N proxies, each appends the address it received the
request from (nginx: ``$proxy_add_x_forwarded_for``), so the client is the N-th entry from the
right; entries further left were written by the client and are never trusted. A request that did
not pass through all N (too few entries) or whose entry is not an address falls back to
``REMOTE_ADDR``.

django-axes uses this function (``AXES_CLIENT_IP_CALLABLE``) instead of django-ipware: ipware's
defaults through axes read only ``REMOTE_ADDR`` (``AXES_IPWARE_META_PRECEDENCE_ORDER``) and count
proxies from the left, where a client can write whatever it likes.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address of the client that sent ``request`` (a Django or DRF request)."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote
