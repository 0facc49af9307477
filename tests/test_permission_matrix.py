"""The permission matrix: every (route, method) the resolver answers × every role × own and foreign objects.

- ``test_every_route_and_method_is_in_the_matrix``: every method of GET, POST, PUT, PATCH, DELETE
  that a named route answers has a row in a ``tests/matrix_*.py`` module, and no row expects an
  answer from a method the route refuses with 405 (a stale row). What a route answers: DRF views
  are read from the router's method → action map and the view's handlers; every other view is
  probed as the bureau admin on an object in its scope, each request rolled back, 405 meaning
  "does not answer". ``test_the_completeness_check_finds_planted_methods`` shows the check at work.
- HEAD and OPTIONS are not matrix rows: HEAD must answer like GET or be refused, and OPTIONS must
  be refused or answered with an empty body (Django's and DRF's built-in OPTIONS run no handler);
  ``test_head_and_options_run_no_handler`` checks every non-DRF route. DRF maps HEAD to GET itself.
- For each entry, every role gets exactly the status the matrix says on an object in its scope.
- On an object outside its scope every signed-in role gets 404, the same as a missing object.
- A refused write changes nothing: for every non-GET case whose expected status is a refusal
  (400, 401, 403, 404, 405, or 302 to the login page) the database is the same afterwards
  (``db_snapshot``: every row of every table but sessions and django-axes' logs, the audit trail
  included) and nothing was queued to run on commit (a Celery task). The check is itself tested
  (``test_a_refused_write_that_changes_something_fails``).
- The Django admin (``admin:`` names) is closed to every portal role: they are sent to its login.
"""

from __future__ import annotations

import functools
import importlib
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client, TestCase, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, include, path, reverse
from django.views.decorators.http import require_safe
from rest_framework import mixins
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from kindergartens.api import TownshipViewSet
from kindergartens.models import Kindergarten
from tests.matrix import ALL, ANON, METHODS, ROLES, Route, foreign_object, own_object, refused, statuses


def _collect_routes() -> list[Route]:
    """Every ``tests/matrix_*.py`` module contributes its ``ROUTES`` (one module per area)."""
    routes: list[Route] = []
    for path_ in sorted(Path(__file__).parent.glob("matrix_*.py")):
        module = importlib.import_module(f"tests.{path_.stem}")
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


# --- what each route answers ------------------------------------------------------------------------


def drf_methods(callback) -> set[str] | None:
    """The methods a DRF view answers, read from the view itself; None for any other view.

    A viewset answers what its router mapped (the router maps only actions the viewset has);
    an APIView what it has a handler for. Either way only methods in ``http_method_names``.
    """
    cls = getattr(callback, "cls", None)
    if not (isinstance(cls, type) and issubclass(cls, APIView)):
        return None
    allowed = set(getattr(callback, "initkwargs", {}).get("http_method_names", cls.http_method_names))
    actions = getattr(callback, "actions", None)
    if actions is not None:
        return {m for m, action in actions.items() if m in METHODS and m in allowed and hasattr(cls, action)}
    return {m for m in METHODS if m in allowed and hasattr(cls, m)}


def _probe_url(name: str, pattern: URLPattern, rows: list[Route], cast) -> str:
    """The route's URL on an object in the bureau admin's scope (the matrix row says which kind)."""
    row = next((r for r in rows if r.obj is not None), None)
    if row is not None:
        return reverse(name, kwargs={row.kwarg: own_object(row.obj, "bureau_admin", cast).pk})
    try:
        return reverse(name)
    except NoReverseMatch:
        pass
    try:
        # A route with no row yet: any id will do to learn which methods its view refuses.
        return reverse(name, kwargs=dict.fromkeys(pattern.pattern.regex.groupindex, "1"))
    except NoReverseMatch:
        raise AssertionError(
            f"{name}: add its rows to tests/matrix_*.py (with obj=...) so its URL can be built"
        ) from None


PROBED = (*METHODS, "head", "options")


class Prober:
    """Requests as the bureau admin, each rolled back whatever it did (it may approve, end, sign out).

    One sign-in for all of them: the session row is restored by each rollback, and the cookie by hand.
    """

    def __init__(self, cast):
        self.client = Client(raise_request_exception=False)
        self.client.force_login(cast.bureau_admin)
        self.session = self.client.cookies[settings.SESSION_COOKIE_NAME].value

    def __call__(self, url: str, method: str):
        self.client.cookies[settings.SESSION_COOKIE_NAME] = self.session
        with transaction.atomic():
            response = getattr(self.client, method)(url)
            transaction.set_rollback(True)
        return response


