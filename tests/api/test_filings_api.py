"""/api/v1/change-filings/ (变更备案): scope, rights, submit → return → resubmit → approve through the services,
bad values, no PUT/PATCH/DELETE, query counts.

The cast has one submitted filing per kindergarten (filing_a1…filing_c1, capacity → 321). A kindergarten has
at most one open filing, so tests that file anew for kg_a1 first close the cast's one (``free_a1``).
"""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from kindergartens.models import ChangeFiling, Kindergarten
from tests.api.helpers import assert_constant_queries, ids
from tests.factories import KindergartenFactory

LIST = reverse("api:change-filing-list")
INVALID_CHOICE = "无效的编号：对象不存在或不在您的权限范围内。"


def detail(filing) -> str:
    return reverse("api:change-filing-detail", kwargs={"pk": filing.pk})


def step(filing, name: str) -> str:
    return reverse(f"api:change-filing-{name}", kwargs={"pk": filing.pk})


def audit_entries(obj):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


@pytest.fixture
def free_a1(cast):
    """kg_a1 without an open filing (the cast's one already approved)."""
    ChangeFiling.objects.filter(pk=cast.filing_a1.pk).update(state="approved", decided_by=cast.bureau_admin)
    return cast.kg_a1


def body(cast, **overrides) -> dict:
    today = timezone.localdate()
    return {
        "kindergarten": cast.kg_a1.pk,
        "proposed": {
            "capacity": 300,
            "fee_monthly": "880.5",
            "township": cast.village_a.pk,
            "principal_name": "王丽",
            "principal_since": (today - datetime.timedelta(days=10)).isoformat(),
        },
        "effective_date": today.isoformat(),
        "explanation": "园长调整，扩建后学位增加。",
        **overrides,
    }


def submit(api, cast, **overrides):
    api.force_login(cast.kg_director)
    response = api.post(LIST, body(cast, **overrides), format="json")
    assert response.status_code == 201, response.content
    return ChangeFiling.objects.get(pk=response.json()["id"])


# --- list -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_viewer", {"filing_a1", "filing_a2", "filing_b1"}),
        ("bureau_admin", {"filing_a1", "filing_a2"}),
        ("bureau_staff", {"filing_a1", "filing_a2"}),
        ("supervisor", {"filing_a1"}),
        ("kg_director", {"filing_a1"}),
    ],
)
def test_list_is_exactly_the_scope(api, cast, role, expected):
    api.force_login(getattr(cast, role))
    assert ids(api.get(LIST)) == {getattr(cast, name).pk for name in expected}


@pytest.mark.parametrize("role", ["kg_staff", "no_scope"])
def test_list_is_refused_without_the_right(api, cast, role):
    api.force_login(getattr(cast, role))
    response = api.get(LIST)
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有查看变更备案的权限。"}


def test_list_output(api, cast):
    api.force_login(cast.bureau_admin)
    row = next(r for r in api.get(LIST).json()["results"] if r["id"] == cast.filing_a1.pk)
    filed_at = row.pop("filed_at")
    submitted_at = row.pop("submitted_at")
    assert filed_at.endswith("+08:00") and submitted_at.endswith("+08:00")
    assert row == {
        "id": cast.filing_a1.pk,
        "kindergarten": {"id": cast.kg_a1.pk, "name": "大洼区第一幼儿园"},
        "state": "submitted",
        "state_label": "待审核",
        "proposed": {"capacity": 321},
        "original": {"capacity": 0},
        "effective_date": "2026-09-01",
        "explanation": "",
        "late_principal_change": False,
        "filed_by": cast.kg_director.display_name,
        "decided_by": None,
        "decided_at": None,
        "return_reason": "",
    }


