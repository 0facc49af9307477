"""Safety API: the same services and scope as the pages, fixed query counts for the lists,
Chinese errors, and no way to change or delete."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from safety.models import Hazard, Incident
from tests.safety.helpers import report


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _count(api, url):
    api.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200
    return len(ctx), response.json()


def test_report_follow_up_correct_and_forward_through_the_api(cast):
    director = _api(cast.kg_director)
    body = director.post(
        reverse("api:safety-incident-list"),
        {
            "occurred_at": (timezone.now() - datetime.timedelta(minutes=10)).isoformat(),
            "kind": "fire",
            "grade": "large",
            "children_affected": 0,
            "staff_affected": 1,
            "text": "厨房油锅起火，已扑灭。",
        },
        format="json",
    )
    assert body.status_code == 201, body.json()
    data = body.json()
    assert data["grade_label"] == "较大" and data["late"] is False
    assert data["reported_at"].endswith("+08:00")
    initial = data["entries"][0]["id"]
    entries = reverse("api:safety-incident-entries", args=[data["id"]])
    added = director.post(
        entries, {"kind": "correction", "corrects": initial, "text": "起火部位更正为配餐间。"}, format="json"
    )
    assert added.status_code == 201
    assert added.json()["entries"][-1]["corrects"] == initial
    foreign = report(cast, kg=cast.kg_a2, actor=cast.director_a2, occurred_at=timezone.now())
    wrong = director.post(
        entries, {"kind": "correction", "corrects": foreign.entries.get().pk, "text": "x"}, format="json"
    )
    assert wrong.status_code == 400 and "corrects" in wrong.json()
    forwarded = _api(cast.bureau_staff).post(
        reverse("api:safety-incident-forward", args=[data["id"]]), {"to": "city"}, format="json"
    )
    assert forwarded.status_code == 200 and forwarded.json()["forwarded_city_at"]


def test_api_errors_are_chinese_and_in_one_pass(cast):
    response = _api(cast.kg_director).post(reverse("api:safety-incident-list"), {"kind": "x"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert {"occurred_at", "kind", "grade", "children_affected", "staff_affected", "text"} <= set(body)
    assert all(not m.isascii() for messages in body.values() for m in messages)
    assert not Incident.objects.exists()


@pytest.mark.parametrize("name", ["api:safety-incident-list", "api:safety-hazard-list", "api:safety-zero-report-list"])
def test_api_lists_have_a_fixed_query_count(cast, name):
    from safety.services import hazard_record, zero_report_confirm

    api = _api(cast.bureau_admin)
    url = reverse(name)

    def add(i):
        report(cast, occurred_at=timezone.now() - datetime.timedelta(days=40 * i))
        hazard_record(
            actor=cast.bureau_staff,
            kindergarten=cast.kg_a1,
            category="fire",
            source="inspection",
            found_on=timezone.localdate(),
            description=f"隐患{i}",
            severity="minor",
        )
        month = timezone.localdate().replace(day=1)
        for _ in range(i):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        zero_report_confirm(actor=cast.director_a2, kindergarten=cast.kg_a2, month=month)

    add(0)
    few, _ = _count(api, url)
    for i in range(1, 5):
        add(i)
    many, body = _count(api, url)
    assert many == few
    assert body["count"] >= 4


def test_hazard_api_scopes_the_kindergarten_id(cast):
    response = _api(cast.bureau_staff).post(
        reverse("api:safety-hazard-list"),
        {
            "kindergarten": cast.kg_b1.pk,
            "category": "fire",
            "source": "report",
            "found_on": "2026-03-01",
            "description": "x",
            "severity": "minor",
        },
        format="json",
    )
    assert response.status_code == 400 and "kindergarten" in response.json()
    assert not Hazard.objects.exists()


def test_a_staff_draft_through_the_api_is_submitted_by_the_director(cast):
    from core.models import Notification

    staff = _api(cast.kg_staff)
    refused = staff.post(
        reverse("api:safety-incident-list"),
        {
            "occurred_at": timezone.now().isoformat(),
            "kind": "injury",
            "grade": "general",
            "children_affected": 1,
            "staff_affected": 0,
            "text": "摔倒",
        },
        format="json",
    )
    assert refused.status_code == 403 and "草稿" in refused.json()["detail"]
    draft = staff.post(
        reverse("api:safety-incident-draft-list"),
        {"occurred_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(), "kind": "injury", "text": "摔倒"},
        format="json",
    )
    assert draft.status_code == 201, draft.content
    pk = draft.json()["id"]
    assert not Incident.objects.exists() and not Notification.objects.exists()
    # Other accounts, even the district bureau, do not find it.
    assert _api(cast.bureau_admin).get(reverse("api:safety-incident-draft-detail", args=[pk])).status_code == 404
    assert _api(cast.director_a2).get(reverse("api:safety-incident-draft-detail", args=[pk])).status_code == 404
    assert staff.post(reverse("api:safety-incident-draft-submit", args=[pk])).status_code == 403
    incomplete = _api(cast.kg_director).post(reverse("api:safety-incident-draft-submit", args=[pk]))
    assert incomplete.status_code == 400 and "grade" in incomplete.json()
    assert not Incident.objects.exists()
    from safety.models import IncidentDraft
    from safety.services import draft_save

    d = IncidentDraft.objects.get(pk=pk)
    draft_save(
        actor=cast.kg_director,
        kindergarten=cast.kg_a1,
        draft=d,
        occurred_at=d.occurred_at,
        kind="injury",
        grade="general",
        children_affected=1,
        staff_affected=0,
        text="摔倒，已处理。",
    )
    submitted = _api(cast.kg_director).post(reverse("api:safety-incident-draft-submit", args=[pk]))
    assert submitted.status_code == 201
    assert Incident.objects.get().reported_by == cast.kg_director
    assert staff.get(reverse("api:safety-incident-draft-list")).json()["count"] == 0  # submitted: gone from drafts


def test_the_bureau_forwards_a_public_health_event_to_the_health_department(cast):
    incident = report(cast, occurred_at=timezone.now() - datetime.timedelta(minutes=30), kind="food")
    url = reverse("api:safety-incident-forward", args=[incident.pk])
    assert _api(cast.kg_director).post(url, {"to": "health"}, format="json").status_code == 403
    body = _api(cast.bureau_staff).post(url, {"to": "health"}, format="json").json()
    assert body["health_reported_at"] is not None
    assert [e["kind_label"] for e in body["entries"]] == ["首报", "已报卫生健康部门"]


def test_letters_and_drill_photos_upload_through_the_api_with_the_pages_content_checks(cast):
    from safety.models import Drill, ResponsibilityLetter
    from supervision.models import EvidenceFile
    from tests.supervision.files import FAKE_JPEG, PDF, PNG, upload

    api = _api(cast.kg_director)
    letter = {
        "kindergarten": cast.kg_a1.pk,
        "level": "bureau_kg",
        "year": timezone.localdate().year,
        "parties": "区教育局—园长",
        "signed_on": timezone.localdate().isoformat(),
    }
    bad = api.post(
        reverse("api:safety-letter-list"),
        {**letter, "file": upload(FAKE_JPEG, "责任书.jpg", "image/jpeg")},
        format="multipart",
    )
    assert bad.status_code == 400 and "不是" in str(bad.json())
    assert not ResponsibilityLetter.objects.exists() and not EvidenceFile.objects.exists()
    missing = api.post(reverse("api:safety-letter-list"), letter, format="multipart")
    assert missing.status_code == 400 and not ResponsibilityLetter.objects.exists()
    good = api.post(reverse("api:safety-letter-list"), {**letter, "file": upload(PDF, "责任书.pdf", "application/pdf")})
    assert good.status_code == 201, good.content
    assert ResponsibilityLetter.objects.get().file.content_type == "application/pdf"
    # Another kindergarten's id is not in the director's scope: refused, nothing saved.
    foreign = api.post(
        reverse("api:safety-letter-list"),
        {**letter, "kindergarten": cast.kg_a2.pk, "file": upload(PDF, "责任书.pdf", "application/pdf")},
    )
    assert foreign.status_code == 400 and ResponsibilityLetter.objects.count() == 1

    drill = {
        "kindergarten": cast.kg_a1.pk,
        "held_on": timezone.localdate().isoformat(),
        "kind": "fire",
        "participants": 120,
    }
    before = EvidenceFile.objects.count()
    bad = api.post(
        reverse("api:safety-drill-list"),
        {**drill, "files": [upload(PNG), upload(FAKE_JPEG, "假照片.jpg", "image/jpeg")]},
        format="multipart",
    )
    assert bad.status_code == 400 and not Drill.objects.exists() and EvidenceFile.objects.count() == before
    good = api.post(reverse("api:safety-drill-list"), {**drill, "files": [upload(PNG), upload(PNG, "b.png")]})
    assert good.status_code == 201, good.content
    assert Drill.objects.get().photos.count() == 2
    assert api.post(reverse("api:safety-drill-list"), drill, format="json").status_code == 201  # photos optional
