"""Pages of the change filings: each works, in-scope users can, outsiders get 404, read-only roles 403,
wrong methods 405; the review queue's scope, filters and query count."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEntry
from kindergartens.models import ChangeFiling, ChangeFilingEvent, Kindergarten
from kindergartens.selectors_filings import FILING_FIELDS
from kindergartens.services import filing_approve, filing_return, filing_submit, kindergarten_update, today
from tests.factories import KindergartenFactory, UserFactory

SUBMITTED, RETURNED, APPROVED = (ChangeFiling.State.SUBMITTED, ChangeFiling.State.RETURNED, ChangeFiling.State.APPROVED)


@pytest.fixture
def fresh_a1(cast):
    """kg_a1 with the cast's open filing approved (capacity 321), so its director may file again."""
    filing_approve(actor=cast.bureau_staff, filing=cast.filing_a1)
    cast.kg_a1.refresh_from_db()
    return cast.kg_a1


def form_data(kg: Kindergarten, **changes) -> dict:
    """The filing form as the browser posts it: every field with the record's value, then ``changes``."""
    data = {}
    for name in FILING_FIELDS:
        value = getattr(kg, Kindergarten._meta.get_field(name).attname)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else str(value)
    data.update(effective_date=today().isoformat(), explanation="")
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def url(name, obj):
    return reverse(f"kindergartens:{name}", kwargs={"pk": obj.pk})


def _file(cast, **proposed):
    return filing_submit(
        actor=cast.kg_director, kindergarten=cast.kg_a1, proposed=proposed, effective_date=today(), explanation=""
    )


# --- the director's form ---------------------------------------------------------------------


def test_director_files_a_change(client, cast, fresh_a1):
    client.force_login(cast.kg_director)
    response = client.get(url("filing-create", fresh_a1))
    assert response.status_code == 200
    assert response.context["form"]["name"].value() == "大洼区第一幼儿园"  # pre-filled with the record
    assert "level" not in response.context["form"].fields and "nature" not in response.context["form"].fields
    data = form_data(fresh_a1, principal_name="李园长", capacity="360", explanation="新园长到任")
    response = client.post(url("filing-create", fresh_a1), data)
    filing = ChangeFiling.objects.exclude(pk=cast.filing_a1.pk).get(kindergarten=fresh_a1)
    assert response.status_code == 302 and response["Location"] == url("filing-detail", filing)
    assert filing.proposed == {"principal_name": "李园长", "capacity": 360}
    assert filing.explanation == "新园长到任" and filing.filed_by == cast.kg_director
    fresh_a1.refresh_from_db()
    assert fresh_a1.principal_name == ""  # waits for the bureau


def test_the_form_shows_the_services_refusals(client, cast, fresh_a1):
    client.force_login(cast.kg_director)
    response = client.post(url("filing-create", fresh_a1), form_data(fresh_a1))
    assert response.status_code == 200
    assert "没有需要变更的内容。" in response.content.decode()
    response = client.post(url("filing-create", fresh_a1), form_data(fresh_a1, name="西安镇中心幼儿园"))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["本区县已有同名幼儿园。"]
    response = client.post(url("filing-create", fresh_a1), form_data(fresh_a1, township=str(cast.town_b.pk)))
    assert response.status_code == 200 and "township" in response.context["form"].errors  # not a valid choice
    response = client.post(url("filing-create", fresh_a1), form_data(fresh_a1, capacity="-3", effective_date=""))
    assert set(response.context["form"].errors) == {"capacity", "effective_date"}
    assert ChangeFiling.objects.filter(kindergarten=fresh_a1).count() == 1


def test_an_open_filing_blocks_a_new_one(client, cast):
    client.force_login(cast.kg_director)
    response = client.get(url("filing-create", cast.kg_a1))
    assert response.status_code == 200
    assert response.context["open_filing"] == cast.filing_a1
    assert b'data-testid="filing-form"' not in response.content
    response = client.post(url("filing-create", cast.kg_a1), form_data(cast.kg_a1, principal_name="李园长"))
    assert "本园已有一份待处理的变更备案，请先处理。" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("bureau_staff", 403), ("bureau_admin", 403), ("supervisor", 403), ("kg_staff", 403), ("director_a2", 404)],
)
def test_only_the_own_director_opens_the_form(client, cast, who, status):
    client.force_login(getattr(cast, who))
    assert client.get(url("filing-create", cast.kg_a1)).status_code == status
    assert client.post(url("filing-create", cast.kg_a1), form_data(cast.kg_a1, capacity="1")).status_code == status


