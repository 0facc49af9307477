"""Indicator pages: scope (404 outside, 403 without the right), what they show, fixed query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.indicators import NO_DATA
from indicators.models import ResidentChildren, Target
from indicators.services import enrolment_snapshot_take
from kindergartens.models import KindergartenClass


def _login(client, user):
    client.force_login(user)
    return client


def test_district_dashboard_shows_every_indicator_with_target_and_gap(client, cast):
    KindergartenClass.objects.filter(kindergarten=cast.kg_a1).update(children=20)
    Target.objects.create(
        bureau=cast.district_a,
        indicator="inclusive-coverage",
        year=2026,
        value=85,
        baseline_year=2023,
        baseline_value=70,
    )
    response = _login(client, cast.bureau_staff).get(reverse("indicators:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "学前三年毛入园率",
        "普惠性幼儿园覆盖率",
        "公办园在园幼儿占比",
        "班额达标率",
        "学位使用率",
        "专任教师与幼儿比",
        "持证上岗率",
        "督导覆盖率",
    ):
        assert name in html
    assert "85.0%" in html  # the target
    # No resident children entered: 毛入园率 is 暂无数据, never 0.
    assert NO_DATA in html.split('data-testid="value-gross-enrolment"')[1].split("</div>")[0]


def test_foreign_district_is_404_and_kindergarten_roles_403(client, cast):
    response = _login(client, cast.bureau_staff).get(reverse("indicators:dashboard"), {"district": cast.district_b.pk})
    assert response.status_code == 404
    response = _login(client, cast.kg_director).get(reverse("indicators:dashboard"))
    assert response.status_code == 403
    response = _login(client, cast.city_viewer).get(reverse("indicators:dashboard"), {"district": cast.district_c.pk})
    assert response.status_code == 404


def test_city_sees_its_districts_ranked(client, cast):
    response = _login(client, cast.city_viewer).get(reverse("indicators:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="ranking-inclusive-coverage"' in html
    assert "大洼区" in html and "双台子区" in html and "东城区" not in html


def test_detail_drills_down_to_kindergartens_with_why(client, cast):
    from kindergartens.services import kindergarten_update, today

    kindergarten_update(
        actor=None, kindergarten=cast.kg_a2, changes={"status": "suspended"}, effective_date=today(), check_rights=False
    )
    response = _login(client, cast.bureau_staff).get(reverse("indicators:detail", args=["inclusive-coverage"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert cast.kg_a1.name in html and cast.kg_a2.name in html
    assert "不计入：停办" in html
    assert "社区办园点计入在园幼儿总数" in html
    assert _login(client, cast.bureau_staff).get(reverse("indicators:detail", args=["no-such"])).status_code == 404


def test_month_with_snapshot_and_residents(client, cast):
    from indicators.services import today as local_today

    today = local_today()
    KindergartenClass.objects.filter(kindergarten=cast.kg_a1).update(children=30)
    enrolment_snapshot_take(day=today)
    ResidentChildren.objects.create(
        district=cast.district_a, township=cast.town_a, year=today.year, children=60, source="police", source_date=today
    )
    response = _login(client, cast.bureau_staff).get(reverse("indicators:detail", args=["gross-enrolment"]))
    html = response.content.decode()
    assert 'data-testid="resident-denominators"' in html
    assert "60" in html.split('data-testid="denominator"')[1].split("</dd>")[0]


def test_dashboard_queries_do_not_grow_with_kindergartens(client, cast):
    from tests.factories import KindergartenFactory

    _login(client, cast.bureau_staff)
    url = reverse("indicators:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(4):
        KindergartenFactory(name=f"加园{i}", township=cast.town_a)
    client.get(url)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_export_is_a_workbook_with_month_and_exporter(client, cast):
    import io

    from openpyxl import load_workbook

    response = _login(client, cast.bureau_staff).get(reverse("indicators:export"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["指标"]
    assert "大洼区" in ws["A1"].value
    assert cast.bureau_staff.display_name in ws["A2"].value and "北京时间" in ws["A2"].value
    names = [ws.cell(row=r, column=1).value for r in range(5, 13)]
    assert "学前三年毛入园率" in names
    row = names.index("学前三年毛入园率") + 5
    assert ws.cell(row=row, column=2).value == NO_DATA


@pytest.mark.parametrize("role", ["bureau_admin", "bureau_staff"])
def test_resident_form_saves_and_refuses_bad_input(client, cast, role):
    _login(client, getattr(cast, role))
    url = reverse("indicators:resident-new")
    bad = client.post(
        url, {"township": cast.town_b.pk, "year": "abc", "children": "-3", "source": "police", "source_date": ""}
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and ResidentChildren.objects.count() == 0
    assert (
        "请选择本区县的街道/乡镇。" in html
        and "年度应为四位数字" in html
        and "应填写不小于 0 的整数。" in html
        and "请填写数据日期。" in html
    )
    ok = client.post(
        url,
        {
            "township": cast.town_a.pk,
            "year": 2025,
            "children": 120,
            "source": "health",
            "source_date": "2025-01-10",
            "is_estimate": "on",
        },
    )
    assert ok.status_code == 302
    record = ResidentChildren.objects.get()
    assert (record.children, record.is_estimate, record.district_id) == (120, True, cast.district_a.pk)


def test_city_viewer_reads_residents_but_cannot_enter(client, cast):
    _login(client, cast.city_viewer)
    assert client.get(reverse("indicators:resident-list")).status_code == 200
    assert client.get(reverse("indicators:resident-new")).status_code == 403


def test_target_form_checks_baseline(client, cast):
    _login(client, cast.bureau_admin)
    url = reverse("indicators:target-new")
    bad = client.post(
        url, {"indicator": "gross-enrolment", "year": 2025, "value": 90, "baseline_year": 2026, "baseline_value": 80}
    )
    assert "基线年度应早于目标年度。" in bad.content.decode() and Target.objects.count() == 0
    ok = client.post(
        url,
        {
            "indicator": "gross-enrolment",
            "year": 2025,
            "value": 90,
            "baseline_year": 2022,
            "baseline_value": 80,
            "plan": "大洼区学前教育行动计划",
        },
    )
    assert ok.status_code == 302
    target = Target.objects.get()
    assert target.bureau_id == cast.district_a.pk
    # the list reads the target in Chinese
    html = client.get(reverse("indicators:target-list")).content.decode()
    assert "学前三年毛入园率" in html and "gross-enrolment" not in html


def test_home_page_is_the_dashboard_for_the_bureau_and_the_city(client, cast):
    KindergartenClass.objects.filter(kindergarten=cast.kg_a1).update(children=500)
    html = _login(client, cast.bureau_staff).get(reverse("core:home")).content.decode()
    assert 'data-testid="home-indicators"' in html and "普惠性幼儿园覆盖率" in html
    attention = html.split('data-testid="attention"')[1].split("</ul>")[0]
    over = attention.split("在园幼儿超过学位数的幼儿园")[1].split("</li>")[0]
    # kg_a1: 500 children in its classes, fewer places; kg_a2: 20 children, no places recorded
    assert 'text-bg-warning">2<' in over
    html = _login(client, cast.city_viewer).get(reverse("core:home")).content.decode()
    assert 'data-testid="home-indicators"' in html and "全市" in html
    html = _login(client, cast.kg_director).get(reverse("core:home")).content.decode()
    assert 'data-testid="home-indicators"' not in html


def test_home_page_queries_do_not_grow(client, cast):
    from indicators.services import enrolment_snapshot_take
    from indicators.services import today as local_today
    from tests.factories import KindergartenFactory

    _login(client, cast.city_viewer)
    url = reverse("core:home")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(4):
        KindergartenFactory(name=f"首页加园{i}", township=cast.town_a)
    enrolment_snapshot_take(day=local_today().replace(day=1) - datetime.timedelta(days=1))
    client.get(url)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