def test_filters_and_queue_order(api, cast):
    ChangeFiling.objects.filter(pk=cast.filing_a2.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=3))
    ChangeFiling.objects.filter(pk=cast.filing_b1.pk).update(state="returned", return_reason="请补充材料。")
    api.force_login(cast.city_viewer)
    queue = api.get(LIST, {"state": "submitted"}).json()["results"]
    assert [r["id"] for r in queue] == [cast.filing_a2.pk, cast.filing_a1.pk]  # longest waiting first
    assert ids(api.get(LIST, {"state": "returned"})) == {cast.filing_b1.pk}
    assert ids(api.get(LIST, {"kindergarten": cast.kg_b1.pk})) == {cast.filing_b1.pk}
    everything = [r["id"] for r in api.get(LIST).json()["results"]]
    assert everything[-1] == cast.filing_a2.pk  # newest first otherwise


def test_bad_or_foreign_filter_values_are_400(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.get(LIST, {"state": "lost"}).json() == {"state": ["选择一个有效的选项。 lost 不在可用的选项中。"]}
    foreign = api.get(LIST, {"kindergarten": cast.kg_b1.pk})
    missing = api.get(LIST, {"kindergarten": 999999})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()


def test_list_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        for kg in KindergartenFactory.create_batch(18, township=cast.town_a):
            ChangeFiling.objects.create(
                kindergarten=kg,
                state="returned",
                return_reason="请补充材料。",
                proposed={"capacity": 99},
                original={"capacity": 0},
                effective_date=timezone.localdate(),
                filed_by=cast.kg_director,
                decided_by=cast.bureau_staff,
                decided_at=timezone.now(),
            )

    api.force_login(cast.bureau_admin)
    assert_constant_queries(api, LIST, more, django_assert_num_queries, at_most=5)


# --- detail ---------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("supervisor", 200), ("kg_director", 200), ("kg_staff", 403)])
def test_detail_right(api, cast, role, status):
    api.force_login(getattr(cast, role))
    assert api.get(detail(cast.filing_a1)).status_code == status


@pytest.mark.parametrize(
    ("role", "foreign"),
    [
        ("city_viewer", "filing_c1"),
        ("bureau_admin", "filing_b1"),
        ("supervisor", "filing_a2"),
        ("kg_director", "filing_a2"),
    ],
)
def test_foreign_filing_is_404_like_a_missing_one(api, cast, role, foreign):
    api.force_login(getattr(cast, role))
    response = api.get(detail(getattr(cast, foreign)))
    missing = api.get(reverse("api:change-filing-detail", kwargs={"pk": 999999}))
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json() == {"detail": "未找到。"}


def test_detail_has_the_diff_and_the_timeline(api, cast, free_a1):
    filing = submit(api, cast)
    api.force_login(cast.bureau_staff)
    shown = api.get(detail(filing)).json()
    assert shown["diff"] == [
        {"field": "township", "label": "街道/乡镇", "old": "大洼街道", "new": "西安镇", "current": "大洼街道",
         "changed_since": False},
        {"field": "capacity", "label": "学位数", "old": "0", "new": "300", "current": "0", "changed_since": False},
        {"field": "fee_monthly", "label": "保教费（元/月）", "old": "—", "new": "880.50", "current": "—",
         "changed_since": False},
        {"field": "principal_name", "label": "园长姓名", "old": "—", "new": "王丽", "current": "—",
         "changed_since": False},
        {"field": "principal_since", "label": "园长任职日期", "old": "—", "new": body(cast)["proposed"]["principal_since"],
         "current": "—", "changed_since": False},
    ]  # fmt: skip
    assert [(e["action"], e["action_label"], e["actor"]) for e in shown["events"]] == [
        ("submitted", "提交", cast.kg_director.display_name)
    ]
    assert shown["events"][0]["at"].endswith("+08:00")


# --- submit ---------------------------------------------------------------------------


def test_director_submits_and_nothing_changes_until_approval(api, cast, free_a1):
    api.force_login(cast.kg_director)
    response = api.post(LIST, body(cast), format="json", HTTP_X_REQUEST_ID="5d1c2b3a-0000-4000-8000-00000000f111")
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["state"] == "submitted"
    assert shown["proposed"] == {
        "township": cast.village_a.pk,
        "capacity": 300,
        "fee_monthly": "880.50",
        "principal_name": "王丽",
        "principal_since": body(cast)["proposed"]["principal_since"],
    }
    assert shown["explanation"] == "园长调整，扩建后学位增加。"
    assert shown["late_principal_change"] is False
    filing = ChangeFiling.objects.get(pk=shown["id"])
    assert (filing.kindergarten, filing.filed_by) == (cast.kg_a1, cast.kg_director)
    cast.kg_a1.refresh_from_db()
    assert (cast.kg_a1.capacity, cast.kg_a1.township_id) == (0, cast.town_a.pk)
    entry = audit_entries(filing).get(action="create")
    assert (entry.source, entry.actor_id, entry.request_id) == (
        "api",
        cast.kg_director.pk,
        "5d1c2b3a00004000800000000000f111",
    )


def test_principal_filed_late_is_flagged(api, cast, free_a1):
    since = (timezone.localdate() - datetime.timedelta(days=40)).isoformat()
    filing = submit(api, cast, proposed={"principal_name": "赵敏", "principal_since": since})
    assert filing.late_principal_change is True


def test_only_changed_values_are_kept(api, cast, free_a1):
    filing = submit(api, cast, proposed={"capacity": 0, "address": "幸福路 1 号"})
    assert filing.proposed == {"address": "幸福路 1 号"}


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"proposed": {"nature": "private"}}, {"proposed": {"nature": ["该项目不能通过变更备案修改。"]}}),
        ({"proposed": {"capacity": -3}}, {"proposed": {"capacity": ["请确保该值大于或者等于 0。"]}}),
        ({"proposed": {"fee_monthly": "八百"}}, {"proposed": {"fee_monthly": ["请填写合法的数字。"]}}),
        (
            {"proposed": {"principal_since": "2026-02-30"}},
            {"proposed": {"principal_since": ["日期格式错误。请从这些格式中选择：YYYY-MM-DD。"]}},
        ),
        ({"proposed": {"status": "gone"}}, {"proposed": {"status": ["“gone” 不是合法选项。"]}}),
        ({"proposed": {"name": " "}}, {"proposed": {"name": ["园所名称不能为空。"]}}),
        ({"proposed": {"township": 999999}}, {"proposed": {"township": [INVALID_CHOICE]}}),
        ({"proposed": {}}, {"proposed": ["请至少填写一项变更内容。"]}),
        ({"proposed": {"capacity": 0}}, {"detail": "没有需要变更的内容。"}),
        ({"effective_date": None}, {"effective_date": ["该字段不能为 null。"]}),
        ({"effective_date": "明天"}, {"effective_date": ["日期格式错误。请从这些格式中选择：YYYY-MM-DD。"]}),
    ],
)
def test_bad_values_are_400_in_chinese_and_file_nothing(api, cast, free_a1, overrides, errors):
    before = ChangeFiling.objects.count()
    api.force_login(cast.kg_director)
    response = api.post(LIST, body(cast, **overrides), format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert ChangeFiling.objects.count() == before


@pytest.mark.parametrize("township", ["town_b", "town_c"])
def test_township_outside_the_scope_looks_like_a_missing_one(api, cast, free_a1, township):
    api.force_login(cast.kg_director)
    response = api.post(LIST, body(cast, proposed={"township": getattr(cast, township).pk}), format="json")
    assert response.status_code == 400
    assert response.json() == {"proposed": {"township": [INVALID_CHOICE]}}


@pytest.mark.parametrize("kindergarten", ["kg_a2", "kg_c1", None])
def test_kindergarten_outside_the_scope_looks_like_a_missing_one(api, cast, kindergarten):
    api.force_login(cast.kg_director)
    target = getattr(cast, kindergarten).pk if kindergarten else 999999
    response = api.post(LIST, body(cast, kindergarten=target), format="json")
    assert response.status_code == 400
    assert response.json() == {"kindergarten": [INVALID_CHOICE]}


def test_every_bad_value_is_reported_at_once(api, cast, free_a1):
    api.force_login(cast.kg_director)
    data = body(cast, proposed={"capacity": "很多", "schedule": "night"}, effective_date="")
    response = api.post(LIST, data, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "proposed": {"capacity": ["请填写合法的整数值。"], "schedule": ["“night” 不是合法选项。"]},
        "effective_date": ["日期格式错误。请从这些格式中选择：YYYY-MM-DD。"],
    }


def test_a_body_that_is_not_an_object_is_400(api, cast):
    api.force_login(cast.kg_director)
    response = api.post(LIST, [1, 2], format="json")
    assert response.status_code == 400
    assert response.json() == {"kindergarten": ["该字段是必填项。"]}


def test_kindergarten_is_required(api, cast):
    api.force_login(cast.kg_director)
    data = body(cast)
    del data["kindergarten"]
    response = api.post(LIST, data, format="json")
    assert response.status_code == 400
    assert response.json() == {"kindergarten": ["该字段是必填项。"]}


@pytest.mark.parametrize("role", ["city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_staff"])
def test_only_the_director_files_even_with_a_bad_body(api, cast, free_a1, role):
    api.force_login(getattr(cast, role))
    response = api.post(LIST, body(cast, proposed="junk"), format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "只有本园园长可以提交变更备案。"}
    assert not ChangeFiling.objects.filter(kindergarten=cast.kg_a1, state="submitted").exists()


def test_one_open_filing_at_a_time(api, cast):
    api.force_login(cast.kg_director)
    response = api.post(LIST, body(cast), format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "本园已有一份待处理的变更备案，请先处理。"}


# --- review: return, resubmit, approve ------------------------------------------------


def test_full_cycle_submit_return_resubmit_approve(api, cast, free_a1):
    filing = submit(api, cast)

    api.force_login(cast.bureau_staff)
    response = api.post(step(filing, "return"), {"reason": " 请附上园长任命文件。 "}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["return_reason"]) == ("returned", "请附上园长任命文件。")
    assert response.json()["decided_by"] == cast.bureau_staff.display_name

    api.force_login(cast.kg_director)
    revised = {"proposed": {"capacity": 310, "principal_name": "王丽"}, "effective_date": "2026-11-01"}
    response = api.post(step(filing, "resubmit"), revised, format="json")
    assert response.status_code == 200, response.content
    shown = response.json()
    assert (shown["state"], shown["proposed"], shown["effective_date"]) == (
        "submitted",
        {"capacity": 310, "principal_name": "王丽"},
        "2026-11-01",
    )
    assert (shown["return_reason"], shown["decided_by"]) == ("", None)

    api.force_login(cast.bureau_admin)
    response = api.post(step(filing, "approve"))
    assert response.status_code == 200, response.content
    shown = response.json()
    assert shown["state"] == "approved"
    assert [e["action"] for e in shown["events"]] == ["submitted", "returned", "resubmitted", "approved"]
    assert shown["events"][1]["reason"] == "请附上园长任命文件。"
    cast.kg_a1.refresh_from_db()
    assert (cast.kg_a1.capacity, cast.kg_a1.principal_name) == (310, "王丽")
    entry = audit_entries(cast.kg_a1).filter(action="update").latest("at")
    assert (entry.source, entry.actor_id, entry.changes["capacity"]) == ("api", cast.bureau_admin.pk, [0, 310])


def test_approving_a_status_change_dates_it(api, cast, free_a1):
    filing = submit(api, cast, proposed={"status": "rectifying"}, effective_date=timezone.localdate().isoformat())
    api.force_login(cast.bureau_staff)
    assert api.post(step(filing, "approve")).status_code == 200
    history = api.get(reverse("api:kindergarten-status-history", kwargs={"pk": cast.kg_a1.pk})).json()["results"]
    assert (history[0]["value"], history[0]["note"]) == ("rectifying", f"变更备案 #{filing.pk}")


@pytest.mark.parametrize("role", ["city_viewer", "supervisor", "kg_director", "kg_staff"])
def test_only_the_bureau_reviews(api, cast, role):
    api.force_login(getattr(cast, role))
    assert api.post(step(cast.filing_a1, "approve")).status_code == 403
    assert api.post(step(cast.filing_a1, "return"), {"reason": "x"}, format="json").status_code == 403
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == "submitted"


@pytest.mark.parametrize("role", ["city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_staff"])
def test_only_the_director_resubmits(api, cast, role):
    ChangeFiling.objects.filter(pk=cast.filing_a1.pk).update(state="returned", return_reason="请补充。")
    api.force_login(getattr(cast, role))
    response = api.post(step(cast.filing_a1, "resubmit"), {"proposed": "junk"}, format="json")
    assert response.status_code == 403


def test_foreign_filing_cannot_be_reviewed(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.post(step(cast.filing_b1, "approve")).status_code == 404
    assert api.post(step(cast.filing_b1, "return"), {"reason": "x"}, format="json").status_code == 404
    cast.filing_b1.refresh_from_db()
    assert cast.filing_b1.state == "submitted"


def test_return_needs_a_reason(api, cast):
    api.force_login(cast.bureau_staff)
    for data in ({}, {"reason": "   "}):
        response = api.post(step(cast.filing_a1, "return"), data, format="json")
        assert response.status_code == 400
        assert response.json() == {"reason": ["退回时必须填写理由。"]}
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == "submitted"


def test_steps_out_of_order_are_400(api, cast):
    api.force_login(cast.kg_director)
    response = api.post(
        step(cast.filing_a1, "resubmit"), {"proposed": {"capacity": 5}, "effective_date": "2026-11-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "只有已退回的变更备案可以修改后重新提交。"}
    api.force_login(cast.bureau_staff)
    assert api.post(step(cast.filing_a1, "approve")).status_code == 200
    response = api.post(step(cast.filing_a1, "approve"))
    assert response.status_code == 400
    assert response.json() == {"detail": "只有待审核的变更备案可以审核通过。"}
    response = api.post(step(cast.filing_a1, "return"), {"reason": "晚了"}, format="json")
    assert response.json() == {"detail": "只有待审核的变更备案可以退回。"}


def test_approval_refused_when_the_record_moved_on(api, cast):
    Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(capacity=150)
    api.force_login(cast.bureau_staff)
    response = api.post(step(cast.filing_a1, "approve"))
    assert response.status_code == 400
    assert "学位数" in response.json()["detail"]
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == "submitted"
    shown = api.get(detail(cast.filing_a1)).json()
    assert shown["diff"][0]["changed_since"] is True and shown["diff"][0]["current"] == "150"


def test_bad_resubmission_is_400_and_keeps_the_filing(api, cast):
    ChangeFiling.objects.filter(pk=cast.filing_a1.pk).update(state="returned", return_reason="请补充。")
    api.force_login(cast.kg_director)
    response = api.post(
        step(cast.filing_a1, "resubmit"),
        {"proposed": {"credit_rating": "A"}, "effective_date": "2026-11-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"proposed": {"credit_rating": ["该项目不能通过变更备案修改。"]}}
    cast.filing_a1.refresh_from_db()
    assert (cast.filing_a1.state, cast.filing_a1.proposed) == ("returned", {"capacity": 321})


# --- methods that do not exist --------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_filings_are_never_edited_or_deleted(api, cast, method):
    api.force_login(cast.bureau_admin)
    response = getattr(api, method)(detail(cast.filing_a1), {"state": "approved"}, format="json")
    assert response.status_code == 405
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == "submitted"