# --- detail, approve, return, resubmit ---------------------------------------------------------


def test_detail_shows_the_difference_flag_and_timeline(client, cast, fresh_a1):
    filing = filing_submit(
        actor=cast.kg_director,
        kindergarten=fresh_a1,
        proposed={"principal_name": "李园长", "principal_since": datetime.date(2026, 1, 5), "capacity": 360},
        effective_date=datetime.date(2026, 1, 5),
    )
    filing_return(actor=cast.bureau_staff, filing=filing, reason="请附任命文件。")
    client.force_login(cast.kg_director)
    response = client.get(url("filing-detail", filing))
    html = response.content.decode()
    assert response.status_code == 200
    assert [r["label"] for r in response.context["diff"]] == ["学位数", "园长姓名", "园长任职日期"]
    assert "园长变更逾期备案（超过一个月）" in html
    assert "已退回" in html and "请附任命文件。" in html
    assert response.context["can_resubmit"] and not response.context["can_review"]
    assert url("filing-resubmit", filing) in html
    assert [e.action for e in response.context["events"]] == ["submitted", "returned"]


@pytest.mark.parametrize(("who", "reviews"), [("bureau_staff", True), ("bureau_admin", True), ("city_viewer", False),
                                              ("supervisor", False), ("kg_director", False)])  # fmt: skip
def test_review_actions_only_for_the_bureau(client, cast, who, reviews):
    client.force_login(getattr(cast, who))
    response = client.get(url("filing-detail", cast.filing_a1))
    assert response.status_code == 200
    assert response.context["can_review"] is reviews
    assert (url("filing-approve", cast.filing_a1) in response.content.decode()) is reviews


def test_detail_scope(client, cast):
    client.force_login(cast.kg_staff)
    assert client.get(url("filing-detail", cast.filing_a1)).status_code == 403
    client.force_login(cast.supervisor)
    assert client.get(url("filing-detail", cast.filing_a2)).status_code == 404  # not their kindergarten
    client.force_login(cast.bureau_staff)
    assert client.get(url("filing-detail", cast.filing_b1)).status_code == 404
    assert client.get(reverse("kindergartens:filing-detail", kwargs={"pk": 999999})).status_code == 404


def test_bureau_approves_after_confirming(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.get(url("filing-approve", cast.filing_a1))
    assert response.status_code == 200
    assert "确认通过" in response.content.decode() and response.context["diff"][0]["new"] == "321"
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == SUBMITTED  # GET changes nothing
    response = client.post(url("filing-approve", cast.filing_a1))
    assert response.status_code == 302 and response["Location"] == url("filing-detail", cast.filing_a1)
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == APPROVED and cast.filing_a1.decided_by == cast.bureau_staff
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).capacity == 321
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Kindergarten), object_id=str(cast.kg_a1.pk), action="update"
    ).latest("id")
    assert entry.actor_id == cast.bureau_staff.pk and entry.changes["capacity"] == [0, 321]
    # Decided: the confirm page sends the reviewer back to the filing.
    response = client.get(url("filing-approve", cast.filing_a1), follow=True)
    assert "无需审核" in response.content.decode()


def test_approve_refusal_is_shown_and_nothing_changes(client, cast):
    kindergarten_update(actor=cast.bureau_admin, kindergarten=cast.kg_a1, changes={"capacity": 250})
    client.force_login(cast.bureau_staff)
    response = client.post(url("filing-approve", cast.filing_a1), follow=True)
    assert "以下项目已被修改：学位数" in response.content.decode()
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == SUBMITTED
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).capacity == 250