def _has_body(response) -> bool:
    if response.streaming:  # a download: read it to the end, which also closes the file
        return bool(b"".join(response.streaming_content))
    return bool(response.content)


def probe_routes(cast, routes: list[Route]) -> dict[str, dict[str, tuple[int, bool]]]:
    """Every named non-admin route that is not a DRF view → method → (status, has a body), for ``PROBED``."""
    rows_by_name = defaultdict(list)
    for route in routes:
        rows_by_name[route.name].append(route)
    results: dict[str, dict[str, tuple[int, bool]]] = {}
    with transaction.atomic():
        prober = Prober(cast)
        for pattern, name in _walk(get_resolver().url_patterns):
            if name is None or name.startswith("admin:") or drf_methods(pattern.callback) is not None:
                continue
            url = _probe_url(name, pattern, rows_by_name[name], cast)
            results[name] = {}
            for method in PROBED:
                response = prober(url, method)
                results[name][method] = (response.status_code, _has_body(response))
        transaction.set_rollback(True)
    return results


def answered_methods(cast, routes: list[Route], probes=None) -> dict[str, set[str]]:
    """Route name → the methods of ``METHODS`` it answers (not with 405), for every named non-admin route."""
    probes = probe_routes(cast, routes) if probes is None else probes
    answered: dict[str, set[str]] = {}
    for pattern, name in _walk(get_resolver().url_patterns):
        if name is None or name.startswith("admin:"):
            continue
        methods = drf_methods(pattern.callback)
        if methods is None:
            methods = {m for m in METHODS if probes[name][m][0] != 405}
        answered.setdefault(name, set()).update(methods)
    return answered


def head_options_problems(probes) -> list[str]:
    """HEAD answers like GET or is refused; OPTIONS is refused or answered with no body (no handler ran).

    DRF views are not probed: DRF maps HEAD to GET and answers OPTIONS with metadata after its
    permission check.
    """
    problems = []
    for name, results in sorted(probes.items()):
        get, head, options = results["get"][0], results["head"][0], results["options"]
        if head not in (get, 405):
            problems.append(f"HEAD {name}: {head}, but GET {get}")
        if options[0] != 405 and options[1]:
            problems.append(f"OPTIONS {name}: {options[0]} with a body, a handler ran")
    return problems


@pytest.fixture(scope="module")
def route_probes(module_cast, django_db_blocker):
    with django_db_blocker.unblock():
        return probe_routes(module_cast, ALL_ROUTES)


def matrix_problems(routes: list[Route], answered: dict[str, set[str]]) -> list[str]:
    """What is wrong between the rows and what the routes answer, one readable line each."""
    rows: dict[tuple[str, str], list[Route]] = defaultdict(list)
    for route in routes:
        rows[(route.name, route.method)].append(route)
    problems = []
    for name in sorted(answered):
        for method in METHODS:
            if method in answered[name] and (name, method) not in rows:
                problems.append(f"{method.upper()} {name}: the route answers it, but no tests/matrix_*.py row does")
    for (name, method), entries in sorted(rows.items()):
        if name not in answered:
            problems.append(f"{method.upper()} {name}: stale row, the resolver knows no such route")
            continue
        if method not in METHODS:
            problems.append(f"{method.upper()} {name}: the matrix keys on {', '.join(METHODS)} only")
            continue
        for entry in entries:
            if method in answered[name] and entry.expects_refusal():
                problems.append(f"{method.upper()} {name}: the row expects 405, but the route answers it")
            if method not in answered[name] and not entry.expects_refusal():
                problems.append(
                    f"{method.upper()} {name}: stale row, the route answers 405 but the row expects {entry.expect}"
                )
    return problems


def test_every_route_and_method_is_in_the_matrix(module_cast, db, route_probes):
    named, unnamed = resolver_routes()
    assert unnamed == [], f"every URL needs a name so the matrix can cover it: {unnamed}"
    problems = matrix_problems(ALL_ROUTES, answered_methods(module_cast, ALL_ROUTES, route_probes))
    assert problems == [], "the permission matrix does not match the routes:\n" + "\n".join(problems)


# A URLConf with the bug the review found planted: a townships API that answers DELETE. Also a
# page that answers every method (no method decorator) and one that answers GET only.
class _PlantedTownshipViewSet(TownshipViewSet):
    destroy = mixins.DestroyModelMixin.destroy  # what adding DestroyModelMixin does


def _page(request, pk=None):
    return HttpResponse("ok")


