"""``manage.py seed_demo``: the demo data set is complete, consistent and idempotent.

The data set is seeded once per module (``seeded``, inside an outer transaction like the
``module_cast`` fixture); each test runs in a savepoint that is rolled back, so tests that
run the command again or blank records do not leak into the others.
"""

import datetime
import io
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, F
from django.test import RequestFactory

from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry
from kindergartens.demo import DEMO_PASSWORD, FILING_RETURN_REASON, PROVINCE
from kindergartens.models import (
    INCLUSIVE_NATURES,
    OPERATING_STATUSES,
    AnnualInspection,
    AnnualInspectionResult,
    Bureau,
    ChangeFiling,
    ChangeFilingEvent,
    CollaborationGroup,
    CreditGrade,
    Kindergarten,
    KindergartenClass,
    KindergartenStatusChange,
    Level,
    Nature,
    Schedule,
    Sponsor,
    Status,
    Township,
    UrbanRural,
    Violation,
)
from kindergartens.selectors import class_size_limit, kindergartens_as_of
from kindergartens.selectors_filings import filings_open
from kindergartens.services import today
from kindergartens.validators import validate_credit_code
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
COUNTED = (
    Bureau,
    Township,
    CollaborationGroup,
    Kindergarten,
    KindergartenStatusChange,
    User,
    SupervisorAssignment,
    Level,
    CreditGrade,
    KindergartenClass,
    Violation,
    AnnualInspection,
    ChangeFiling,
    ChangeFilingEvent,
)


