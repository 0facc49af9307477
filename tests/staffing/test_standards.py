"""The staffing standard (2013) as arithmetic, and its computation per kindergarten and per district."""

import datetime

import pytest
import time_machine

from kindergartens.access import kindergartens_visible_to
from kindergartens.models import KindergartenClass, Schedule
from kindergartens.services import kindergarten_update
from staffing import standards
from staffing.models import Post
from staffing.selectors import compliance_for, district_compliance
from staffing.services import employment_end
from tests.staffing.helpers import NOW, hire


def codes(result):
    return {s.code: (s.required, s.actual, s.missing) for s in result}


def test_a_full_day_kindergarten_meeting_every_rule_has_no_shortfall():
    # 3 classes, 90 children: staff 13, care 10, teachers 6 (and ≥ 2 per class), 1 health, 2 cooks, 1 principal.
    staff = {Post.PRINCIPAL: 1, Post.TEACHER: 6, Post.CAREGIVER: 4, Post.HEALTH_WORKER: 1, Post.COOK: 2}
    assert standards.shortfalls(children=90, classes=3, schedule=Schedule.FULL_DAY, staff=staff) == []


def test_each_shortfall_names_the_rule_and_the_number_missing():
    staff = {Post.TEACHER: 4, Post.CAREGIVER: 1}
    result = standards.shortfalls(children=90, classes=3, schedule=Schedule.FULL_DAY, staff=staff)
    assert codes(result) == {
        "staff_ratio": (13, 5, 8),
        "care_ratio": (10, 5, 5),
        "teacher_ratio": (6, 4, 2),
        "health": (1, 0, 1),
        "cook": (2, 0, 2),
        "class_teachers": (6, 4, 2),
        "class_staff": (9, 5, 4),
        "principal": (1, 0, 1),
    }
    assert (
        next(s for s in result if s.code == "health").rule
        == "每 150 名幼儿配备 1 名卫生保健人员（不足 150 名的至少 1 名）"
    )


def test_half_day_ratios_and_no_cook():
    staff = {Post.PRINCIPAL: 1, Post.TEACHER: 6, Post.HEALTH_WORKER: 1}
    # 90 children: staff 9, care 7 (so 1 missing with 6 teachers), teachers 6.
    assert codes(standards.shortfalls(children=90, classes=3, schedule=Schedule.HALF_DAY, staff=staff)) == {
        "staff_ratio": (9, 8, 1),
        "care_ratio": (7, 6, 1),
    }


@pytest.mark.parametrize(("children", "health"), [(1, 1), (150, 1), (151, 2), (300, 2), (301, 3)])
def test_health_workers_per_150(children, health):
    required = {c: r for c, _rule, r, _p in standards.requirements(children=children, classes=1, schedule="full_day")}
    assert required["health"] == health


@pytest.mark.parametrize(("classes", "most"), [(1, 1), (5, 1), (6, 2), (9, 2), (10, 3), (20, 3)])
def test_principals_by_classes(classes, most):
    assert standards.max_principals(classes) == most
    assert standards.principals_over(classes=classes, staff={Post.PRINCIPAL: 1, Post.VICE_PRINCIPAL: 3}) == 4 - most


@pytest.mark.django_db
def test_compliance_changes_as_staff_are_hired_and_district_lists_by_shortfall(cast, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False):
        # kg_a1 has 小一班 (20 children) from the cast; kg_a2 gets a bigger class.
        KindergartenClass.objects.create(kindergarten=cast.kg_a2, name="大一班", class_type="large", children=35)
        kg_a1 = cast.kg_a1
        scope = kindergartens_visible_to(cast.bureau_staff)
        before = {r.kindergarten_id: r for r in compliance_for(scope)}
        assert (before[kg_a1.pk].children, before[kg_a1.pk].classes) == (20, 1)
        assert codes(before[kg_a1.pk].shortfalls)["principal"] == (1, 0, 1)
        hire(cast.kg_director, kg_a1, 1, post=Post.PRINCIPAL, name="园长甲")
        hire(cast.kg_director, kg_a1, 2)
        hire(cast.kg_director, kg_a1, 3)
        hire(cast.kg_director, kg_a1, 4, post=Post.CAREGIVER)
        hire(cast.kg_director, kg_a1, 5, post=Post.HEALTH_WORKER)
        hire(cast.kg_director, kg_a1, 6, post=Post.COOK)
        with django_assert_num_queries(3):
            rows = district_compliance(kindergartens_visible_to(cast.bureau_staff))
        by_id = {r.kindergarten_id: r for r in rows}
        assert by_id[kg_a1.pk].shortfalls == []
        assert by_id[kg_a1.pk].staff_total == 6
        assert [r.kindergarten_id for r in rows] == [cast.kg_a2.pk, kg_a1.pk]  # the short one first
        assert by_id[cast.kg_a2.pk].missing_total > 0
        # Leaving makes the kindergarten short again.
        cook = kg_a1.employments.get(post=Post.COOK)
        employment_end(actor=cast.kg_director, employment=cook, leave_date=datetime.date(2026, 3, 16))
        row = compliance_for(scope.filter(pk=kg_a1.pk))[0]
        assert codes(row.shortfalls) == {"cook": (1, 0, 1)}
        # A half-day kindergarten needs no cook.
        kindergarten_update(actor=cast.bureau_staff, kindergarten=kg_a1, changes={"schedule": Schedule.HALF_DAY})
        assert compliance_for(scope.filter(pk=kg_a1.pk))[0].shortfalls == []