def _leaky(request):
    """Refuses, but only after writing: what the snapshot must catch."""
    if "pk" in request.POST:
        Kindergarten.objects.filter(pk=request.POST["pk"]).update(capacity=1)
    transaction.on_commit(lambda: None)  # e.g. a Celery task queued with delay_on_commit
    return HttpResponse(status=403)


_planted_router = SimpleRouter()
_planted_router.register("townships", _PlantedTownshipViewSet, basename="township")


class PlantedURLConf:
    urlpatterns = [
        path("api/", include((_planted_router.urls, "api"))),
        path("open/<int:pk>/", login_required(_page), name="open"),
        path("safe/", login_required(require_safe(_page)), name="safe"),
    ]


class LeakyURLConf:
    urlpatterns = [path("leaky/", _leaky, name="leaky")]


def test_the_completeness_check_finds_planted_methods(module_cast, db):
    """The checker itself: an unlisted DELETE on the townships API, a page answering every method
    (OPTIONS included), a stale row and a wrong "405" row are all reported; correct rows are not."""
    ok = statuses(200, anonymous=302)
    rows = [
        Route("api:township-list", ok, api=True),
        Route("api:township-detail", ok, obj="township", api=True),
        Route("open", ok, obj="kindergarten"),
        *refused("open", obj="kindergarten", methods=("put",)),  # wrong: the page answers PUT
        Route("safe", ok),
        *refused("safe"),  # right: require_safe refuses them
        Route("safe", ok, method="patch"),  # stale: the page refuses PATCH
    ]
    with override_settings(ROOT_URLCONF=PlantedURLConf):
        probes = probe_routes(module_cast, rows)
        answered = answered_methods(module_cast, rows, probes)
        problems = matrix_problems(rows, answered)
    assert answered == {
        "api:township-list": {"get"},
        "api:township-detail": {"get", "delete"},
        "open": set(METHODS),
        "safe": {"get"},
    }
    assert [p.split(": ", 1)[0] for p in problems] == [
        "DELETE api:township-detail",
        "POST open",
        "PATCH open",
        "DELETE open",
        "PUT open",
        "PATCH safe",
    ], problems
    assert "no tests/matrix_*.py row" in problems[0]
    assert "expects 405" in problems[4]
    assert "stale row" in problems[5]
    assert head_options_problems(probes) == ["OPTIONS open: 200 with a body, a handler ran"]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        # The update is audited too (core/audit.py): both tables are named.
        (lambda c: {"pk": c.kg_a1.pk}, ("changed the database", "core.AuditEntry", "kindergartens.Kindergarten")),
        (None, ("queued work to run on commit",)),
    ],
    ids=["writes", "queues"],
)
def test_a_refused_write_that_changes_something_fails(module_cast, db, client, data, named):
    """The check itself: a 403 that wrote first, or queued work, fails and says what; a sign-in does not count."""
    route = Route("leaky", statuses(403), method="post", data=data)
    client.force_login(module_cast.bureau_admin)  # sessions, last_login, axes' log: before the snapshot
    with override_settings(ROOT_URLCONF=LeakyURLConf), pytest.raises(AssertionError) as failure:
        _check(client, route, reverse("leaky"), module_cast, "bureau_admin", 403, "own")
    assert str(failure.value).startswith("POST leaky as bureau_admin on own object was refused (403) but ")
    for part in named:
        assert part in str(failure.value)


def test_head_and_options_run_no_handler(module_cast, db, route_probes):
    problems = head_options_problems(route_probes)
    assert problems == [], "\n".join(problems)


# --- the matrix -------------------------------------------------------------------------------------


def _login(client, cast, role):
    if role != ANON:
        client.force_login(getattr(cast, role))


def _send(client, route: Route, url: str, data):
    method = getattr(client, route.method)
    uploads = isinstance(data, dict) and any(hasattr(value, "read") for value in data.values())
    if route.api and route.method in ("post", "put", "patch") and not uploads:
        return method(url, data=data, content_type="application/json")  # a file goes as multipart below
    if route.method == "get":
        return method(url)
    return method(url, data=data)


def _url(route: Route, obj) -> str:
    if route.obj is None:
        return reverse(route.name)
    return reverse(route.name, kwargs={route.kwarg: obj.pk})


# What a refused request may still write, and why it is left out of the snapshot:
# - sessions: signing in (force_login) and out writes them, and a refusal page may save the session;
# - django-axes' attempt and access logs: recording a refused sign-in is exactly their job.
# Everything else is compared, including the audit trail (core.AuditEntry), guardian's permission
# tables, API tokens, users, groups and permissions.
SNAPSHOT_EXCLUDED_APPS = {"sessions", "axes"}


