"""Rectification pages and evidence files through the browser's requests (the matrix covers who
gets which status; these cover what the pages do and show)."""

import datetime

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from supervision.models import EvidenceFile, OrderState, RectificationOrder
from supervision.rectification import order_issue, order_respond
from tests.supervision.files import FAKE_JPEG, JPEG, PDF, PNG, upload


def _issue(cast, kg=None, **kw):
    kw.setdefault("description", "消防通道堆放杂物")
    kw.setdefault("severity", "major")
    return order_issue(
        actor=cast.bureau_staff, kindergarten=kg or cast.kg_a1, source_kind="manual", source_label="督导发现", **kw
    )


def test_supervisor_issues_an_order_from_the_form(client, cast):
    client.force_login(cast.supervisor)
    url = reverse("supervision:order-create", kwargs={"pk": cast.kg_a1.pk})
    assert "整改期限" in client.get(url).content.decode()
    response = client.post(url, {"description": "围墙破损", "severity": "critical"})
    order = RectificationOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("supervision:order-detail", args=[order.pk])
    assert order.issued_by == cast.supervisor and order.source_label == "督导发现"
    page = client.get(response["Location"]).content.decode()
    assert order.number in page and "严重" in page and "下达整改通知" in page


def test_an_invalid_issue_shows_the_errors_and_saves_nothing(client, cast):
    client.force_login(cast.supervisor)
    url = reverse("supervision:order-create", kwargs={"pk": cast.kg_a1.pk})
    response = client.post(url, {"description": "", "severity": "critical", "deadline": "2000-01-01"})
    assert response.status_code == 200 and not RectificationOrder.objects.exists()
    assert "请修正下面标出的错误" in response.content.decode()


def test_director_answers_with_photos_and_a_fake_is_refused(client, cast):
    order = _issue(cast)
    client.force_login(cast.kg_director)
    url = reverse("supervision:order-respond", args=[order.pk])
    refused = client.post(
        url, {"response": "已整改", "files": [upload(), upload(FAKE_JPEG, "假照片.jpg", "image/jpeg")]}
    )
    assert refused.status_code == 200
    assert "“假照片.jpg”不是JPG、PNG 图片或 PDF 文件" in refused.content.decode()
    assert not EvidenceFile.objects.exists()
    order.refresh_from_db()
    assert order.state == OrderState.ISSUED
    done = client.post(url, {"response": "已整改", "files": [upload(), upload(PDF, "制度.pdf", "application/pdf")]})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.RESPONDED
    files = list(order.evidence.order_by("id"))
    assert [(f.content_type, f.original_name) for f in files] == [
        ("image/png", "现场照片.png"),
        ("application/pdf", "制度.pdf"),
    ]
    # Stored under MEDIA_ROOT/evidence with a random name, never the uploader's.
    for f in files:
        assert f.file.name.startswith("evidence/") and "现场照片" not in f.file.name
        assert f.file.path.startswith(str(settings.MEDIA_ROOT)) and not f.file.path.startswith(
            str(settings.STATIC_ROOT)
        )
    page = client.get(reverse("supervision:order-detail", args=[order.pk])).content.decode()
    assert page.count('data-testid="evidence-link"') == 2


@override_settings(EVIDENCE_MAX_BYTES=1000)
def test_an_oversized_file_is_refused(client, cast):
    order = _issue(cast)
    client.force_login(cast.kg_director)
    big = JPEG[:-2] + b"\x00" * 2000 + b"\xff\xd9"
    response = client.post(
        reverse("supervision:order-respond", args=[order.pk]),
        {"response": "已整改", "files": [upload(big, "大.jpg", "image/jpeg")]},
    )
    assert response.status_code == 200 and "超过" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_return_needs_a_reason_then_accept(client, cast):
    order = _issue(cast)
    order_respond(actor=cast.kg_director, order=order, response="已整改", files=[upload()])
    client.force_login(cast.supervisor)
    refused = client.post(reverse("supervision:order-return", args=[order.pk]), {"reason": ""})
    assert refused.status_code == 400 and "退回原因" in refused.content.decode()
    order.refresh_from_db()
    assert order.state == OrderState.RESPONDED
    assert client.post(reverse("supervision:order-return", args=[order.pk]), {"reason": "请补拍"}).status_code == 302
    client.force_login(cast.kg_director)
    page = client.get(reverse("supervision:order-detail", args=[order.pk])).content.decode()
    assert "请补拍" in page and "重新提交整改情况" in page
    order_respond(actor=cast.kg_director, order=order, response="已补拍", files=[upload()])
    client.force_login(cast.supervisor)
    assert client.post(reverse("supervision:order-accept", args=[order.pk]), {"note": "符合要求"}).status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED


