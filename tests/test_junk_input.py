"""No write the portal offers answers 500 to junk: every POST/PUT/PATCH row of the permission matrix that
some role may perform is sent again by that role with its body spoiled field by field (impossible dates,
negative and huge numbers, text where numbers go, lists where text goes, control characters, 10,000
characters), and with no body at all. Each answer must be below 500: a refusal with its reasons (400, a
form page again with errors, a redirect with a message) is fine, a crash is not. Each request is rolled
back, so one spoiled write cannot hide another.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from tests.matrix import ANON, Route, own_object
from tests.test_permission_matrix import ALL_ROUTES, _url

ALLOWED = {200, 201, 204, 302}
JUNK = [
    "",
    "2025-02-30",
    "-1",
    "99999999999999999999",
    "1e400",
    "三十",
    "\x00\x01\x1f",
    "长" * 10_000,
]


def _writes() -> list[tuple[Route, str]]:
    """(row, one role that may perform it) for each write row some signed-in role performs."""
    cases = []
    for route in ALL_ROUTES:
        if route.method not in ("post", "put", "patch"):
            continue
        roles = [r for r in route.run_roles() if r != ANON and route.expect.get(r) in ALLOWED]
        if roles:
            cases.append((route, roles[0]))
    return cases


def _spoiled(data) -> list:
    """The row's body with each field in turn replaced by each junk value (and by a list and a dict),
    and no body at all."""
    if not isinstance(data, dict) or not data:
        return [{}, *({"x": junk} for junk in JUNK[:4])]
    bodies: list = [{}]
    for key in data:
        if hasattr(data[key], "read"):  # a file: left as it is (the upload checks have their own tests)
            continue
        for junk in [*JUNK, ["1", "2"], ["99999999999999999999"], [-1], {"a": 1}]:
            bodies.append({**data, key: junk})
    return bodies


def _send(client: Client, route: Route, url: str, body) -> int:
    method = getattr(client, route.method)
    files = [v for v in body.values() if hasattr(v, "read")]
    for upload in files:
        upload.seek(0)  # the same file object goes with every spoiled body
    if files:  # an upload: multipart, as the matrix sends it (the spoiled text fields go alongside)
        flat = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in body.items()}
        return method(url, data=flat).status_code
    if route.api:
        return method(url, data=json.dumps(body), content_type="application/json").status_code
    if any(isinstance(v, dict) for v in body.values()):
        body = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in body.items()}
    return method(url, data=body).status_code


@pytest.mark.parametrize(
    ("route", "role"), [pytest.param(r, role, id=f"{r.method}-{r.name}-{role}") for r, role in _writes()]
)
def test_junk_never_answers_500(module_cast, db, route: Route, role: str):
    cast = module_cast
    client = Client(raise_request_exception=False)
    client.force_login(getattr(cast, role))
    crashes = []
    with transaction.atomic():
        own = own_object(route.obj, role, cast) if route.obj else None
        url = _url(route, own)
        data = route.data(cast) if route.data else {}
        bodies = _spoiled(data)
        for body in bodies:
            with transaction.atomic():
                status = _send(client, route, url, body)
                transaction.set_rollback(True)
            if status >= 500:
                shown = {k: (v[:20] + "…" if isinstance(v, str) and len(v) > 20 else v) for k, v in body.items()}
                crashes.append(f"{status} for {shown}")
        transaction.set_rollback(True)
    assert crashes == [], f"{route.method.upper()} {route.name} as {role}:\n" + "\n".join(crashes[:10])
