"""Report type pages: the bureau and the city read the types; a district admin makes its own and edits
it (settings, sections, fields, rules) with a confirmation; a change to a type in use makes a new
version and a submission keeps its own; every problem is told at once, in Chinese; nothing changes on
a refusal."""

import datetime

import pytest
from django.urls import reverse

from core.models import AuditEntry
from reports.content import field_map
from reports.models import ReportType, Submission
from reports.services import expected_submitters, report_type_version, submission_for
from tests.reports.conftest import FEB


def _settings(**over):
    data = {"name": "安全检查月报", "due_day": "15", "grace_days": "5", "period": "previous",
            "submitter_level": "kindergarten", "is_active": "1"}  # fmt: skip
    data.update(over)
    return data


@pytest.fixture
def owned(rcast):
    """District A's own type, made from the page by its admin, copying the shipped kindergarten report."""
    from django.test import Client

    client = Client()
    client.force_login(rcast.bureau_admin)
    response = client.post(reverse("reports:type-new"), {**_settings(), "based_on": str(rcast.kg_type.pk)})
    assert response.status_code == 302
    return ReportType.objects.get(name="安全检查月报")


def _edit_post(report_type, **over) -> dict:
    """The editor as posted unchanged: settings and every current label, required flag and unit."""
    content = report_type_version(report_type).content
    data = _settings(name=report_type.name, due_day=str(report_type.due_day), period=report_type.period,
                     submitter_level=report_type.submitter_level)  # fmt: skip
    for i, section in enumerate(content["sections"]):
        data[f"s{i}-title"] = section["title"]
        for f in section["fields"]:
            data[f"f-{f['key']}-label"] = f["label"]
            if f.get("required"):
                data[f"f-{f['key']}-required"] = "1"
            if f["kind"] == "number":
                data[f"f-{f['key']}-unit"] = f.get("unit", "")
    data.update(over)
    return data


def test_a_district_admin_makes_its_own_type(client, rcast, owned):
    assert owned.owner == rcast.district_a and owned.due_day == 15 and owned.submitter_level == "kindergarten"
    assert (
        field_map(report_type_version(owned).content).keys()
        == field_map(report_type_version(rcast.kg_type).content).keys()
    )
    # Only district A's kindergartens owe it.
    owing = {kg for kg, _ in expected_submitters(owned, FEB)}
    assert owing == {rcast.kg_a1.pk, rcast.kg_a2.pk}
    client.force_login(rcast.bureau_admin)
    html = client.get(reverse("reports:types")).content.decode()
    assert "安全检查月报" in html and "系统预置" in html and "每月 15 日" in html


def test_the_list_costs_the_same_for_more_types(client, rcast, owned, django_assert_num_queries):
    client.force_login(rcast.city_viewer)
    client.get(reverse("reports:types"))
    with django_assert_num_queries(2):  # the count and the page (the signed-in user is cached)
        client.get(reverse("reports:types"))
    for i in range(3):
        ReportType.objects.create(
            code=f"more-{i}", name=f"更多{i}", submitter_level="kindergarten", owner=rcast.district_b
        )
    client.get(reverse("reports:types"))  # warm-up: new records may invalidate the cached user
    with django_assert_num_queries(2):
        html = client.get(reverse("reports:types")).content.decode()
    assert "更多2" in html


def test_edit_confirm_then_save_in_place_while_unused(client, rcast, owned):
    client.force_login(rcast.bureau_admin)
    url = reverse("reports:type-edit", args=[owned.pk])
    assert client.get(url).status_code == 200
    post = _edit_post(owned, **{"f-children-label": "月末在园幼儿总数", "new-label": "消防检查次数", "new-kind": "number",
                                "new-section": "new", "new-section-title": "消防", "new-unit": "次", "new-min": "0",
                                "rule-field": "children", "rule-op": "ge", "rule-value": "0", "rule-level": "hard",
                                "rule-message": "幼儿数不能为负。"})  # fmt: skip
    page = client.post(url, post)
    html = page.content.decode()
    assert 'data-testid="changes"' in html
    assert "填报项“月末在园幼儿数”改名为“月末在园幼儿总数”" in html and "新增填报项“消防检查次数”（数字）" in html
    assert "新增校验规则“幼儿数不能为负。”" in html and 'data-testid="same-version"' in html
    version = report_type_version(owned)
    assert field_map(version.content)["children"]["label"] == "月末在园幼儿数"  # not saved before confirming
    response = client.post(url, {**post, "confirm": "1"}, follow=True)
    assert "已保存。" in response.content.decode()
    saved = report_type_version(owned)
    assert saved.pk == version.pk and saved.number == 1
    fields = field_map(saved.content)
    assert fields["children"]["label"] == "月末在园幼儿总数"
    new = next(f for f in fields.values() if f["label"] == "消防检查次数")
    assert new["kind"] == "number" and new["unit"] == "次" and new["min"] == 0
    assert saved.content["sections"][-1]["title"] == "消防"
    assert saved.content["rules"][-1]["then"] == {"field": "children", "op": "ge", "value": 0}
    assert AuditEntry.objects.filter(object_id=str(saved.pk), action="update").exists()


