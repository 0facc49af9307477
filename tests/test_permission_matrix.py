"""The permission matrix: every route the resolver knows × every role × own and foreign objects.

- A route missing from every ``tests/matrix_*.py`` module fails ``test_every_route_is_in_the_matrix``.
- For each entry, every role gets exactly the status the matrix says on an object in its scope.
- On an object outside its scope every signed-in role gets 404, the same as a missing object.
- The Django admin (``admin:`` names) is closed to every portal role: they are sent to its login.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix import ANON, ROLES, Route, foreign_object, own_object


def _collect_routes() -> list[Route]:
    """Every ``tests/matrix_*.py`` module contributes its ``ROUTES`` (one module per area)."""
    routes: list[Route] = []
    for path in sorted(Path(__file__).parent.glob("matrix_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        routes.extend(module.ROUTES)
    return routes


ALL_ROUTES: list[Route] = _collect_routes()


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            yield from _walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern):
            yield p, f"{namespace}{p.name}" if p.name else (f"{namespace}?" if namespace == "admin:" else None)


def resolver_routes() -> tuple[set[str], list[str]]:
    named, unnamed = set(), []
    for pattern, name in _walk(get_resolver().url_patterns):
        if name is None:
            unnamed.append(str(pattern.pattern))
        else:
            named.add(name)
    # Django's own unnamed admin redirects (object_id/ → change page, the catch-all) are covered
    # by test_admin_is_closed_to_portal_roles through the names around them.
    named.discard("admin:?")
    return named, unnamed


def test_every_route_is_in_the_matrix():
    named, unnamed = resolver_routes()
    assert unnamed == [], f"every URL needs a name so the matrix can cover it: {unnamed}"
    covered = {r.name for r in ALL_ROUTES}
    missing = sorted(n for n in named - covered if not n.startswith("admin:"))
    assert missing == [], f"routes missing from the permission matrix: {missing}"
    stale = sorted(covered - named)
    assert stale == [], f"matrix names routes the resolver does not know: {stale}"


def _login(client, cast, role):
    if role != ANON:
        client.force_login(getattr(cast, role))


def _request(client, route: Route, url: str, cast):
    data = route.data(cast) if route.data else {}
    method = getattr(client, route.method)
    if route.api and route.method in ("post", "put", "patch"):
        return method(url, data=data, content_type="application/json")
    if route.method == "get":
        return method(url)
    return method(url, data=data)


def _url(route: Route, obj) -> str:
    if route.obj is None:
        return reverse(route.name)
    return reverse(route.name, kwargs={route.kwarg: obj.pk})


CASES = [
    pytest.param(route, role, id=f"{route.method}-{route.name}-{role}")
    for route in ALL_ROUTES
    for role in route.run_roles()
]


@pytest.mark.parametrize(("route", "role"), CASES)
def test_matrix(module_cast, db, client, route: Route, role: str):
    cast = module_cast
    _login(client, cast, role)
    own = own_object(route.obj, role, cast) if route.obj else None
    response = _request(client, route, _url(route, own), cast)
    expected = route.expect[role]
    assert response.status_code == expected, (
        f"{route.method.upper()} {route.name} as {role} on own object: {response.status_code} != {expected}"
    )
    if route.obj is None:
        return
    client.logout()
    _login(client, cast, role)
    foreign = foreign_object(route.obj, role, cast)
    response = _request(client, route, _url(route, foreign), cast)
    expected_foreign = route.foreign.get(role, route.expect[ANON] if role == ANON else 404)
    assert response.status_code == expected_foreign, (
        f"{route.method.upper()} {route.name} as {role} on foreign object: {response.status_code} != {expected_foreign}"
    )


ADMIN_KWARGS = {"app_label": "kindergartens", "object_id": "1", "content_type_id": "1", "url": "x"}


def _admin_url(name: str) -> str:
    resolver = get_resolver()
    for pattern, full in _walk(resolver.url_patterns):
        if full == name:
            keys = list(pattern.pattern.regex.groupindex)
            return reverse(name, kwargs={k: ADMIN_KWARGS.get(k, "1") for k in keys})
    raise AssertionError(name)


@pytest.mark.parametrize("role", [ANON, *ROLES])
def test_admin_is_closed_to_portal_roles(module_cast, db, client, role):
    """No portal role is staff: every admin page sends them to the admin login, which lets nobody in."""
    cast = module_cast
    _login(client, cast, role)
    named, _ = resolver_routes()
    admin_names = sorted(n for n in named if n.startswith("admin:"))
    assert "admin:kindergartens_kindergarten_changelist" in admin_names
    for name in admin_names:
        url = _admin_url(name)
        response = client.get(url)
        if name in ("admin:login", "admin:logout"):
            # The login page answers; logout of a non-admin just goes back to the admin index.
            assert response.status_code in (200, 302), name
            continue
        assert response.status_code == 302, f"{name} as {role}: {response.status_code}"
        assert "/admin/login/" in response["Location"], f"{name} as {role} went to {response['Location']}"


# Every Celery task of the project, and how it is scoped. A task acting for a user must fetch
# through the access layer with that user (and be tested like a view); a system task acts on
# everything by design and must say so here. A new task missing from this table fails.
TASK_SCOPES = {
    "core.tasks.heartbeat": "system: writes only its own liveness row",
    "kindergartens.tasks.apply_due_status_changes": "system: applies dated history to every kindergarten",
}


def test_every_task_is_in_the_matrix():
    from config.celery import app

    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.") and not name.startswith("tests.")}
    assert ours == set(TASK_SCOPES), f"classify these tasks in TASK_SCOPES: {sorted(ours ^ set(TASK_SCOPES))}"
