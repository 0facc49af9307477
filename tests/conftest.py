"""The cast every test can use (see ``cast`` below) and the service switches.

REQUIRE_SERVICES=1 (set by .ci/run) turns "Redis unreachable" and "no Chromium" from a
skip into a failure, so CI can never pass by skipping what it is meant to test.
"""

import datetime
import os
import socket
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from accounts.roles import Role
from kindergartens.models import ChangeFiling, KindergartenClass, Level, RosterImport, UrbanRural
from kindergartens.services import credit_grades_ensure_defaults
from staffing.defaults import certificate_kinds_ensure_defaults
from supervision.checklists import checklists_ensure_defaults
from supervision.services import supervisor_assign
from tests.factories import CityFactory, DistrictFactory, KindergartenFactory, TownshipFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"


def service_missing(reason: str) -> None:
    """Skip locally, fail in CI."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """A run that skipped the browser tests has not tested the pages: say so last, loudly.

    (Under REQUIRE_SERVICES=1 a missing Chromium is an error, not a skip, so this never shows in CI.)
    """
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in r.keywords]
    if not skipped:
        return
    reasons = sorted({r.longrepr[2] if isinstance(r.longrepr, tuple) else str(r.longrepr) for r in skipped})
    terminalreporter.write_sep(
        "!", f"{len(skipped)} BROWSER TESTS SKIPPED: the pages were not tested", red=True, bold=True
    )
    for reason in reasons:
        terminalreporter.write_line(f"  {reason}", red=True)
    terminalreporter.write_line("  Install Chromium and run them again:  apt-get install chromium", red=True, bold=True)


def redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle and lock-out counts live in the cache, which outlives a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cast(db):
    """The documented cast (see ``build_cast``), built for one test."""
    return build_cast()


@pytest.fixture(scope="module")
def module_cast(django_db_setup, django_db_blocker):
    """The same cast built once per module inside an outer transaction.

    Each test's ``db`` fixture then runs in a savepoint inside it and is rolled back, so tests
    stay isolated while the cast is built once (the permission matrix has hundreds of cases).
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_cast()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def build_cast():
    """A documented cast of users covering every role and scope.

    Two cities. 盘锦市 (city) has 大洼区 (district A) and 双台子区 (district B); 北京市 (other_city)
    has 东城区 (district C). District A has kindergartens kg_a1 and kg_a2, B has kg_b1, C has kg_c1.

    - city_viewer: 盘锦市, read-only over A and B; C is foreign.
    - bureau_admin, bureau_staff: district A; B and C are foreign.
    - supervisor: district A, assigned to kg_a1 only; kg_a2 (same district) is foreign.
    - kg_director, kg_staff: kg_a1; kg_a2 is foreign.
    - no_scope: a bureau_staff account with no bureau; sees nothing.
    - admin_b, director_b1, supervisor_b (district B) and director_c1, supervisor_c (district C):
      the same roles elsewhere, for "foreign" objects.
    - class_a1/a2/b1/c1 and filing_a1/a2/b1/c1 (a submitted change filing by each kindergarten's
      director): one per kindergarten. level_ln (辽宁省) and level_bj (北京市). import_a/b/c:
      a pending roster import per district.
    - Credit grades: every district has the neutral defaults (A 级 … D 级); grade_a, grade_b and
      grade_c are the A 级 of districts A, B and C.
    - The shipped checklist templates (2017, 2022, safety) and the default certificate kinds, ensured:
      migrations supervision 0003 and staffing 0002 wrote them, but a transactional test's flush
      empties every table.
    """
    checklists_ensure_defaults()
    certificate_kinds_ensure_defaults()
    city = CityFactory(name="盘锦市教育局")
    other_city = CityFactory(name="北京市教育委员会", province="北京市")
    district_a = DistrictFactory(name="大洼区教育局", parent=city)
    district_b = DistrictFactory(name="双台子区教育局", parent=city)
    district_c = DistrictFactory(name="东城区教育委员会", parent=other_city)
    town_a = TownshipFactory(district=district_a, name="大洼街道", urban_rural_code=UrbanRural.TOWN_CENTRE)
    village_a = TownshipFactory(district=district_a, name="西安镇", urban_rural_code=UrbanRural.VILLAGE)
    town_b = TownshipFactory(district=district_b, name="红旗街道")
    town_c = TownshipFactory(district=district_c, name="东华门街道")
    kg_a1 = KindergartenFactory(name="大洼区第一幼儿园", township=town_a)
    kg_a2 = KindergartenFactory(name="西安镇中心幼儿园", township=village_a)
    kg_b1 = KindergartenFactory(name="双台子区实验幼儿园", township=town_b)
    kg_c1 = KindergartenFactory(name="东城区第一幼儿园", township=town_c)

    c = SimpleNamespace(
        city=city,
        other_city=other_city,
        district_a=district_a,
        district_b=district_b,
        district_c=district_c,
        town_a=town_a,
        village_a=village_a,
        town_b=town_b,
        town_c=town_c,
        kg_a1=kg_a1,
        kg_a2=kg_a2,
        kg_b1=kg_b1,
        kg_c1=kg_c1,
    )
    c.city_viewer = UserFactory(username="city_viewer", role=Role.CITY_VIEWER, bureau=city)
    c.bureau_admin = UserFactory(username="bureau_admin", role=Role.BUREAU_ADMIN, bureau=district_a)
    c.bureau_staff = UserFactory(username="bureau_staff", role=Role.BUREAU_STAFF, bureau=district_a)
    c.supervisor = UserFactory(username="supervisor", role=Role.SUPERVISOR, bureau=district_a)
    c.supervisor2 = UserFactory(username="supervisor2", role=Role.SUPERVISOR, bureau=district_a)
    c.kg_director = UserFactory(username="kg_director", role=Role.KG_DIRECTOR, kindergarten=kg_a1)
    c.kg_staff = UserFactory(username="kg_staff", role=Role.KG_STAFF, kindergarten=kg_a1)
    c.no_scope = UserFactory(username="no_scope", role=Role.BUREAU_STAFF, bureau=None)
    c.admin_b = UserFactory(username="admin_b", role=Role.BUREAU_ADMIN, bureau=district_b)
    c.director_a2 = UserFactory(username="director_a2", role=Role.KG_DIRECTOR, kindergarten=kg_a2)
    c.director_b1 = UserFactory(username="director_b1", role=Role.KG_DIRECTOR, kindergarten=kg_b1)
    c.supervisor_b = UserFactory(username="supervisor_b", role=Role.SUPERVISOR, bureau=district_b)
    c.director_c1 = UserFactory(username="director_c1", role=Role.KG_DIRECTOR, kindergarten=kg_c1)
    c.supervisor_c = UserFactory(username="supervisor_c", role=Role.SUPERVISOR, bureau=district_c)
    c.assignment_a1 = supervisor_assign(actor=None, kindergarten=kg_a1, supervisor=c.supervisor)
    c.assignment_b1 = supervisor_assign(actor=None, kindergarten=kg_b1, supervisor=c.supervisor_b)
    c.assignment_c1 = supervisor_assign(actor=None, kindergarten=kg_c1, supervisor=c.supervisor_c)
    # Registry objects, one per kindergarten, for routes keyed by them (matrix kinds class/filing).
    for key, kg, director in (
        ("a1", kg_a1, c.kg_director),
        ("a2", kg_a2, c.director_a2),
        ("b1", kg_b1, c.director_b1),
        ("c1", kg_c1, c.director_c1),
    ):
        setattr(
            c,
            f"class_{key}",
            KindergartenClass.objects.create(kindergarten=kg, name="小一班", class_type="small", children=20),
        )
        setattr(
            c,
            f"filing_{key}",
            ChangeFiling.objects.create(
                kindergarten=kg,
                proposed={"capacity": 321},
                original={"capacity": kg.capacity},
                effective_date=datetime.date(2026, 9, 1),
                filed_by=director,
            ),
        )
    # Levels: 辽宁省 (the cast's city 盘锦) and 北京市 (other_city).
    c.level_ln = Level.objects.create(province="辽宁省", name="四星级", rank=4)
    c.level_bj = Level.objects.create(province="北京市", name="一级一类", rank=9)
    # Credit grades: each district's neutral defaults; grade_a/b/c are their A 级.
    for key, district in (("a", district_a), ("b", district_b), ("c", district_c)):
        grades = credit_grades_ensure_defaults(district=district)
        setattr(c, f"grade_{key}", next(g for g in grades if g.name == "A 级"))
    # Roster imports waiting for confirmation, one per district.
    for key, district, uploader in (("a", district_a, c.bureau_admin), ("b", district_b, c.admin_b)):
        setattr(
            c,
            f"import_{key}",
            RosterImport.objects.create(district=district, uploaded_by=uploader, filename="名册.xlsx", sha256="0" * 64),
        )
    c.import_c = RosterImport.objects.create(
        district=district_c, uploaded_by=c.supervisor_c, filename="名册.xlsx", sha256="1" * 64
    )
    return c


ROLE_USERS = ["city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director", "kg_staff", "no_scope"]