def test_bureau_returns_with_a_reason(client, cast):
    client.force_login(cast.bureau_admin)
    assert client.get(url("filing-return", cast.filing_a1)).status_code == 200
    response = client.post(url("filing-return", cast.filing_a1), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["退回时必须填写理由。"]
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == SUBMITTED
    response = client.post(url("filing-return", cast.filing_a1), {"reason": "学位数与核定不符。"})
    assert response.status_code == 302
    cast.filing_a1.refresh_from_db()
    assert (cast.filing_a1.state, cast.filing_a1.return_reason) == (RETURNED, "学位数与核定不符。")
    response = client.post(url("filing-return", cast.filing_a1), {"reason": "再退"}, follow=True)
    assert "不能退回" in response.content.decode()
    assert cast.filing_a1.events.filter(action=ChangeFilingEvent.Action.RETURNED).count() == 1


def test_director_revises_a_returned_filing(client, cast):
    filing_return(actor=cast.bureau_staff, filing=cast.filing_a1, reason="学位数与核定不符。")
    client.force_login(cast.kg_director)
    response = client.get(url("filing-resubmit", cast.filing_a1))
    assert response.status_code == 200
    assert response.context["form"]["capacity"].value() == 321  # the filing's proposal, not the record
    assert "学位数与核定不符。" in response.content.decode()
    response = client.post(url("filing-resubmit", cast.filing_a1), form_data(cast.kg_a1, capacity="300"))
    assert response.status_code == 302
    cast.filing_a1.refresh_from_db()
    assert (cast.filing_a1.state, cast.filing_a1.proposed) == (SUBMITTED, {"capacity": 300})
    # Submitted again: nothing to revise any more.
    response = client.get(url("filing-resubmit", cast.filing_a1), follow=True)
    assert "只有已退回的变更备案可以修改后重新提交。" in response.content.decode()


def test_resubmit_errors_stay_on_the_form(client, cast):
    filing_return(actor=cast.bureau_staff, filing=cast.filing_a1, reason="学位数与核定不符。")
    client.force_login(cast.kg_director)
    response = client.post(url("filing-resubmit", cast.filing_a1), form_data(cast.kg_a1))
    assert response.status_code == 200 and "没有需要变更的内容。" in response.content.decode()
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == RETURNED


@pytest.mark.parametrize("name", ["filing-approve", "filing-return"])
@pytest.mark.parametrize(("who", "status"), [("city_viewer", 403), ("supervisor", 403), ("kg_director", 403),
                                             ("kg_staff", 403), ("admin_b", 404)])  # fmt: skip
def test_only_the_districts_bureau_decides(client, cast, name, who, status):
    client.force_login(getattr(cast, who))
    assert client.get(url(name, cast.filing_a1)).status_code == status
    assert client.post(url(name, cast.filing_a1), {"reason": "x"}).status_code == status
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == SUBMITTED


@pytest.mark.parametrize(("who", "status"), [("bureau_staff", 403), ("kg_staff", 403), ("director_a2", 404)])
def test_only_the_own_director_resubmits(client, cast, who, status):
    filing_return(actor=cast.bureau_staff, filing=cast.filing_a1, reason="学位数与核定不符。")
    client.force_login(getattr(cast, who))
    assert client.get(url("filing-resubmit", cast.filing_a1)).status_code == status
    assert (
        client.post(url("filing-resubmit", cast.filing_a1), form_data(cast.kg_a1, capacity="1")).status_code == status
    )


@pytest.mark.parametrize(
    ("name", "obj", "methods"),
    [
        ("filing-detail", "filing_a1", ["post", "put", "delete"]),
        ("filing-approve", "filing_a1", ["put", "delete"]),
        ("filing-return", "filing_a1", ["put", "delete"]),
        ("filing-resubmit", "filing_a1", ["put", "delete"]),
        ("filing-create", "kg_a1", ["put", "delete"]),
    ],
)
def test_wrong_methods_are_405(client, cast, name, obj, methods):
    client.force_login(cast.bureau_staff if name != "filing-create" else cast.kg_director)
    for method in methods:
        assert getattr(client, method)(url(name, getattr(cast, obj))).status_code == 405
    assert ChangeFiling.objects.filter(pk=cast.filing_a1.pk).exists()  # nothing deletes a filing
    client.force_login(cast.bureau_staff)
    assert client.post(reverse("kindergartens:filing-list")).status_code == 405


# --- the list ----------------------------------------------------------------------------------


def ids(response):
    return {f.pk for f in response.context["page"].object_list}


LIST_SCOPE = {
    "city_viewer": {"filing_a1", "filing_a2", "filing_b1"},
    "bureau_admin": {"filing_a1", "filing_a2"},
    "bureau_staff": {"filing_a1", "filing_a2"},
    "supervisor": {"filing_a1"},
    "kg_director": {"filing_a1"},
}


@pytest.mark.parametrize(("role", "names"), LIST_SCOPE.items())
def test_list_shows_exactly_the_scope(client, cast, role, names):
    client.force_login(getattr(cast, role))
    response = client.get(reverse("kindergartens:filing-list"))
    assert response.status_code == 200
    assert ids(response) == {getattr(cast, n).pk for n in names}


def test_list_is_closed_to_kindergarten_staff_and_no_scope(client, cast):
    for who in ("kg_staff", "no_scope"):
        client.force_login(getattr(cast, who))
        assert client.get(reverse("kindergartens:filing-list")).status_code == 403


def test_the_queue_defaults_to_waiting_filings_and_filters(client, cast):
    filing_approve(actor=cast.bureau_staff, filing=cast.filing_a2)
    client.force_login(cast.bureau_staff)
    list_url = reverse("kindergartens:filing-list")
    assert ids(client.get(list_url)) == {cast.filing_a1.pk}
    assert ids(client.get(list_url, {"state": ""})) == {cast.filing_a1.pk, cast.filing_a2.pk}
    assert ids(client.get(list_url, {"state": "approved"})) == {cast.filing_a2.pk}
    assert ids(client.get(list_url, {"state": "", "kindergarten": cast.kg_a2.pk})) == {cast.filing_a2.pk}
    # The record page links to one kindergarten's filings: every state by default.
    assert ids(client.get(list_url, {"kindergarten": cast.kg_a2.pk})) == {cast.filing_a2.pk}
    assert ids(client.get(list_url, {"state": "", "q": "西安"})) == {cast.filing_a2.pk}
    response = client.get(list_url, {"state": "", "kindergarten": cast.kg_b1.pk})
    assert response.status_code == 200 and ids(response) == set()  # a foreign kindergarten is not a choice
    assert ids(client.get(list_url, {"state": "junk"})) == set()
    assert client.get(list_url).context["file_for"] is None
    # Directors see all their filings by default, whatever the state, and may file a new one.
    client.force_login(cast.director_a2)
    response = client.get(list_url)
    assert ids(response) == {cast.filing_a2.pk}
    assert response.context["file_for"] == cast.kg_a2
    assert url("filing-create", cast.kg_a2) in response.content.decode()


def test_the_queue_lists_longest_waiting_first_and_paginates(client, cast, settings):
    settings.PAGE_SIZE = 1
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("kindergartens:filing-list"))
    assert [f.pk for f in response.context["page"].object_list] == [cast.filing_a1.pk]
    assert response.context["page"].paginator.num_pages == 2
    response = client.get(reverse("kindergartens:filing-list"), {"page": 2})
    assert [f.pk for f in response.context["page"].object_list] == [cast.filing_a2.pk]


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx), len(response.context["page"].object_list)


