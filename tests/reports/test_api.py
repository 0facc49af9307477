"""The reports API: types, submissions with their state changes, consolidated reports; scoped like the pages."""

import pytest
from rest_framework.test import APIClient

from reports.models import Submission
from reports.services import district_report_build, submissions_open
from tests.api.helpers import assert_constant_queries
from tests.factories import KindergartenFactory
from tests.reports.conftest import FEB, good_data

SUBS = "/api/v1/report-submissions/"


@pytest.fixture
def api():
    return APIClient()


def test_types_with_their_content(api, rcast):
    api.force_login(rcast.kg_director)
    body = api.get("/api/v1/report-types/").json()
    assert [t["code"] for t in body["results"]] == ["kg-monthly"]
    kg = body["results"][0]
    assert (kg["due_day"], kg["period_label"], kg["version"]) == (10, "上月", 1)
    assert kg["content"]["sections"][0]["title"] == "在园幼儿与班级"


def test_submit_through_the_api_with_explanations_and_state_changes(api, feb_open, at):
    cast = feb_open
    sub = Submission.objects.get(month=FEB, kindergarten=cast.kg_a1)
    api.force_login(cast.kg_director)
    with at(2025, 3, 10, 12, 0, 0):
        response = api.post(f"{SUBS}{sub.pk}/submit/", {"data": good_data(video_retention_days=10)}, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "explain:video_retention_30": ["录像保存不足 30 天（东城区方案要求保存 30 天），请说明原因和整改安排。"]
        }
        response = api.post(
            f"{SUBS}{sub.pk}/submit/",
            {"data": good_data(video_retention_days=10), "explanations": {"video_retention_30": "设备更换"}},
            format="json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["state_label"], body["on_time"], body["month"]) == (
        "submitted",
        "已报送",
        True,
        "2025-02",
    )
    assert body["explanations"] == {"video_retention_30": "设备更换"}
    assert [(e["action"], e["action_label"], e["actor"]) for e in body["events"]] == [
        ("submitted", "报送", cast.kg_director.display_name)
    ]
    api.force_login(cast.bureau_staff)
    response = api.post(f"{SUBS}{sub.pk}/return/", {"reason": ""}, format="json")
    assert response.status_code == 400
    response = api.post(f"{SUBS}{sub.pk}/return/", {"reason": "请补充"}, format="json")
    assert response.json()["state"] == "returned" and response.json()["return_reason"] == "请补充"


def test_list_scope_filters_and_queries(api, feb_open, at, django_assert_num_queries):
    cast = feb_open
    api.force_login(cast.kg_director)
    assert [r["submitter"] for r in api.get(SUBS).json()["results"]] == [cast.kg_a1.name]
    api.force_login(cast.bureau_staff)
    assert api.get(SUBS + "?month=2025-02&report_type=kg-monthly").json()["count"] == 2
    assert api.get(SUBS + "?month=junk").json()["count"] == 0

    def more():
        for i in range(20):
            kg = KindergartenFactory(name=f"新园{i}", township=cast.town_a)
            kg.status_changes.update(effective_date=FEB.replace(year=2024))
        with at(2025, 3, 1, 1, 0, 0):
            submissions_open(report_type=cast.kg_type, month=FEB)

    assert_constant_queries(api, SUBS, more, django_assert_num_queries, at_most=6)


def test_consolidated_reports(api, feb_open, at):
    cast = feb_open
    with at(2025, 3, 10, 9, 0, 0):
        submissions_open(report_type=cast.district_type, month=FEB)
        mine = Submission.objects.get(report_type=cast.district_type, district=cast.district_a)
        district_report_build(actor=None, submission=mine)
    api.force_login(cast.city_viewer)
    body = api.get("/api/v1/consolidated-reports/?month=2025-02").json()
    assert sorted(r["district"] for r in body["results"]) == ["双台子区", "大洼区"]
    detail = api.get(f"/api/v1/consolidated-reports/{mine.pk}/").json()
    assert detail["data"]["expected"] == 2 and detail["events"][0]["action"] == "built"
    kg_sub = Submission.objects.get(month=FEB, kindergarten=cast.kg_a1)
    assert api.get(f"/api/v1/consolidated-reports/{kg_sub.pk}/").status_code == 404
    api.force_login(cast.kg_director)
    assert api.get("/api/v1/consolidated-reports/").json()["count"] == 0


def test_schema_lists_the_endpoints(api, rcast):
    api.force_login(rcast.bureau_staff)
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/report-types/", "/api/v1/report-submissions/{id}/submit/", "/api/v1/consolidated-reports/"):
        assert path in schema


def test_a_district_admin_makes_and_edits_its_type_through_the_api(api, rcast):
    content = {"sections": [{"key": "s1", "title": "帮扶", "fields": [
        {"key": "visits", "label": "送教次数", "kind": "number", "unit": "次", "required": True}]}]}  # fmt: skip
    api.force_login(rcast.bureau_staff)
    assert api.post("/api/v1/report-types/", {"name": "帮扶月报", "submitter_level": "kindergarten",
                                              "content": content}, format="json").status_code == 403  # fmt: skip
    api.force_login(rcast.bureau_admin)
    bad = api.post(
        "/api/v1/report-types/", {"name": "帮扶月报", "due_day": 29, "content": {"sections": []}}, format="json"
    )
    assert bad.status_code == 400 and "due_day" in bad.json()
    bad = api.post("/api/v1/report-types/", {"name": "帮扶月报", "submitter_level": "kindergarten",
                                             "content": {"sections": []}}, format="json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["content"] == ["报表内容至少要有一个栏目。"]
    made = api.post("/api/v1/report-types/", {"name": "帮扶月报", "due_day": 20, "submitter_level": "kindergarten",
                                              "content": content}, format="json")  # fmt: skip
    assert made.status_code == 201 and (made.json()["due_day"], made.json()["version"]) == (20, 1)
    pk = made.json()["id"]
    from reports.models import ReportType
    from reports.services import submission_for

    submission_for(report_type=ReportType.objects.get(pk=pk), month=FEB, kindergarten=rcast.kg_a1)
    content["sections"][0]["fields"].append({"key": "hours", "label": "时长", "kind": "number"})
    changed = api.patch(f"/api/v1/report-types/{pk}/", {"content": content, "name": "结对帮扶月报"}, format="json")
    assert changed.status_code == 200 and (changed.json()["name"], changed.json()["version"]) == ("结对帮扶月报", 2)
    refused = api.patch(f"/api/v1/report-types/{pk}/", {"period": "current"}, format="json")
    assert refused.status_code == 400 and "不能再更改报告月份" in refused.json()["period"][0]
    assert api.patch(f"/api/v1/report-types/{rcast.kg_type.pk}/", {"name": "x"}, format="json").status_code == 403
    api.force_login(rcast.admin_b)
    assert api.patch(f"/api/v1/report-types/{pk}/", {"name": "x"}, format="json").status_code == 404
