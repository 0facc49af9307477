"""``manage.py seed_demo``: the demo data set is complete, consistent and idempotent."""

import io
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.test import RequestFactory

from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry
from kindergartens.demo import DEMO_PASSWORD
from kindergartens.models import Bureau, CollaborationGroup, Kindergarten, Nature, Township
from supervision.models import SupervisorAssignment

pytestmark = pytest.mark.django_db

NAMED_LOGINS = {
    "shi_viewer": Role.CITY_VIEWER,
    "dawa_admin": Role.BUREAU_ADMIN,
    "dawa_staff": Role.BUREAU_STAFF,
    "dawa_duxue1": Role.SUPERVISOR,
    "dawa_yuanzhang1": Role.KG_DIRECTOR,
    "dawa_baojian1": Role.KG_STAFF,
}


def run(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Bureau, Township, CollaborationGroup, Kindergarten, User, SupervisorAssignment)
    }


@pytest.fixture
def seeded() -> str:
    return run()


def test_second_run_changes_nothing(seeded):
    before = counts()
    entries = AuditEntry.objects.count()
    output = run()
    assert counts() == before
    assert AuditEntry.objects.count() == entries  # not even an update
    assert "未作修改" in output
    for username in NAMED_LOGINS:  # the same logins, again
        assert username in output


def test_organisations(seeded):
    city = Bureau.objects.get(name="盘锦市教育局", parent=None)
    assert (city.level, city.province, city.division_code) == (Bureau.Level.CITY, "辽宁省", "211100")
    districts = list(Bureau.objects.filter(parent=city))
    assert len(districts) == 3
    assert all(d.level == Bureau.Level.DISTRICT for d in districts)
    assert 55 <= Kindergarten.objects.count() <= 65
    for district in districts:
        kgs = Kindergarten.objects.filter(district=district).select_related("township")
        assert {kg.nature for kg in kgs} == set(Nature.values), district
        assert {kg.is_rural for kg in kgs} == {True, False}, district
        assert 4 <= Township.objects.filter(district=district).count() <= 6
        groups = CollaborationGroup.objects.filter(district=district).annotate(n=Count("kindergartens"))
        assert 2 <= len(groups) <= 3
        for group in groups:
            assert group.n > 0
            assert group.leader.collaboration_group_id == group.pk
        assert kgs.filter(collaboration_group__isnull=True).exists()


def test_every_kindergarten_has_one_supervisor_with_about_five(seeded):
    active = SupervisorAssignment.objects.filter(ended_at__isnull=True)
    per_kg = Counter(active.values_list("kindergarten_id", flat=True))
    assert set(per_kg) == set(Kindergarten.objects.values_list("pk", flat=True))
    assert set(per_kg.values()) == {1}
    per_supervisor = Counter(active.values_list("supervisor_id", flat=True))
    assert max(per_supervisor.values()) <= 6
    for a in active.select_related("kindergarten", "supervisor"):
        assert a.supervisor.role == Role.SUPERVISOR
        assert a.supervisor.bureau_id == a.kindergarten.district_id


def test_named_logins_authenticate(seeded):
    factory = RequestFactory()
    for username, role in NAMED_LOGINS.items():
        user = authenticate(request=factory.post("/accounts/login/"), username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.role == role
        assert not user.must_change_password
        assert user.full_name
        assert user.organisation is not None
        assert username in seeded
    dawa = Bureau.objects.get(name="大洼区教育局")
    kg = Kindergarten.objects.get(district=dawa, name="大洼区第一幼儿园")
    assert User.objects.get(username="shi_viewer").bureau.level == Bureau.Level.CITY
    assert User.objects.get(username="dawa_admin").bureau == dawa
    assert User.objects.get(username="dawa_yuanzhang1").kindergarten == kg
    assert User.objects.get(username="dawa_baojian1").kindergarten == kg


def test_every_kindergarten_has_a_director(seeded):
    directors = Counter(User.objects.filter(role=Role.KG_DIRECTOR).values_list("kindergarten_id", flat=True))
    assert set(directors) == set(Kindergarten.objects.values_list("pk", flat=True))
    assert set(directors.values()) == {1}
    # every role is present
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)


def test_supervisor_holds_object_permission(seeded):
    duxue1 = User.objects.get(username="dawa_duxue1")
    kg = Kindergarten.objects.get(district__name="大洼区教育局", name="大洼区第一幼儿园")
    assert duxue1.has_perm("kindergartens.supervise_kindergarten", kg)
    assert SupervisorAssignment.objects.get(kindergarten=kg, ended_at__isnull=True).supervisor == duxue1
    other = Kindergarten.objects.exclude(supervisor_assignments__supervisor=duxue1).first()
    assert not duxue1.has_perm("kindergartens.supervise_kindergarten", other)


def test_audit_trail_names_the_command(seeded):
    entries = AuditEntry.objects.all()
    assert entries.count() > 0
    assert set(entries.values_list("source", "path").distinct()) == {("command", "seed_demo")}
    assert entries.filter(content_type__model="kindergarten", action="create").count() == Kindergarten.objects.count()


def test_summary_and_quiet():
    output = run("--quiet")
    assert "演示数据已就绪" not in output
    assert "dawa_duxue1" in output
    assert DEMO_PASSWORD in output
    output = run()
    assert "演示数据已就绪：3 个区县，60 所幼儿园" in output


def test_bureau_admins_can_open_the_scoped_admin(db):
    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    assert User.objects.get(username="dawa_admin").is_staff
    assert not User.objects.get(username="dawa_staff").is_staff
