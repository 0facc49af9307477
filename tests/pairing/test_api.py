"""Pairing API: scoped like the pages, lists in fixed queries, refusals with their reasons."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.pairing.helpers import make_activity, make_agreement, make_plan


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_agreements_are_scoped_and_listed_in_fixed_queries(pc):
    own = make_agreement(pc.kg_a1, pc.kg_b1, title="跨区域协议")
    make_agreement(pc.kg_c1, pc.kg_c2, title="北京的协议")
    url = reverse("api:pairing-agreement-list")
    for user, expected in (
        (pc.kg_director, {"跨区域协议"}),
        (pc.director_b1, {"跨区域协议"}),
        (pc.director_a2, set()),
        (pc.city_viewer, {"跨区域协议"}),
        (pc.admin_b, {"跨区域协议"}),
    ):
        body = _api(user).get(url).json()
        assert {a["title"] for a in body["results"]} == expected, user.username
    detail = _api(pc.city_viewer).get(reverse("api:pairing-agreement-detail", args=[own.pk])).json()
    assert [p["kindergarten_name"] for p in detail["parties"]] == ["大洼区第一幼儿园", "双台子区实验幼儿园"]
    assert detail["state_label"] == "草稿" and detail["confirmations"] == []
    client = _api(pc.bureau_staff)
    few = _count(client, url)
    for n in range(8):
        make_agreement(pc.kg_a2, [pc.kg_a3, pc.kg_a1], title=f"协议{n}")
    assert _count(client, url) == few


def test_activities_and_plans_lists_in_fixed_queries(pc):
    agreement = make_agreement(pc.kg_a1, pc.kg_b1, state="active")
    make_activity(agreement, pc.kg_a1, pc.kg_director)
    make_plan(pc.district_a)
    client = _api(pc.city_viewer)
    activities = reverse("api:pairing-activity-list") + f"?agreement={agreement.pk}"
    plans = reverse("api:pairing-plan-list")
    few = (_count(client, activities), _count(client, plans))
    for n in range(6):
        make_activity(agreement, pc.kg_b1, pc.director_b1, day=datetime.date(2025, 11, 1 + n))
    make_plan(pc.district_b)
    make_plan(pc.district_a, year=2026)
    assert (_count(client, activities), _count(client, plans)) == few
    assert _api(pc.kg_director).get(plans).json()["results"] == []
    assert _api(pc.city_viewer).get(plans).json()["count"] == 3


def test_a_refused_agreement_answers_400_with_every_reason(pc):
    body = {
        "title": "协议", "mode": "cross_district", "helping": [pc.kg_a1.pk], "helped": [pc.kg_b1.pk],
        "start_date": "2025-09-01", "end_date": "2027-02-28", "forms": ["on_site"],
        "rights_obligations": "收取挂钩费", "content": "内容", "goals": "目标",
    }  # fmt: skip
    response = _api(pc.kg_director).post(reverse("api:pairing-agreement-list"), body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert "不足两年" in " ".join(payload["end_date"]) and "挂钩费" in payload["detail"]
    # A kindergarten of another city is not revealed.
    body.update(end_date="2027-08-31", rights_obligations="权利义务", helped=[pc.kg_c1.pk])
    response = _api(pc.kg_director).post(reverse("api:pairing-agreement-list"), body, format="json")
    assert response.status_code == 400 and "不存在或不在本市" in response.json()["detail"]
    body.update(helped=[pc.kg_b1.pk])
    response = _api(pc.kg_director).post(reverse("api:pairing-agreement-list"), body, format="json")
    assert response.status_code == 201 and response.json()["state"] == "draft"


def test_a_district_files_and_submits_its_plan_through_the_api(pc):
    from pairing.models import YearPlan

    url = reverse("api:pairing-plan-list")
    bureau = _api(pc.bureau_staff)
    body = {"year": 2025, "helping_count": 2, "helped_count": 1, "helping": [pc.kg_a1.pk], "helped": [pc.kg_a2.pk]}
    answer = bureau.post(url, body, format="json")
    assert answer.status_code == 200, answer.content.decode()
    data = answer.json()
    assert (data["district_name"], data["helping_count"], data["state_label"]) == (pc.district_a.name, 2, "填写中")
    assert data["helping"] == [pc.kg_a1.name] and data["helped"] == [pc.kg_a2.name]
    # The same year again changes it (the count the district states is kept even if the list disagrees).
    answer = bureau.post(url, {**body, "helping_count": 3, "note": "补充"}, format="json")
    assert answer.json()["helping_count"] == 3
    assert YearPlan.objects.filter(district=pc.district_a, year=2025).count() == 1
    # Another district's kindergarten: 400 with the reason, nothing changed.
    refused = bureau.post(url, {**body, "helping": [pc.kg_b1.pk]}, format="json")
    assert refused.status_code == 400 and "不属于本区县" in refused.content.decode()
    plan = YearPlan.objects.get(district=pc.district_a, year=2025)
    assert [e.kindergarten_id for e in plan.entries.filter(side="helping")] == [pc.kg_a1.pk]
    # Junk: every problem at once, in Chinese.
    junk = bureau.post(url, {"year": 1999, "helping_count": -1, "helped_count": "两"}, format="json")
    assert junk.status_code == 400
    assert {"year", "helping_count", "helped_count"} <= set(junk.json())
    # Submit, then it can no longer change.
    submitted = bureau.post(reverse("api:pairing-plan-submit", args=[plan.pk]))
    assert submitted.status_code == 200 and submitted.json()["state_label"] == "已上报"
    again = bureau.post(url, {**body, "helping_count": 9}, format="json")
    assert again.status_code == 400 and "已上报市教育局" in again.content.decode()
    plan.refresh_from_db()
    assert plan.helping_count == 3


def test_the_city_reads_plans_but_files_none(pc):
    from pairing.models import YearPlan

    answer = _api(pc.city_viewer).post(
        reverse("api:pairing-plan-list"), {"year": 2025, "helping_count": 1, "helped_count": 1}, format="json"
    )
    assert answer.status_code == 403
    assert not YearPlan.objects.filter(year=2025).exists()
