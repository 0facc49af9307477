"""Certificates (holding, expiring 30/60/90 days, missing), record checks (12 months) and training
(rolling five years against the district's requirement), with fixed query counts."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from staffing.access import employments_visible_to
from staffing.models import CertificateKind, Post, RecordCheck
from staffing.selectors import (
    certificate_kinds,
    expiring_certificates,
    holding_rates,
    missing_certificates,
    missing_names,
    record_check_status,
    roster_rows,
    training_hours,
)
from staffing.services import certificate_add, employment_end, policy_for, policy_update, record_check_add, training_add
from tests.staffing.helpers import NOW, TODAY, hire

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def kind(code):
    return CertificateKind.objects.get(code=code)


def cert(actor, person, code, expires, issued=datetime.date(2025, 1, 1)):
    return certificate_add(
        actor=actor, person=person, kind=kind(code), number=f"NO-{code}", issued_on=issued, expires_on=expires
    )


def test_default_certificate_kinds_per_post(cast):  # the cast ensures them, as migration 0002 writes them
    needs = {k.code: (k.for_all_posts, sorted(k.required_for)) for k in CertificateKind.objects.all()}
    assert needs["teacher_qualification"] == (False, ["principal", "teacher", "vice_principal"])
    assert needs["health_certificate"][0] is True
    assert needs["food_worker"] == (False, ["cook"])
    assert needs["guard_licence"] == (False, ["guard"])


def test_expiring_windows_and_missing(cast, django_assert_num_queries):
    director = cast.kg_director
    teacher = hire(director, cast.kg_a1, 1).person
    cook = hire(director, cast.kg_a1, 2, post=Post.COOK).person
    guard = hire(director, cast.kg_a1, 3, post=Post.GUARD).person
    cert(director, teacher, "teacher_qualification", None)
    cert(director, teacher, "health_certificate", TODAY + datetime.timedelta(days=30))
    cert(director, cook, "health_certificate", TODAY + datetime.timedelta(days=31))
    cert(director, cook, "food_worker", TODAY + datetime.timedelta(days=90))
    cert(director, guard, "guard_licence", TODAY - datetime.timedelta(days=1))  # expired yesterday
    cert(director, guard, "health_certificate", TODAY + datetime.timedelta(days=200))
    scope = employments_visible_to(cast.bureau_staff)

    def listed(days):
        return [(r["person__name"], r["kind__name"]) for r in expiring_certificates(scope, on=TODAY, days=days)]

    assert listed(30) == [("教师1", "托幼机构工作人员健康合格证")]
    assert listed(60) == [("教师1", "托幼机构工作人员健康合格证"), ("教师2", "托幼机构工作人员健康合格证")]
    assert len(listed(90)) == 3
    # A renewed certificate is no longer expiring.
    cert(director, teacher, "health_certificate", TODAY + datetime.timedelta(days=365), issued=TODAY)
    assert listed(30) == []
    certificate_kinds()  # warm: the kinds are cached between requests
    with django_assert_num_queries(2):
        missing = list(missing_certificates(scope, on=TODAY))
        names = missing_names(missing, on=TODAY)
    assert [e.person.name for e in missing] == ["教师3"]
    assert names[missing[0].pk] == ["保安员证"]
    # Nothing of another district.
    assert expiring_certificates(employments_visible_to(cast.admin_b), on=TODAY, days=90).count() == 0


def test_holding_rates_per_post(cast, django_assert_num_queries):
    director = cast.kg_director
    for seq in (1, 2, 3, 4):
        person = hire(director, cast.kg_a1, seq).person
        if seq <= 3:
            cert(director, person, "teacher_qualification", None)
        if seq <= 1:
            cert(director, person, "health_certificate", TODAY + datetime.timedelta(days=10))
            cert(director, person, "health_certificate", TODAY + datetime.timedelta(days=200))  # renewed: once
        if seq == 2:
            cert(director, person, "health_certificate", TODAY - datetime.timedelta(days=1))  # expired
    cook = hire(director, cast.kg_a1, 5, post=Post.COOK).person
    cert(director, cook, "health_certificate", None)
    cert(director, cook, "teacher_qualification", None)  # not required of a cook: not counted
    gone = hire(cast.bureau_staff, cast.kg_a2, 6)  # in another kindergarten of the district, then left
    cert(cast.bureau_staff, gone.person, "teacher_qualification", None)
    employment_end(actor=cast.bureau_staff, employment=gone, leave_date=TODAY)
    certificate_kinds()
    with django_assert_num_queries(1):  # one grouped query
        rates = holding_rates(employments_visible_to(cast.bureau_staff), on=TODAY)
    teachers = next(r for r in rates if r["post"] == "专任教师")
    assert (teachers["total"], teachers["holding"], teachers["rate"]) == (4, 1, 25.0)
    assert dict(teachers["kinds"]) == {"幼儿园教师资格证": 3, "托幼机构工作人员健康合格证": 1}
    cooks = next(r for r in rates if r["post"] == "炊事员")
    assert (cooks["total"], cooks["holding"]) == (1, 0)
    assert dict(cooks["kinds"]) == {"托幼机构工作人员健康合格证": 1, "食品从业人员健康证明": 0}
    assert [r["post"] for r in rates] == ["专任教师", "炊事员"]


def test_record_check_older_than_twelve_months_is_flagged(cast):
    director = cast.kg_director
    fresh = hire(director, cast.kg_a1, 1).person
    stale = hire(director, cast.kg_a1, 2).person
    never = hire(director, cast.kg_a1, 3).person
    record_check_add(
        actor=director, person=fresh, kind="pre_hire", checked_on=TODAY - datetime.timedelta(days=364), result="clear"
    )
    record_check_add(
        actor=director, person=stale, kind="pre_hire", checked_on=datetime.date(2025, 3, 16), result="clear"
    )
    status = record_check_status([fresh.pk, stale.pk, never.pk], on=TODAY)
    assert status == {fresh.pk: "", stale.pk: "stale"}
    record_check_add(actor=director, person=fresh, kind=RecordCheck.Kind.YEARLY, checked_on=TODAY, result="record")
    assert record_check_status([fresh.pk], on=TODAY) == {fresh.pk: "record"}


def test_training_over_a_rolling_five_years_against_the_districts_requirement(cast, django_assert_num_queries):
    director = cast.kg_director
    employment = hire(director, cast.kg_a1, 1)
    person = employment.person
    training_add(
        actor=director, person=person, title="旧培训", completed_on=datetime.date(2021, 3, 16), hours=Decimal(100)
    )
    training_add(
        actor=director, person=person, title="继续教育", completed_on=datetime.date(2021, 3, 17), hours=Decimal(200)
    )
    training_add(
        actor=director, person=person, title="园本培训", completed_on=datetime.date(2026, 1, 5), hours=Decimal("40.5")
    )
    assert training_hours([person.pk], on=TODAY, years=5) == {person.pk: Decimal("240.5")}
    assert policy_for(cast.district_a.pk).training_hours == 360
    policy_update(actor=cast.bureau_admin, district=cast.district_a, training_hours=240, training_years=5)
    certificate_kinds()
    with django_assert_num_queries(4):
        rows = roster_rows([employment], on=TODAY, policy=policy_for(cast.district_a.pk))
    assert (rows[0].training_hours, rows[0].training_required) == (Decimal("240.5"), 240)
    assert rows[0].missing == ["幼儿园教师资格证", "托幼机构工作人员健康合格证"]
    assert rows[0].check == "none"