def run(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def kg(name: str) -> Kindergarten:
    return Kindergarten.objects.select_related("district", "township", "level").get(name=name)


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield run()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def seeded(_seeded_once, db) -> str:
    """The output of the first run; the data is there for this test, rolled back after it."""
    return _seeded_once


def test_second_run_changes_nothing(seeded):
    before = counts()
    assert all(before.values()), before
    entries = AuditEntry.objects.count()
    output = run()
    assert counts() == before
    assert AuditEntry.objects.count() == entries  # not even an update
    assert "未作修改" in output
    assert "补全" not in output
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


def test_summary_and_quiet(seeded):
    assert "本次新建：" in seeded
    for label in ("班级", "违规查处", "年检结果", "变更备案", "幼儿园等级"):
        assert label in seeded.split("本次新建：")[1].splitlines()[0], label
    output = run("--quiet")
    assert "演示数据已就绪" not in output
    assert "dawa_duxue1" in output
    assert DEMO_PASSWORD in output
    output = run()
    classes = KindergartenClass.objects.filter(is_active=True).count()
    assert (
        f"演示数据已就绪：3 个区县，60 所幼儿园，{User.objects.count()} 个账号，{classes} 个班级，"
        f"6 条违规查处，{AnnualInspection.objects.count()} 条年检结果，3 份变更备案"
    ) in output


def test_bureau_admins_can_open_the_scoped_admin(db):
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    assert User.objects.get(username="dawa_admin").is_staff
    assert not User.objects.get(username="dawa_staff").is_staff


# --- the kindergarten record --------------------------------------------------------


def test_levels_are_liaoning_stars(seeded):
    levels = list(Level.objects.filter(province=PROVINCE).order_by("rank").values_list("name", "rank"))
    assert levels == [("一星级", 1), ("二星级", 2), ("三星级", 3), ("四星级", 4), ("五星级", 5)]
    assert Level.objects.get(province=PROVINCE, name="五星级").description == "省级示范幼儿园"
    assert Level.objects.get(province=PROVINCE, name="四星级").description == "市级示范幼儿园"
    # Only 五星 and 四星 are sourced for 辽宁: the lower stars carry no invented description.
    assert set(Level.objects.filter(province=PROVINCE, rank__lte=3).values_list("description", flat=True)) == {""}
    graded = Counter(Kindergarten.objects.values_list("level__rank", flat=True))
    assert set(graded) == {None, 1, 2, 3, 4, 5}  # varied, and some not graded


def test_every_credit_code_is_valid_and_unique(seeded):
    codes = list(Kindergarten.objects.values_list("nature", "credit_code"))
    assert all(code for _nature, code in codes)
    for _nature, code in codes:
        validate_credit_code(code)  # raises on a bad check character
    assert len({code for _nature, code in codes}) == len(codes)
    prefixes = {(nature, code[:2]) for nature, code in codes}
    assert {p for n, p in prefixes if n == Nature.PUBLIC} == {"12"}  # 事业单位
    assert {p for n, p in prefixes if n in (Nature.INCLUSIVE_PRIVATE, Nature.PRIVATE)} == {"52"}  # 民办非企业单位


def test_every_kindergarten_has_a_full_record(seeded):
    directors = dict(User.objects.filter(role=Role.KG_DIRECTOR).values_list("kindergarten_id", "full_name"))
    for k in Kindergarten.objects.select_related("level", "district"):
        licensed = k.nature != Nature.UNLICENSED
        has_licence = licensed and k.status != Status.PREPARING
        assert bool(k.licence_number) == has_licence and bool(k.licence_valid_until) == has_licence, k
        assert k.address.startswith("盘锦市") and k.township.name in k.address, k
        assert k.sponsor and k.sponsor_name and k.schedule and k.party_organisation and k.credit_rating, k
        assert k.principal_name == directors[k.pk] and k.principal_since, k  # the director's account is the principal
        assert 90 <= k.capacity <= 450, k
        if licensed:
            assert "派出所" in k.legal_vice_principal and k.medical_partner, k
        if k.level is not None:
            assert k.level.province == k.district.province
        fee = k.fee_monthly
        if k.nature == Nature.PUBLIC:
            assert k.sponsor != Sponsor.PRIVATE and Decimal(300) <= fee <= Decimal(900) and k.fee_government_guided
        elif k.nature == Nature.INCLUSIVE_PRIVATE:
            assert k.sponsor == Sponsor.PRIVATE and fee <= Decimal(1200) and k.fee_government_guided, k
            assert "有限公司" in k.sponsor_name, k
        elif k.nature == Nature.PRIVATE:
            assert k.sponsor == Sponsor.PRIVATE and Decimal(1500) <= fee <= Decimal(3800), k
            assert not k.fee_government_guided and "有限公司" in k.sponsor_name, k
    public_sponsors = Counter(Kindergarten.objects.filter(nature=Nature.PUBLIC).values_list("sponsor", flat=True))
    assert public_sponsors[Sponsor.MILITARY] == 1 and public_sponsors[Sponsor.PUBLIC_INSTITUTION] == 1
    assert public_sponsors.most_common(1)[0][0] == Sponsor.EDUCATION
    schedules = Counter(Kindergarten.objects.values_list("schedule", flat=True))
    assert schedules[Schedule.BOARDING] >= 1 and schedules[Schedule.HALF_DAY] >= 1
    assert schedules.most_common(1)[0][0] == Schedule.FULL_DAY
    ratings = Counter(Kindergarten.objects.values_list("credit_rating__name", flat=True))
    assert ratings.most_common(1)[0][0] == "A 级" and ratings["C 级"] == 1 and ratings["B 级"]
    # Each kindergarten's grade is its own district's.
    assert not Kindergarten.objects.exclude(credit_rating__district=F("district")).exists()
    committees = Counter(Kindergarten.objects.values_list("has_parent_committee", flat=True))
    assert committees[True] > committees[False] > 0


def test_licences_about_to_expire_and_one_expired(seeded):
    day = today()
    valid = Kindergarten.objects.filter(licence_valid_until__isnull=False)
    assert valid.filter(licence_valid_until__lt=day).count() == 1
    assert (
        valid.filter(licence_valid_until__gte=day, licence_valid_until__lte=day + datetime.timedelta(days=60)).count()
        >= 2
    )


def test_every_inclusive_private_kindergarten_has_a_recognition_date(seeded):
    inclusive = Kindergarten.objects.filter(nature=Nature.INCLUSIVE_PRIVATE)
    assert inclusive.count() > 10
    assert not inclusive.filter(inclusive_recognised_on__isnull=True).exists()
    assert kg("田家街道阳光幼儿园").inclusive_recognised_on == datetime.date(2024, 9, 1)


def test_registration_dates_are_in_the_past(seeded):
    first = KindergartenStatusChange.objects.filter(note="初始登记")
    assert first.count() == 2 * Kindergarten.objects.count()  # status and nature
    years = {
        d.year for d in first.exclude(kindergarten__status=Status.PREPARING).values_list("effective_date", flat=True)
    }
    assert min(years) == 2015 and max(years) == 2022


def test_as_of_march_2025_differs_from_today(seeded):
    qs = Kindergarten.objects.filter(district__name="大洼区教育局")
    march = {k.name: (k.status_on, k.nature_on) for k in kindergartens_as_of(qs, datetime.date(2025, 3, 31))}
    now = {k.name: (k.status_on, k.nature_on) for k in kindergartens_as_of(qs, today())}
    assert march["田庄台镇金太阳幼儿园"] == (Status.RECTIFYING, Nature.INCLUSIVE_PRIVATE)
    assert now["田庄台镇金太阳幼儿园"] == (Status.OPERATING, Nature.INCLUSIVE_PRIVATE)
    assert march["大洼街道贝贝艺术幼儿园"] == (Status.OPERATING, Nature.PRIVATE)
    assert now["大洼街道贝贝艺术幼儿园"] == (Status.SUSPENDED, Nature.PRIVATE)
    assert march["大洼区实验幼儿园"] == (None, None)  # not registered yet
    assert now["大洼区实验幼儿园"] == (Status.PREPARING, Nature.PUBLIC)
    differ = {name for name in now if march[name] != now[name]}
    assert differ == {"田庄台镇金太阳幼儿园", "大洼街道贝贝艺术幼儿园", "大洼区实验幼儿园"}
    # The nature change (recognised 普惠 on 2024-09-01) shows before that day.
    before = {k.name: k.nature_on for k in kindergartens_as_of(qs, datetime.date(2024, 3, 31))}
    assert before["田家街道阳光幼儿园"] == Nature.PRIVATE
    assert now["田家街道阳光幼儿园"] == (Status.OPERATING, Nature.INCLUSIVE_PRIVATE)
    # The current values agree with the dated history.
    for k in kindergartens_as_of(Kindergarten.objects.all(), today()):
        assert (k.status_on, k.nature_on) == (k.status, k.nature), k


# --- classes, findings, filings -------------------------------------------------------


def test_every_operating_kindergarten_has_classes(seeded):
    per_kg = dict(Kindergarten.objects.annotate(n=Count("classes")).values_list("name", "n"))
    for k in Kindergarten.objects.all():
        if k.status in OPERATING_STATUSES:
            assert 3 <= per_kg[k.name] <= 12, k
        else:
            assert per_kg[k.name] == 0, k
    types = set(KindergartenClass.objects.values_list("class_type", flat=True))
    assert types == {"small", "middle", "large", "mixed"}


def test_about_one_class_in_ten_is_over_its_limit(seeded):
    classes = list(KindergartenClass.objects.select_related("kindergarten"))
    over = [c for c in classes if c.children > class_size_limit(c.class_type, c.kindergarten.schedule)]
    assert 0.07 <= len(over) / len(classes) <= 0.13
    # Boarding kindergartens are planned against their smaller limits (full-day ones would put most over).
    boarding = [c for c in classes if c.kindergarten.schedule == Schedule.BOARDING]
    within = [c for c in boarding if c.children <= class_size_limit(c.class_type, Schedule.BOARDING)]
    assert boarding and len(within) >= 0.8 * len(boarding)


def test_violations_published_and_not(seeded):
    violations = Violation.objects.select_related("kindergarten", "recorded_by")
    assert 4 <= violations.count() <= 6
    assert violations.filter(published=True).count() > violations.filter(published=False).count() > 0
    assert len({v.kindergarten.district_id for v in violations}) == 3  # across the city
    for v in violations:
        assert v.penalty and v.occurred_on <= today()
        assert v.recorded_by.role == Role.BUREAU_STAFF and v.recorded_by.bureau_id == v.kindergarten.district_id
    assert violations.filter(description__startswith="超标准收费").exists()


def test_annual_inspections(seeded):
    inspections = AnnualInspection.objects.all()
    assert set(inspections.values_list("year", flat=True)) == {2024, 2025}
    assert inspections.filter(published=False).count() == 0
    results = Counter(inspections.values_list("result", flat=True))
    assert results[AnnualInspectionResult.FAIL] == 1
    assert 2 <= results[AnnualInspectionResult.BASIC] < results[AnnualInspectionResult.PASS]
    inspected = set(inspections.filter(year=2025).values_list("kindergarten_id", flat=True))
    operating = set(Kindergarten.objects.filter(status__in=OPERATING_STATUSES).values_list("pk", flat=True))
    assert len(inspected & operating) > 0.8 * len(operating)
    assert kg("大洼区实验幼儿园").annual_inspections.count() == 0  # 筹设
    assert list(kg("大洼街道贝贝艺术幼儿园").annual_inspections.values_list("year", flat=True)) == [2024]  # 停办 2025


def test_change_filings(seeded):
    filings = {f.kindergarten.name: f for f in ChangeFiling.objects.select_related("kindergarten__district")}
    assert set(filings) == {"大洼街道小天使幼儿园", "西安镇育苗幼儿园", "红旗街道童乐幼儿园"}

    late = filings["大洼街道小天使幼儿园"]
    assert late.state == ChangeFiling.State.SUBMITTED and late.late_principal_change
    assert set(late.proposed) == {"principal_name", "principal_since"}
    assert datetime.date.fromisoformat(late.proposed["principal_since"]) < today() - datetime.timedelta(days=31)
    assert late.filed_by.role == Role.KG_DIRECTOR and late.filed_by.kindergarten_id == late.kindergarten_id

    places = filings["西安镇育苗幼儿园"]
    assert places.state == ChangeFiling.State.SUBMITTED and not places.late_principal_change
    assert set(places.proposed) == {"capacity", "fee_monthly"}
    assert places.kindergarten.district.name == "大洼区教育局"

    returned = filings["红旗街道童乐幼儿园"]
    assert returned.state == ChangeFiling.State.RETURNED and returned.return_reason == FILING_RETURN_REASON
    assert returned.kindergarten.district.name == "双台子区教育局"
    assert list(returned.events.values_list("action", flat=True)) == ["submitted", "returned"]
    assert returned.decided_by.username == "shuangtaizi_staff"

    # The browser demo: dawa_yuanzhang1 files for 大洼区第一幼儿园, which must have nothing open.
    assert not filings_open(ChangeFiling.objects.filter(kindergarten=kg("大洼区第一幼儿园"))).exists()


def test_an_old_demo_database_is_upgraded(seeded):
    """A database seeded before the full record existed: empty records are filled in, once."""
    fields = ("credit_code", "address", "principal_name", "capacity", "sponsor_name", "level_id", "credit_rating_id")
    expected = {k["pk"]: k for k in Kindergarten.objects.values("pk", *fields)}
    Kindergarten.objects.update(
        credit_code="",
        licence_number="",
        licence_valid_until=None,
        address="",
        sponsor="",
        sponsor_name="",
        level=None,
        capacity=0,
        fee_monthly=None,
        principal_name="",
        principal_since=None,
        legal_vice_principal="",
        medical_partner="",
        party_organisation="",
        credit_rating=None,
    )
    # A kindergarten someone completed by hand meanwhile is left alone.
    edited = kg("大洼区第一幼儿园")
    Kindergarten.objects.filter(pk=edited.pk).update(credit_code="91211100MA0000001W")

    output = run()
    assert "本次补全档案：59 所幼儿园" in output
    assert "本次新建" not in output
    for k in Kindergarten.objects.exclude(pk=edited.pk).values("pk", *fields):
        assert k == expected[k["pk"]]
    assert Kindergarten.objects.get(pk=edited.pk).address == ""
    no_licence = set(Kindergarten.objects.filter(licence_valid_until__isnull=True).values_list("name", flat=True))
    unlicensed = set(Kindergarten.objects.filter(nature=Nature.UNLICENSED).values_list("name", flat=True))
    assert no_licence == {edited.name, "大洼区实验幼儿园"} | unlicensed  # left alone; 筹设; 无证园

    before, entries = counts(), AuditEntry.objects.count()
    assert "未作修改" in run()
    assert (counts(), AuditEntry.objects.count()) == (before, entries)


def test_inclusive_natures_cover_most_children(seeded):
    """普惠性 (公办 + 普惠性民办) is most of the enrolment, as in Panjin's reports (≥ 80%)."""
    active = KindergartenClass.objects.filter(is_active=True)
    total = sum(active.values_list("children", flat=True))
    inclusive = sum(active.filter(kindergarten__nature__in=INCLUSIVE_NATURES).values_list("children", flat=True))
    assert inclusive / total >= 0.8


def test_dawa_figures_count_only_licensed_operating_kindergartens(seeded):
    """The registry review's figures for 大洼区: 13 普惠性 (not 14 with the 筹设 one); 109 classes and
    3,728 places, 74.2% filled (not 115 / 4,492 / 65.3% with 无证 and non-operating ones).

    (106 / 3,632 / 73.8% before 西安镇 was corrected from 210 乡中心区 to 121 镇中心区: its public
    kindergarten is now planned as a town one, with more classes.)"""
    from kindergartens.selectors import district_compliance, kindergartens_counted_on, registry_overview

    dawa = Kindergarten.objects.filter(district__name="大洼区教育局")
    overview = registry_overview(dawa, today())
    assert overview["inclusive"] == 13
    assert dict(overview["not_counted"]) == {"筹设": 1, "停办": 1, "无证园": 2}
    totals = district_compliance(kindergartens_counted_on(dawa, today()))
    assert (totals["classes"], totals["capacity"]) == (109, 3728)
    assert round(totals["enrolled"] * 100 / totals["capacity"], 1) == 74.2


# --- vocabularies and corrections of earlier demo data -------------------------------------------

TOWN_SEATS = {"西安镇", "统一镇", "胡家镇"}


def test_every_district_keeps_the_neutral_credit_grades(seeded):
    for district in Bureau.objects.filter(level=Bureau.Level.DISTRICT):
        grades = list(CreditGrade.objects.filter(district=district).values_list("name", "rank", "description"))
        assert grades == [("A 级", 4, ""), ("B 级", 3, ""), ("C 级", 2, ""), ("D 级", 1, "")], district
    assert "信用等级 12" in seeded.split("本次新建：")[1].splitlines()[0]


def test_town_seats_are_town_centres_and_villages_stay_rural(seeded):
    codes = dict(Township.objects.values_list("name", "urban_rural_code"))
    assert {codes[name] for name in TOWN_SEATS} == {UrbanRural.TOWN_CENTRE}
    assert UrbanRural.VILLAGE_CENTRE not in codes.values()  # 210 is a 乡's seat: the demo has no 乡
    for district in Bureau.objects.filter(level=Bureau.Level.DISTRICT):
        rural = Kindergarten.objects.filter(district=district, township__urban_rural_code=UrbanRural.VILLAGE)
        assert rural.exists(), district  # the demo still shows rural kindergartens (220 村庄)


def test_an_earlier_demo_database_is_corrected_once(seeded):
    """A database seeded with the old data (镇 seats as 210, invented star descriptions) is corrected,
    once; a value a demo user changed since is left alone."""
    old = {
        "三星级": "区县级优质幼儿园",
        "二星级": "办园条件和保教质量达到省定基本标准",
        "一星级": "达到幼儿园基本办园条件",
    }
    for name, description in old.items():
        Level.objects.filter(province=PROVINCE, name=name).update(description=description)
    Township.objects.filter(name__in=TOWN_SEATS).update(urban_rural_code=UrbanRural.VILLAGE_CENTRE)
    # A demo user's own edits: a description and a code that are not the old demo values.
    Level.objects.filter(province=PROVINCE, name="一星级").update(description="本省自定说明")
    Township.objects.filter(name="胡家镇").update(urban_rural_code=UrbanRural.TOWN_FRINGE)

    output = run()
    assert "本次更正演示数据：幼儿园等级 2，街道/乡镇 2" in output
    assert "本次新建" not in output and "未作修改" not in output
    levels = dict(Level.objects.filter(province=PROVINCE).values_list("name", "description"))
    assert (levels["三星级"], levels["二星级"], levels["一星级"]) == ("", "", "本省自定说明")
    codes = dict(Township.objects.filter(name__in=TOWN_SEATS).values_list("name", "urban_rural_code"))
    assert codes == {"西安镇": "121", "统一镇": "121", "胡家镇": "122"}
    corrected = AuditEntry.objects.filter(content_type__model__in=["level", "township"], path="seed_demo")
    assert corrected.filter(action="update").count() == 4  # in the history, as the command's

    before, entries = counts(), AuditEntry.objects.count()
    assert "未作修改" in run()
    assert (counts(), AuditEntry.objects.count()) == (before, entries)


SEEDED_BY_A_REGISTERED_APP: list[str] = []


def _registered_demo() -> dict[str, int]:
    SEEDED_BY_A_REGISTERED_APP.append("seeded")
    return {"样例记录": 2, "未新建的记录": 0}


def test_each_apps_demo_comes_through_the_registry_in_order(seeded):
    """seed_demo knows no app's demo by name: each registers its part with core, in its order."""
    from core import registry

    assert [d.key for d in registry.demo_data()] == ["reports", "pairing", "indicators", "safety"]
    for label in ("月报：", "结对帮扶：", "指标：", "安全："):  # the first run printed each app's counts
        assert label in seeded
    registry.register_demo(
        key="zz-test", label="样例应用", order=99, seed="tests.kindergartens.test_seed_demo._registered_demo"
    )
    try:
        output = run()
    finally:
        del registry._demos["zz-test"]
    assert SEEDED_BY_A_REGISTERED_APP == ["seeded"]
    assert "样例应用：样例记录 2" in output and "未新建的记录" not in output