@functools.cache
def _snapshot_tables() -> tuple[tuple[str, str, str], ...]:
    """(model label, table, primary key column) of every table the snapshot compares."""
    return tuple(
        (model._meta.label, model._meta.db_table, model._meta.pk.column)
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in SNAPSHOT_EXCLUDED_APPS and model._meta.managed and not model._meta.proxy
    )


def db_snapshot() -> dict[str, list[tuple]]:
    """Every row of every compared table, ordered by primary key (the test data is small).

    Raw SQL: the ORM's ``values_list()`` over the same tables took 17 ms a snapshot, this 1.5 ms.
    """
    quote = connection.ops.quote_name
    snapshot = {}
    with connection.cursor() as cursor:
        for label, table, pk in _snapshot_tables():
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608 - names from the models
            snapshot[label] = cursor.fetchall()
    return snapshot


def snapshot_diff(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    changes = []
    for label, rows in before.items():
        if after[label] != rows:
            gone = [r for r in rows if r not in after[label]]
            new = [r for r in after[label] if r not in rows]
            changes.append(
                f"{label}: {len(rows)} → {len(after[label])} rows; removed/old {gone[:2]}, added/new {new[:2]}"
            )
    return changes


REFUSALS = {400, 401, 403, 404, 405}


def _is_refusal(route: Route, role: str, expected: int) -> bool:
    """A write the matrix expects to be refused: it must leave the database as it was."""
    if route.method == "get":
        return False
    return expected in REFUSALS or (expected == 302 and role == ANON)


def _check(client, route: Route, url: str, cast, role: str, expected: int, which: str) -> None:
    data = route.data(cast) if route.data else {}  # built first: a row's data may create what it posts to
    refusal = _is_refusal(route, role, expected)
    before = db_snapshot() if refusal else None
    with TestCase.captureOnCommitCallbacks() as queued:
        response = _send(client, route, url, data)
    where = f"{route.method.upper()} {route.name} as {role} on {which} object"
    assert response.status_code == expected, f"{where}: {response.status_code} != {expected}"
    if not refusal:
        return
    if expected == 302:
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), (
            f"{where}: sent to {response['Location']}"
        )
    changes = snapshot_diff(before, db_snapshot())
    assert changes == [], f"{where} was refused ({expected}) but changed the database:\n" + "\n".join(changes)
    # Background work is queued on commit, which never comes inside a test: look at the queue instead.
    assert queued == [], f"{where} was refused ({expected}) but queued work to run on commit: {queued}"


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
    _check(client, route, _url(route, own), cast, role, route.expect[role], "own")
    if route.obj is None:
        return
    client.logout()
    _login(client, cast, role)
    foreign = foreign_object(route.obj, role, cast)
    expected_foreign = route.foreign.get(role, route.expect[ANON] if role == ANON else 404)
    _check(client, route, _url(route, foreign), cast, role, expected_foreign, "foreign")


def test_every_row_names_a_status_for_its_roles():
    for route in ALL_ROUTES:
        assert set(route.run_roles()) <= set(route.expect), f"{route.method} {route.name}: {route.expect}"
        assert set(route.run_roles()) <= set(ALL), f"{route.method} {route.name}: unknown role in {route.roles}"


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
    "core.tasks.run_job": "user: runs a job as its requester; the kinds fetch through the access layer with that "
    "user (tests/core/test_jobs.py, tests/kindergartens/test_export.py, test_import.py)",
    "core.tasks.cleanup_jobs": "system: deletes expired job files of every user, keeps the rows",
    "supervision.tasks.escalate_overdue_orders": "system: flags and escalates overdue rectification orders of "
    "every district (tests/supervision/test_rectification.py)",
    "core.tasks.send_notification_email": "system: e-mails one notification to its own recipient",
    "reports.tasks.open_submissions": "system: opens every district's submissions of the month due",
    "reports.tasks.send_reminders": "system: one digest per person about submissions they file or oversee",
    "reports.tasks.build_district_reports": "system: builds every district's consolidated report when due",
    "pairing.tasks.daily": "system: ensures the pairing report types, starts agreements, flags idle ones to their bureaus",
    "indicators.tasks.take_enrolment_snapshot": "system: writes every kindergarten's enrolment into the month's "
    "snapshot and ensures the responsibility list's progress report type (tests/indicators/test_tasks.py)",
}


def test_every_task_is_in_the_matrix():
    from config.celery import app

    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.") and not name.startswith("tests.")}
    assert ours == set(TASK_SCOPES), f"classify these tasks in TASK_SCOPES: {sorted(ours ^ set(TASK_SCOPES))}"