def test_evidence_is_served_with_its_checked_type_only_in_scope(client, cast):
    order = _issue(cast)
    order_respond(actor=cast.kg_director, order=order, response="已整改", files=[upload(PNG, "x.html", "text/html")])
    evidence = EvidenceFile.objects.get()
    url = reverse("supervision:evidence-download", args=[evidence.pk])
    client.force_login(cast.supervisor)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PNG
    for outsider in (cast.director_a2, cast.admin_b, cast.supervisor_c, cast.no_scope):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider
    client.logout()
    assert client.get(url).status_code == 302
    # Nothing under MEDIA_URL is served by the application.
    assert client.get(settings.MEDIA_URL + evidence.file.name).status_code == 404


def _ids(response):
    return [o.pk for o in response.context["page"].object_list]


def test_list_filters_search_and_scope(client, cast):
    a = _issue(cast, description="围墙破损")
    b = _issue(cast, kg=cast.kg_a2, description="厨房无留样", deadline=None)
    RectificationOrder.objects.filter(pk=b.pk).update(deadline=datetime.date(2020, 1, 1))
    _other = order_issue(
        actor=cast.admin_b,
        kindergarten=cast.kg_b1,
        source_kind="manual",
        source_label="x",
        description="外区",
        severity="minor",
    )
    url = reverse("supervision:order-list")
    client.force_login(cast.bureau_staff)
    assert set(_ids(client.get(url))) == {a.pk, b.pk}
    overdue = client.get(url, {"show": "overdue"})
    assert _ids(overdue) == [b.pk] and "已逾期" in overdue.content.decode()
    assert _ids(client.get(url, {"q": "留样"})) == [b.pk]
    assert _ids(client.get(url, {"q": a.number})) == [a.pk]
    assert "没有符合条件的整改通知" in client.get(url, {"q": "不存在"}).content.decode()
    client.force_login(cast.supervisor)  # kg_a1 only
    assert _ids(client.get(url)) == [a.pk]
    client.force_login(cast.kg_director)
    assert _ids(client.get(url)) == [a.pk]


def test_the_list_costs_the_same_queries_for_3_and_30_orders(client, cast, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        _issue(cast)
    client.force_login(cast.bureau_staff)
    url = reverse("supervision:order-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(27):
        _issue(cast, kg=cast.kg_a2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 30
    assert len(many.captured_queries) == len(few.captured_queries) <= 8, [q["sql"] for q in many.captured_queries]


def test_home_card_counts_for_supervisor_and_director(client, cast):
    order = _issue(cast)
    RectificationOrder.objects.filter(pk=order.pk).update(deadline=datetime.date(2020, 1, 1))
    _issue(cast)
    for user in (cast.supervisor, cast.kg_director, cast.bureau_admin):
        client.force_login(user)
        page = client.get(reverse("core:home")).content.decode()
        assert 'data-testid="count-open">2<' in page and 'data-testid="count-overdue">1<' in page, user
    client.force_login(cast.director_a2)
    assert 'data-testid="count-open">0<' in client.get(reverse("core:home")).content.decode()


@pytest.mark.parametrize("name", ["order-return", "order-accept"])
def test_verification_routes_answer_post_only(client, cast, name):
    order = _issue(cast)
    client.force_login(cast.supervisor)
    assert client.get(reverse(f"supervision:{name}", args=[order.pk])).status_code == 405
