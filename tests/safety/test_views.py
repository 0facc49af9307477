"""Safety pages: reporting and the timeline through the page, the bureau's forwarding, lists with
fixed query counts and empty states, the overview, zero reports, hazards; and no way to edit or
delete an incident through the page, the API or the admin."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from safety.models import Hazard, Incident, IncidentEntry, ZeroReport
from tests.safety.helpers import beijing, report


def _count(client, url, params=None):
    client.get(url, params or {})  # warm-up: the signed-in user is cached from the second request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx), response


def test_a_director_reports_adds_a_follow_up_and_a_final_report_through_the_pages(client, cast):
    client.force_login(cast.kg_director)
    occurred = timezone.localtime() - datetime.timedelta(minutes=20)
    response = client.post(
        reverse("safety:incident-create"),
        {
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
            "kind": "injury",
            "grade": "general",
            "children_affected": "1",
            "staff_affected": "0",
            "text": "滑梯摔伤，已送医。",
            "written": "on",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("safety:incident-detail", args=[incident.pk])
    assert incident.late is False and incident.written_at is not None
    url = reverse("safety:incident-entry", args=[incident.pk])
    assert (
        client.post(url, {"kind": "followup", "text": "复查无骨折。", "grade": "", "kind_stated": ""}).status_code
        == 302
    )
    assert client.post(url, {"kind": "final", "text": "已返园。"}).status_code == 302
    page = client.get(reverse("safety:incident-detail", args=[incident.pk])).content.decode()
    for text in ("首报", "书面报告", "续报", "终报", "复查无骨折。", "北京时间"):
        assert text in page
    assert list(incident.entries.values_list("kind", flat=True)) == ["initial", "written", "followup", "final"]


def test_the_form_shows_every_problem_at_once_in_chinese(client, cast):
    client.force_login(cast.kg_director)
    response = client.post(reverse("safety:incident-create"), {"occurred_at": "昨天", "children_affected": "-1"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"occurred_at", "kind", "grade", "children_affected", "staff_affected", "text"}
    assert all(not m.isascii() for messages in errors.values() for m in messages)
    assert not Incident.objects.exists()


def test_a_refused_entry_shows_the_reason_and_adds_nothing(client, cast):
    incident = report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=5))
    client.force_login(cast.kg_director)
    response = client.post(reverse("safety:incident-entry", args=[incident.pk]), {"kind": "correction", "text": "更正"})
    assert response.status_code == 400
    assert "请选择要更正的记录" in response.content.decode()
    assert incident.entries.count() == 1


def test_the_bureau_sees_the_report_at_once_and_marks_it_forwarded(client, cast):
    incident = report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=5), grade="large")
    client.force_login(cast.bureau_staff)
    listing = client.get(reverse("safety:incident-list")).content.decode()
    assert incident.number in listing
    response = client.post(reverse("safety:incident-forward", args=[incident.pk]), {"to": "city"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.forwarded_city_at is not None
    again = client.post(reverse("safety:incident-forward", args=[incident.pk]), {"to": "city"})
    assert again.status_code == 400 and "已记录过" in again.content.decode()


def test_incident_list_filters_and_keeps_a_fixed_query_count(client, cast):
    client.force_login(cast.bureau_staff)
    url = reverse("safety:incident-list")
    assert "暂无安全事故报告" in client.get(url).content.decode()
    with time_machine.travel(beijing(2026, 3, 2, 12, 0), tick=False):
        report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))  # late
    few, _ = _count(client, url)
    with time_machine.travel(beijing(2026, 3, 2, 12, 0), tick=False):
        for i in range(4):
            report(cast, occurred_at=beijing(2026, 3, 2, 11, 30), kind="fire", grade="large", text=f"事故{i}")
        report(cast, kg=cast.kg_b1, actor=cast.director_b1, occurred_at=beijing(2026, 3, 2, 11, 30))
    many, response = _count(client, url)
    assert many == few
    assert len(response.context["page"].object_list) == 5  # district B's is not district A's
    assert len(client.get(url, {"show": "late"}).context["page"].object_list) == 1
    assert len(client.get(url, {"grade": "large", "kind": "fire"}).context["page"].object_list) == 4
    assert len(client.get(url, {"month": "2026-02"}).context["page"].object_list) == 0
    assert "没有符合条件" in client.get(url, {"month": "2026-02"}).content.decode()
    assert len(client.get(url, {"show": "open"}).context["page"].object_list) == 5


def test_overview_counts_by_grade_kind_month_and_kindergarten_in_fixed_queries(client, cast):
    client.force_login(cast.bureau_admin)
    url = reverse("safety:overview")
    few, _ = _count(client, url, {"year": 2026})
    with time_machine.travel(beijing(2026, 3, 2, 12, 0), tick=False):
        report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
        report(cast, occurred_at=beijing(2026, 3, 2, 11, 30), kind="fire", grade="large")
        report(cast, kg=cast.kg_a2, actor=cast.director_a2, occurred_at=beijing(2026, 3, 1, 0, 30))
    many, response = _count(client, url, {"year": 2026})
    assert many == few
    ctx = response.context
    assert (ctx["totals"]["total"], ctx["totals"]["late"], ctx["totals"]["open"]) == (3, 2, 3)
    assert {label: n for label, n, _ in ctx["by_grade"]}["较大"] == 1
    assert dict(ctx["by_month"])[3] == 3
    assert {row["kindergarten__name"]: row["n"] for row in ctx["top_kindergartens"]} == {
        cast.kg_a1.name: 2,
        cast.kg_a2.name: 1,
    }


def test_the_supervisor_sees_only_their_kindergartens(client, cast):
    report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=5))
    report(cast, kg=cast.kg_a2, actor=cast.director_a2, occurred_at=timezone.now() - datetime.timedelta(minutes=5))
    client.force_login(cast.supervisor)
    rows = client.get(reverse("safety:incident-list")).context["page"].object_list
    assert [r.kindergarten for r in rows] == [cast.kg_a1]


def test_zero_report_page_confirms_a_month(client, cast):
    client.force_login(cast.kg_director)
    month = timezone.localdate().replace(day=1)
    response = client.post(reverse("safety:zero-reports"), {"month": month.strftime("%Y-%m")})
    assert response.status_code == 302
    assert ZeroReport.objects.get().month == month
    page = client.get(reverse("safety:zero-reports")).content.decode()
    assert "已确认零报告" in page


def test_hazard_pages_record_and_issue(client, cast):
    client.force_login(cast.kg_staff)
    response = client.post(
        reverse("safety:hazard-create", args=[cast.kg_a1.pk]),
        {
            "category": "building",
            "source": "selfcheck",
            "found_on": timezone.localdate().isoformat(),
            "description": "围墙开裂。",
        },
    )
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and hazard.order is None
    client.force_login(cast.supervisor)
    assert "待下达整改通知" in client.get(reverse("safety:hazard-detail", args=[hazard.pk])).content.decode()
    client.post(reverse("safety:hazard-issue", args=[hazard.pk]), {"severity": "critical"})
    hazard.refresh_from_db()
    assert hazard.order is not None and hazard.order.severity == "critical"
    detail = client.get(reverse("supervision:order-detail", args=[hazard.order.pk])).content.decode()
    assert "安全隐患" in detail


def test_hazard_list_has_a_fixed_query_count(client, cast):
    from safety.services import hazard_record

    client.force_login(cast.bureau_staff)
    url = reverse("safety:hazard-list")
    assert "暂无安全隐患记录" in client.get(url).content.decode()
    for i in range(5):
        if i == 1:
            few, _ = _count(client, url)
        hazard_record(
            actor=cast.bureau_staff,
            kindergarten=cast.kg_a1,
            category="fire",
            source="inspection",
            found_on=timezone.localdate(),
            description=f"隐患{i}",
            severity="minor",
        )
    many, _ = _count(client, url)
    assert many == few


# --- nobody edits or deletes an incident, through any path ----------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_page_and_the_api_refuse_edits_and_deletions(client, cast, method):
    incident = report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=5))
    client.force_login(cast.kg_director)
    assert getattr(client, method)(reverse("safety:incident-detail", args=[incident.pk])).status_code == 405
    api = APIClient()
    api.force_authenticate(cast.kg_director)
    url = reverse("api:safety-incident-detail", args=[incident.pk])
    assert getattr(api, method)(url, {"text": "改写"}, format="json").status_code == 405
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert incident.entries.get().text.startswith("户外活动")


def test_the_admin_shows_incidents_read_only_even_to_a_superuser(client, cast):
    incident = report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=5))
    entry = incident.entries.get()
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026")
    client.force_login(root)
    change = reverse("admin:safety_incident_change", args=[incident.pk])
    assert client.get(change).status_code == 200  # view only
    client.post(
        change,
        {
            "grade": "grave",
            "entries-TOTAL_FORMS": "1",
            "entries-INITIAL_FORMS": "1",
            "entries-0-id": entry.pk,
            "entries-0-text": "改写",
            "entries-0-DELETE": "on",
        },
    )
    assert client.post(reverse("admin:safety_incident_delete", args=[incident.pk]), {"post": "yes"}).status_code == 403
    assert client.post(
        reverse("admin:safety_incident_changelist"), {"action": "delete_selected", "_selected_action": [incident.pk]}
    ).status_code in (200, 302)
    incident.refresh_from_db()
    assert incident.grade == "general"
    assert IncidentEntry.objects.get(pk=entry.pk).text == entry.text
    assert Incident.objects.count() == 1


def test_a_staff_member_drafts_through_the_page_and_the_director_submits_it(client, cast):
    from core.models import Notification
    from safety.models import IncidentDraft

    occurred = timezone.localtime() - datetime.timedelta(minutes=20)
    client.force_login(cast.kg_staff)
    page = client.get(reverse("safety:incident-create")).content.decode()
    assert 'data-testid="draft-note"' in page and 'data-testid="submit-incident"' not in page
    # A staff member's post is a draft, even half-written; nobody is told.
    response = client.post(
        reverse("safety:incident-create"),
        {"occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"), "kind": "injury", "text": "一名幼儿摔倒，正在了解情况。"},
    )
    draft = IncidentDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("safety:incident-draft", args=[draft.pk])
    assert not Incident.objects.exists() and not Notification.objects.exists()
    # The staff member cannot submit it.
    refused = client.post(reverse("safety:incident-draft", args=[draft.pk]), {"submit": "1", "kind": "injury"})
    assert refused.status_code == 403 and not Incident.objects.exists()
    # The bureau does not see drafts at all.
    client.force_login(cast.bureau_staff)
    assert client.get(reverse("safety:incident-draft", args=[draft.pk])).status_code == 404
    assert "待提交的事故报告草稿" not in client.get(reverse("safety:incident-list")).content.decode()
    # The director finds it on the list, completes and submits it.
    client.force_login(cast.kg_director)
    listing = client.get(reverse("safety:incident-list")).content.decode()
    assert reverse("safety:incident-draft", args=[draft.pk]) in listing and "待提交的事故报告草稿" in listing
    form = client.get(reverse("safety:incident-draft", args=[draft.pk])).content.decode()
    assert "一名幼儿摔倒，正在了解情况。" in form and occurred.strftime("%Y-%m-%dT%H:%M") in form
    incomplete = client.post(
        reverse("safety:incident-draft", args=[draft.pk]),
        {"submit": "1", "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"), "kind": "injury", "text": "摔倒"},
    )
    assert incomplete.status_code == 400 and "请选择事故等级" in incomplete.content.decode()
    assert not Incident.objects.exists()
    done = client.post(
        reverse("safety:incident-draft", args=[draft.pk]),
        {
            "submit": "1",
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
            "kind": "injury",
            "grade": "general",
            "children_affected": "1",
            "staff_affected": "0",
            "text": "一名幼儿摔倒，膝盖擦伤，已处理并通知家长。",
        },
    )
    incident = Incident.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("safety:incident-detail", args=[incident.pk])
    assert incident.reported_by == cast.kg_director and not incident.late
    detail = client.get(done["Location"]).content.decode()
    assert 'data-testid="drafted-by"' in detail
    assert client.get(reverse("safety:incident-draft", args=[draft.pk])).status_code == 404  # submitted


def test_a_draft_may_be_discarded_by_the_kindergarten_only(client, cast):
    from safety.models import IncidentDraft

    client.force_login(cast.kg_staff)
    client.post(reverse("safety:incident-create"), {"save_draft": "1", "text": "待核实"})
    draft = IncidentDraft.objects.get()
    client.force_login(cast.director_a2)
    assert client.post(reverse("safety:incident-draft-delete", args=[draft.pk])).status_code == 404
    client.force_login(cast.kg_director)
    assert client.post(reverse("safety:incident-draft-delete", args=[draft.pk])).status_code == 302
    assert not IncidentDraft.objects.exists()


def test_the_bureau_records_the_health_department_only_for_public_health_events(client, cast):
    food = report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=30), kind="food")
    injury = report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=30))
    client.force_login(cast.bureau_staff)
    assert 'value="health"' in client.get(reverse("safety:incident-detail", args=[food.pk])).content.decode()
    assert 'value="health"' not in client.get(reverse("safety:incident-detail", args=[injury.pk])).content.decode()
    refused = client.post(reverse("safety:incident-forward", args=[injury.pk]), {"to": "health"})
    assert refused.status_code == 400 and "公共卫生事件" in refused.content.decode()
    response = client.post(reverse("safety:incident-forward", args=[food.pk]), {"to": "health"})
    assert response.status_code == 302
    food.refresh_from_db()
    assert food.health_reported_at is not None
    page = client.get(reverse("safety:incident-detail", args=[food.pk])).content.decode()
    assert "已报卫生健康部门" in page and 'value="health"' not in page


def test_the_kindergarten_record_shows_the_safety_panel_and_its_links_filter_to_it(client, cast):
    from safety.services import hazard_issue_order, hazard_record

    report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=10))
    report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=10), kg=cast.kg_a2, actor=cast.director_a2)
    open_one = hazard_record(
        actor=cast.kg_director,
        kindergarten=cast.kg_a1,
        category="fire",
        source="daily",
        found_on=timezone.localdate(),
        description="灭火器过期",
    )
    hazard_issue_order(actor=cast.bureau_staff, hazard=open_one, severity="minor")
    client.force_login(cast.kg_director)
    page = client.get(reverse("kindergartens:detail", args=[cast.kg_a1.pk])).content.decode()
    assert 'data-testid="open-incident-count">1<' in page and 'data-testid="open-hazard-count">1<' in page
    assert reverse("safety:incident-create") in page and reverse("safety:hazard-create", args=[cast.kg_a1.pk]) in page
    client.force_login(cast.city_viewer)
    page = client.get(reverse("kindergartens:detail", args=[cast.kg_a1.pk])).content.decode()
    assert 'data-testid="kindergarten-safety-panel"' in page
    assert reverse("safety:incident-create") not in page
    assert reverse("safety:hazard-create", args=[cast.kg_a1.pk]) not in page
    # The links' filters: this kindergarten only.
    client.force_login(cast.bureau_staff)
    listing = client.get(reverse("safety:incident-list"), {"kindergarten": cast.kg_a1.pk}).content.decode()
    assert listing.count('data-testid="incident-row"') == 1
    hazards = client.get(reverse("safety:hazard-list"), {"kindergarten": cast.kg_a2.pk, "show": "open"})
    assert "没有符合条件的安全隐患" in hazards.content.decode()