def test_a_type_in_use_gets_a_new_version_and_keeps_its_month_and_submitter(client, rcast, owned):
    used = submission_for(report_type=owned, month=FEB, kindergarten=rcast.kg_a1)
    v1 = used.version
    client.force_login(rcast.bureau_admin)
    url = reverse("reports:type-edit", args=[owned.pk])
    refused = client.post(url, _edit_post(owned, period="current", submitter_level="district", confirm="1"))
    html = refused.content.decode()
    assert "不能再更改报告月份" in html and "不能再更改报送方" in html
    owned.refresh_from_db()
    assert owned.period == "previous" and owned.submitter_level == "kindergarten"
    post = _edit_post(owned, due_day="20", **{"f-video_notes-remove": "1"})
    confirm = client.post(url, post).content.decode()
    assert (
        'data-testid="new-version"' in confirm and "生成第 2 版" in confirm and "删除填报项“检查发现的问题”" in confirm
    )
    response = client.post(url, {**post, "confirm": "1"}, follow=True)
    assert "生成第 2 版" in response.content.decode()
    owned.refresh_from_db()
    v2 = report_type_version(owned)
    assert owned.due_day == 20 and v2.number == 2 and "video_notes" not in field_map(v2.content)
    used.refresh_from_db()
    assert used.version_id == v1.pk and "video_notes" in field_map(used.version.content)
    later = submission_for(report_type=owned, month=datetime.date(2025, 3, 1), kindergarten=rcast.kg_a1)
    assert later.version_id == v2.pk and later.due_date == datetime.date(2025, 4, 20)
    detail = client.get(reverse("reports:type-detail", args=[owned.pk])).content.decode()
    assert "第 2 版" in detail and "第 1 版" in detail


def test_every_problem_at_once_and_nothing_changes(client, rcast, owned):
    before = report_type_version(owned).content
    client.force_login(rcast.bureau_admin)
    post = _edit_post(owned, name="", due_day="29", **{"f-children-label": "", "new-label": "是否检查", "new-kind": "choice",
                                                        "new-section": "0", "new-choices": "是", "rule-field": "children",
                                                        "rule-op": "ge", "rule-value": "", "rule-level": "hard",
                                                        "f-staff_total-remove": "1", "confirm": "1"})  # fmt: skip
    html = client.post(reverse("reports:type-edit", args=[owned.pk]), post).content.decode()
    for message in ("请填写报表名称。", "截止日应在 1–28 之间。", "填报项名称不能为空。", "选择题至少要有两个选项",
                    "请填写新规则不通过时的提示语。", "新规则须与一个数字或另一个数字项比较", "用到了要删除的填报项"):  # fmt: skip
        assert message in html, message
    owned.refresh_from_db()
    assert owned.name == "安全检查月报" and owned.due_day == 15 and report_type_version(owned).content == before


def test_who_may_edit(client, rcast, owned):
    url = reverse("reports:type-edit", args=[owned.pk])
    client.force_login(rcast.bureau_staff)
    assert client.get(url).status_code == 403
    assert client.get(reverse("reports:type-detail", args=[owned.pk])).status_code == 200
    client.force_login(rcast.admin_b)
    assert client.get(url).status_code == 404
    client.force_login(rcast.bureau_admin)  # the shipped types serve every district
    assert client.get(reverse("reports:type-edit", args=[rcast.kg_type.pk])).status_code == 403
    client.force_login(rcast.city_viewer)
    assert client.get(url).status_code == 403
    assert client.post(reverse("reports:type-new"), _settings()).status_code == 403
    client.force_login(rcast.kg_director)
    assert client.get(reverse("reports:types")).status_code == 403
    assert not Submission.objects.exists()


def test_the_new_type_form_and_its_errors(client, rcast):
    client.force_login(rcast.bureau_admin)
    html = client.get(reverse("reports:type-new")).content.decode()
    assert "复制“幼儿园月报”的当前内容" in html
    html = client.post(reverse("reports:type-new"), _settings(name="", due_day="0", based_on="999999")).content.decode()
    for message in ("请填写报表名称。", "截止日应在 1–28 之间。", "请选择参照的报表，或选择空白报表。"):
        assert message in html, message
    assert not ReportType.objects.filter(owner=rcast.district_a).exists()
    response = client.post(reverse("reports:type-new"), _settings(name="空白月报", based_on=""))
    made = ReportType.objects.get(name="空白月报")
    assert response["Location"] == reverse("reports:type-edit", args=[made.pk])
    assert [f["label"] for f in field_map(report_type_version(made).content).values()] == ["本月情况说明"]