@pytest.mark.parametrize(("role", "params"), [("bureau_admin", None), ("bureau_admin", {"state": ""}),
                                              ("city_viewer", None)])  # fmt: skip
def test_list_query_count_does_not_grow(client, cast, role, params):
    client.force_login(getattr(cast, role))
    list_url = reverse("kindergartens:filing-list")
    few, few_rows = _count(client, list_url, params)
    for i in range(12):
        kg = KindergartenFactory(township=cast.town_a, name=f"备案园{i}")
        director = UserFactory(username=f"director{i}", role="kg_director", kindergarten=kg)
        filing = filing_submit(
            actor=director,
            kindergarten=kg,
            proposed={"principal_name": f"园长{i}", "capacity": 90},
            effective_date=today(),
        )
        if i % 3 == 0:
            filing_return(actor=cast.bureau_staff, filing=filing, reason="请补充材料。")
    many, many_rows = _count(client, list_url, params)
    assert many_rows > few_rows
    assert many == few


def test_director_list_query_count_does_not_grow(client, cast, fresh_a1):
    client.force_login(cast.kg_director)
    list_url = reverse("kindergartens:filing-list")
    few, _ = _count(client, list_url)
    for capacity in (400, 410, 420):
        filing = _file(cast, capacity=capacity)
        filing_approve(actor=cast.bureau_staff, filing=filing)
    many, rows = _count(client, list_url)
    assert rows == 4 and many == few


# --- the director's home card -----------------------------------------------------------------


def test_my_filings_card(cast, fresh_a1):
    filing = _file(cast, principal_name="李园长")
    filing_return(actor=cast.bureau_staff, filing=filing, reason="请附任命文件。")
    recent = list(ChangeFiling.objects.filter(kindergarten=fresh_a1).order_by("-submitted_at", "-id"))
    html = render_to_string(
        "kindergartens/_my_filings.html",
        {"recent_filings": recent, "kindergarten": fresh_a1, "flags": {"can_file_change": True}},
    )
    assert "已退回" in html and "请附任命文件。" in html and "已通过" in html
    assert url("filing-detail", filing) in html and url("filing-create", fresh_a1) in html
    empty = render_to_string("kindergartens/_my_filings.html", {"recent_filings": [], "flags": {}})
    assert "暂无变更备案" in empty
