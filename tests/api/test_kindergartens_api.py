"""/api/v1/kindergartens/, /bureaus/, /townships/: scope, the full record, filters and as-of, PUT/PATCH, history,
query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.collation import pinyin_key
from core.models import AuditEntry
from kindergartens.models import CollaborationGroup, Kindergarten, KindergartenClass, KindergartenStatusChange, Level
from kindergartens.services import RECORD_FIELDS, kindergarten_create, kindergarten_update
from supervision.services import supervisor_assign
from tests.api.helpers import assert_constant_queries, ids
from tests.factories import DistrictFactory, KindergartenFactory, TownshipFactory, UserFactory

LIST = reverse("api:kindergarten-list")


CREDIT_CODE = "91210800MA0Y12345R"  # a valid GB 32100 code


def full_record(cast, **overrides) -> dict:
    """A PUT body with every record field (kindergartens.services.RECORD_FIELDS)."""
    body = {
        "name": "西安镇中心幼儿园（新址）",
        "credit_code": CREDIT_CODE,
        "licence_number": "教民 121080070000123 号",
        "licence_valid_until": "2029-08-31",
        "address": "盘锦市大洼区西安镇幸福路 8 号",
        "township": cast.village_a.pk,
        "collaboration_group": None,
        "sponsor": "private",
        "sponsor_name": "盘锦幸福教育有限公司",
        "nature": "inclusive_private",
        "inclusive_recognised_on": "2025-09-01",
        "status": "operating",
        "schedule": "boarding",
        "level": cast.level_ln.pk,
        "capacity": 270,
        "fee_monthly": "880.50",
        "fee_government_guided": True,
        "principal_name": "王丽",
        "principal_since": "2024-03-01",
        "has_parent_committee": True,
        "legal_vice_principal": "李警官",
        "medical_partner": "大洼区妇幼保健院",
        "party_organisation": "joint",
        "credit_rating": cast.grade_a.pk,
    }
    assert set(body) == set(RECORD_FIELDS)
    return {**body, **overrides}


def detail(kg) -> str:
    return reverse("api:kindergarten-detail", kwargs={"pk": kg.pk})


def history(kg) -> str:
    return reverse("api:kindergarten-history", kwargs={"pk": kg.pk})


# --- list scope -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_viewer", {"kg_a1", "kg_a2", "kg_b1"}),
        ("bureau_admin", {"kg_a1", "kg_a2"}),
        ("bureau_staff", {"kg_a1", "kg_a2"}),
        ("supervisor", {"kg_a1"}),
        ("kg_director", {"kg_a1"}),
        ("kg_staff", {"kg_a1"}),
        ("no_scope", set()),
    ],
)
def test_list_is_exactly_the_scope(api, cast, role, expected):
    api.force_login(getattr(cast, role))
    assert ids(api.get(LIST)) == {getattr(cast, name).pk for name in expected}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_viewer", {"city", "district_a", "district_b"}),
        ("bureau_admin", {"district_a"}),
        ("supervisor", {"district_a"}),
        ("kg_staff", {"district_a"}),
        ("no_scope", set()),
    ],
)
def test_bureau_list_is_exactly_the_scope(api, cast, role, expected):
    api.force_login(getattr(cast, role))
    assert ids(api.get(reverse("api:bureau-list"))) == {getattr(cast, name).pk for name in expected}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_viewer", {"town_a", "village_a", "town_b"}),
        ("bureau_staff", {"town_a", "village_a"}),
        ("kg_director", {"town_a", "village_a"}),
        ("no_scope", set()),
    ],
)
def test_township_list_is_exactly_the_scope(api, cast, role, expected):
    api.force_login(getattr(cast, role))
    assert ids(api.get(reverse("api:township-list"))) == {getattr(cast, name).pk for name in expected}


def test_township_district_filter_accepts_only_districts_in_scope(api, cast):
    api.force_login(cast.city_viewer)
    url = reverse("api:township-list")
    assert ids(api.get(url, {"district": cast.district_b.pk})) == {cast.town_b.pk}
    foreign = api.get(url, {"district": cast.district_c.pk})
    missing = api.get(url, {"district": 999999})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()


# --- output ---------------------------------------------------------------------------


def test_detail_output(api, cast):
    api.force_login(cast.kg_staff)
    body = api.get(detail(cast.kg_a1)).json()
    assert body == {
        "id": cast.kg_a1.pk,
        "name": "大洼区第一幼儿园",
        "credit_code": "",
        "licence_number": "",
        "licence_valid_until": None,
        "address": "",
        "district": {"id": cast.district_a.pk, "name": "大洼区教育局"},
        "township": {"id": cast.town_a.pk, "name": "大洼街道", "urban_rural_code": "121", "is_rural": False},
        "collaboration_group": None,
        "sponsor": "",
        "sponsor_label": "",
        "sponsor_name": "",
        "nature": "public",
        "nature_label": "公办",
        "inclusive_recognised_on": None,
        "status": "operating",
        "status_label": "在办",
        "schedule": "full_day",
        "schedule_label": "全日制",
        "level": None,
        "capacity": 0,
        "enrolled": 20,  # the cast's class_a1
        "class_count": 1,
        "fee_monthly": None,
        "fee_government_guided": False,
        "principal_name": "",
        "principal_since": None,
        "has_parent_committee": False,
        "legal_vice_principal": "",
        "medical_partner": "",
        "party_organisation": "",
        "party_organisation_label": "",
        "credit_rating": None,
        "responsible_supervisor": {
            "id": cast.supervisor.pk,
            "full_name": cast.supervisor.full_name,
            "phone": cast.supervisor.phone,
        },
        "as_of": None,
    }


def test_full_record_round_trip(api, cast):
    """Every record field written by PATCH comes back, in the same JSON form, from GET and the list."""
    group = CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    body = full_record(cast, collaboration_group=group.pk)
    api.force_login(cast.bureau_staff)
    response = api.patch(detail(cast.kg_a2), body, format="json")
    assert response.status_code == 200, response.content
    shown = api.get(detail(cast.kg_a2)).json()
    assert response.json() == shown
    listed = next(row for row in api.get(LIST).json()["results"] if row["id"] == cast.kg_a2.pk)
    assert listed == shown
    for name, value in body.items():
        if name in ("township", "collaboration_group", "level", "credit_rating"):
            assert shown[name]["id"] == value, name
        else:
            assert shown[name] == value, name
    assert shown["level"] == {"id": cast.level_ln.pk, "name": "四星级"}
    assert shown["sponsor_label"] == "民办"
    assert shown["nature_label"] == "普惠性民办"
    assert shown["schedule_label"] == "寄宿制"
    assert shown["party_organisation_label"] == "联合党组织"
    assert shown["credit_rating"] == {"id": cast.grade_a.pk, "name": "A 级"}
    assert (shown["enrolled"], shown["class_count"]) == (20, 1)


def test_enrolment_counts_only_active_classes(api, cast):
    KindergartenClass.objects.create(kindergarten=cast.kg_a1, name="大一班", class_type="large", children=31)
    KindergartenClass.objects.create(
        kindergarten=cast.kg_a1, name="旧中班", class_type="middle", children=28, is_active=False
    )
    api.force_login(cast.bureau_admin)
    body = api.get(detail(cast.kg_a1)).json()
    assert (body["enrolled"], body["class_count"]) == (51, 2)
    rows = {row["id"]: row for row in api.get(LIST).json()["results"]}
    assert (rows[cast.kg_a1.pk]["enrolled"], rows[cast.kg_a1.pk]["class_count"]) == (51, 2)
    assert (rows[cast.kg_a2.pk]["enrolled"], rows[cast.kg_a2.pk]["class_count"]) == (20, 1)


def test_list_output_has_supervisor_or_null(api, cast):
    api.force_login(cast.bureau_admin)
    rows = {row["id"]: row for row in api.get(LIST).json()["results"]}
    assert rows[cast.kg_a1.pk]["responsible_supervisor"]["id"] == cast.supervisor.pk
    assert rows[cast.kg_a2.pk]["responsible_supervisor"] is None
    assert rows[cast.kg_a2.pk]["township"]["is_rural"] is True


def test_foreign_and_missing_detail_are_the_same_404(api, cast):
    api.force_login(cast.bureau_admin)
    foreign = api.get(detail(cast.kg_b1))
    missing = api.get(reverse("api:kindergarten-detail", kwargs={"pk": 999999}))
    not_a_number = api.get(reverse("api:kindergarten-detail", kwargs={"pk": "abc"}))
    assert foreign.status_code == missing.status_code == not_a_number.status_code == 404
    assert foreign.json() == missing.json() == not_a_number.json() == {"detail": "未找到。"}


# --- filters and ordering -------------------------------------------------------------


def test_filters(api, cast):
    group = CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组", leader=cast.kg_a1)
    Kindergarten.objects.filter(pk=cast.kg_a2.pk).update(
        collaboration_group=group, nature="private", status="suspended", level=cast.level_ln
    )
    Kindergarten.objects.filter(pk=cast.kg_b1.pk).update(credit_code=CREDIT_CODE)
    api.force_login(cast.city_viewer)
    assert ids(api.get(LIST, {"district": cast.district_b.pk})) == {cast.kg_b1.pk}
    assert ids(api.get(LIST, {"township": cast.village_a.pk})) == {cast.kg_a2.pk}
    assert ids(api.get(LIST, {"nature": "private"})) == {cast.kg_a2.pk}
    assert ids(api.get(LIST, {"status": "suspended"})) == {cast.kg_a2.pk}
    assert ids(api.get(LIST, {"status": "operating"})) == {cast.kg_a1.pk, cast.kg_b1.pk}
    assert ids(api.get(LIST, {"level": cast.level_ln.pk})) == {cast.kg_a2.pk}
    assert ids(api.get(LIST, {"collaboration_group": group.pk})) == {cast.kg_a2.pk}
    assert ids(api.get(LIST, {"search": "双台子"})) == {cast.kg_b1.pk}
    assert ids(api.get(LIST, {"search": " 91210800ma0y "})) == {cast.kg_b1.pk}  # credit code, any case
    assert ids(api.get(LIST, {"search": "  "})) == {cast.kg_a1.pk, cast.kg_a2.pk, cast.kg_b1.pk}


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("nature", "bogus", "选择一个有效的选项。 bogus 不在可用的选项中。"),
        ("status", "open", "选择一个有效的选项。 open 不在可用的选项中。"),
        ("as_of", "2025-02-30", "输入一个有效的日期。"),
        ("as_of", "yesterday", "输入一个有效的日期。"),
    ],
)
def test_bad_filter_values_are_400_in_chinese(api, cast, param, value, message):
    api.force_login(cast.city_viewer)
    response = api.get(LIST, {param: value})
    assert response.status_code == 400
    assert response.json() == {param: [message]}


def test_level_filter_accepts_only_the_callers_province(api, cast):
    api.force_login(cast.bureau_admin)
    foreign = api.get(LIST, {"level": cast.level_bj.pk})
    missing = api.get(LIST, {"level": 999999})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()


# --- as of a past day -----------------------------------------------------------------


@pytest.fixture
def dated(cast):
    """kg_old: registered 2020-01-01 (公办, 在办), suspended from 2023-06-01, 普惠性民办 from 2024-09-01."""
    kg = kindergarten_create(
        actor=None,
        name="老城幼儿园",
        district=cast.district_a,
        township=cast.town_a,
        nature="public",
        effective_date=datetime.date(2020, 1, 1),
    )
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=kg,
        changes={"status": "suspended"},
        effective_date=datetime.date(2023, 6, 1),
    )
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=kg,
        changes={"nature": "inclusive_private", "inclusive_recognised_on": datetime.date(2024, 9, 1)},
    )  # takes effect on the recognition date
    return kg


def test_as_of_lists_what_existed_then_with_the_values_of_that_day(api, cast, dated):
    api.force_login(cast.bureau_admin)
    body = api.get(LIST, {"as_of": "2023-05-31"}).json()
    assert [row["id"] for row in body["results"]] == [dated.pk]  # the cast's kindergartens were registered today
    row = body["results"][0]
    assert row["as_of"] == {
        "date": "2023-05-31",
        "status": "operating",
        "status_label": "在办",
        "nature": "public",
        "nature_label": "公办",
    }
    assert (row["status"], row["nature"]) == ("suspended", "inclusive_private")  # today's values stay alongside
    row = api.get(LIST, {"as_of": "2024-09-01"}).json()["results"][0]
    assert (row["as_of"]["status"], row["as_of"]["nature"]) == ("suspended", "inclusive_private")
    assert api.get(LIST, {"as_of": "2019-12-31"}).json()["count"] == 0
    today = timezone.localdate().isoformat()
    assert ids(api.get(LIST, {"as_of": today})) == {cast.kg_a1.pk, cast.kg_a2.pk, dated.pk}
    assert api.get(LIST).json()["results"][0]["as_of"] is None


def test_status_and_nature_filters_read_the_as_of_day(api, cast, dated):
    api.force_login(cast.bureau_admin)
    assert ids(api.get(LIST, {"as_of": "2023-05-31", "status": "operating"})) == {dated.pk}
    assert ids(api.get(LIST, {"as_of": "2023-06-01", "status": "operating"})) == set()
    assert ids(api.get(LIST, {"as_of": "2023-06-01", "status": "suspended"})) == {dated.pk}
    assert ids(api.get(LIST, {"as_of": "2024-08-31", "nature": "public"})) == {dated.pk}
    assert ids(api.get(LIST, {"status": "suspended"})) == {dated.pk}  # without as_of: today's status
    assert ids(api.get(LIST, {"nature": "public"})) == {cast.kg_a1.pk, cast.kg_a2.pk}


@pytest.mark.parametrize("param", ["district", "township", "collaboration_group"])
def test_filter_ids_outside_scope_look_like_missing_ids(api, cast, param):
    group_c = CollaborationGroup.objects.create(district=cast.district_c, name="东城协作组")
    foreign_id = {"district": cast.district_c.pk, "township": cast.town_c.pk, "collaboration_group": group_c.pk}[param]
    api.force_login(cast.city_viewer)
    foreign = api.get(LIST, {param: foreign_id})
    missing = api.get(LIST, {param: 999999})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()


def test_ordering(api, cast):
    api.force_login(cast.city_viewer)
    names = [row["name"] for row in api.get(LIST).json()["results"]]
    assert names == sorted(names, key=pinyin_key)  # pinyin, on SQLite as on PostgreSQL
    by_id = [row["id"] for row in api.get(LIST, {"ordering": "-id"}).json()["results"]]
    assert by_id == sorted(by_id, reverse=True)


def test_page_size_is_capped_at_200(api, cast):
    KindergartenFactory.create_batch(3, township=cast.town_a)
    api.force_login(cast.bureau_admin)
    body = api.get(LIST, {"page_size": 2}).json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]
    assert len(api.get(LIST, {"page_size": 100000}).json()["results"]) == 5


# --- PATCH / PUT ----------------------------------------------------------------------


def test_patch_by_bureau_staff_changes_record_and_is_audited_as_api(api, cast):
    api.force_login(cast.bureau_staff)
    response = api.patch(
        detail(cast.kg_a1),
        {"name": " 大洼区第一幼儿园（东园） ", "township": cast.village_a.pk},
        format="json",
        HTTP_X_REQUEST_ID="5D1C2B3A-0000-4000-8000-000012345678",  # stored as 32 lowercase hex digits
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "大洼区第一幼儿园（东园）"
    assert response.json()["township"]["id"] == cast.village_a.pk
    assert response.json()["responsible_supervisor"]["id"] == cast.supervisor.pk
    cast.kg_a1.refresh_from_db()
    assert cast.kg_a1.name == "大洼区第一幼儿园（东园）"
    assert cast.kg_a1.township_id == cast.village_a.pk
    assert cast.kg_a1.nature == "public"  # untouched by a partial update
    entry = AuditEntry.objects.filter(object_id=str(cast.kg_a1.pk), action="update").latest("at")
    assert entry.source == "api"
    assert entry.actor_id == cast.bureau_staff.pk
    assert entry.actor_label == "bureau_staff"
    assert entry.request_id == "5d1c2b3a000040008000000012345678"
    assert entry.changes["name"] == ["大洼区第一幼儿园", "大洼区第一幼儿园（东园）"]


def test_patch_with_token_auth_records_the_token_user(api, cast):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=cast.bureau_admin)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.patch(detail(cast.kg_a2), {"nature": "private"}, format="json").status_code == 200
    entry = AuditEntry.objects.filter(object_id=str(cast.kg_a2.pk), action="update").latest("at")
    assert (entry.source, entry.actor_id) == ("api", cast.bureau_admin.pk)


@pytest.mark.parametrize("township", ["town_b", "town_c", None])
def test_patch_with_foreign_or_unknown_township_is_400_and_changes_nothing(api, cast, township):
    township_id = getattr(cast, township).pk if township else 999999
    before = AuditEntry.objects.count()
    api.force_login(cast.bureau_staff)
    response = api.patch(detail(cast.kg_a1), {"name": "改名", "township": township_id}, format="json")
    assert response.status_code == 400
    assert response.json() == {"township": ["无效的编号：对象不存在或不在您的权限范围内。"]}
    cast.kg_a1.refresh_from_db()
    assert (cast.kg_a1.name, cast.kg_a1.township_id) == ("大洼区第一幼儿园", cast.town_a.pk)
    assert AuditEntry.objects.count() == before


def test_patch_with_foreign_group_is_400(api, cast):
    group_b = CollaborationGroup.objects.create(district=cast.district_b, name="双台子协作组")
    api.force_login(cast.bureau_admin)
    response = api.patch(detail(cast.kg_a1), {"collaboration_group": group_b.pk}, format="json")
    assert response.status_code == 400
    assert "collaboration_group" in response.json()


def test_patch_can_set_and_clear_group(api, cast):
    group = CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    api.force_login(cast.bureau_admin)
    body = api.patch(detail(cast.kg_a1), {"collaboration_group": group.pk}, format="json").json()
    assert body["collaboration_group"] == {"id": group.pk, "name": "第一协作组"}
    body = api.patch(detail(cast.kg_a1), {"collaboration_group": None}, format="json").json()
    assert body["collaboration_group"] is None


def test_duplicate_name_is_a_400_from_the_service(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.patch(detail(cast.kg_a1), {"name": cast.kg_a2.name}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["本区县已有同名的幼儿园。"]}


def test_put_needs_every_field(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.put(detail(cast.kg_a1), {"name": "只有名字"}, format="json")
    assert response.status_code == 400
    assert response.json().keys() == set(RECORD_FIELDS) - {"name"}
    assert response.json()["nature"] == ["该字段是必填项。"]
    cast.kg_a1.refresh_from_db()
    assert cast.kg_a1.name == "大洼区第一幼儿园"


def test_put_replaces_the_record(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.put(detail(cast.kg_a1), full_record(cast, name="大洼区第一幼儿园（整体）"), format="json")
    assert response.status_code == 200, response.content
    cast.kg_a1.refresh_from_db()
    assert cast.kg_a1.name == "大洼区第一幼儿园（整体）"
    assert cast.kg_a1.fee_monthly == Decimal("880.50")
    assert cast.kg_a1.level_id == cast.level_ln.pk
    assert cast.kg_a1.credit_code == CREDIT_CODE


def test_status_change_is_dated_with_effective_date(api, cast, dated):
    api.force_login(cast.bureau_staff)
    # 停办 since 2023-06-01, resumed (在办) from 2025-01-05.
    response = api.patch(detail(dated), {"status": "operating", "effective_date": "2025-01-05"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "operating"
    change = KindergartenStatusChange.objects.filter(kindergarten=dated, attribute="status").first()
    assert (change.value, change.effective_date, change.recorded_by) == (
        "operating",
        datetime.date(2025, 1, 5),
        cast.bureau_staff,
    )
    assert api.get(LIST, {"as_of": "2025-01-04"}).json()["results"][0]["as_of"]["status"] == "suspended"


def test_status_change_dated_before_a_later_one_is_history_only(api, cast):
    """kg_a1 was registered today: a change dated earlier is recorded but today's status stands."""
    api.force_login(cast.bureau_staff)
    response = api.patch(detail(cast.kg_a1), {"status": "rectifying", "effective_date": "2020-01-05"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "operating"
    assert KindergartenStatusChange.objects.filter(kindergarten=cast.kg_a1, value="rectifying").exists()


def test_future_status_change_waits_for_its_day(api, cast):
    day = timezone.localdate() + datetime.timedelta(days=30)
    api.force_login(cast.bureau_staff)
    response = api.patch(detail(cast.kg_a1), {"status": "suspended", "effective_date": day.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "operating"
    assert KindergartenStatusChange.objects.filter(
        kindergarten=cast.kg_a1, value="suspended", effective_date=day
    ).exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"capacity": -1}, {"capacity": ["请确保该值大于或者等于 0。"]}),
        ({"capacity": "many"}, {"capacity": ["请填写合法的整数值。"]}),
        ({"fee_monthly": "abc"}, {"fee_monthly": ["请填写合法的数字。"]}),
        ({"fee_monthly": "-5"}, {"fee_monthly": ["请确保该值大于或者等于 0。"]}),
        ({"fee_monthly": "1.234"}, {"fee_monthly": ["请确保总计不超过 2 个小数位。"]}),
        (
            {"licence_valid_until": "2026-13-01"},
            {"licence_valid_until": ["日期格式错误。请从这些格式中选择：YYYY-MM-DD。"]},
        ),
        ({"sponsor": "church"}, {"sponsor": ["“church” 不是合法选项。"]}),
        ({"has_parent_committee": "maybe"}, {"has_parent_committee": ["必须是有效的布尔值。"]}),
        ({"name": "   "}, {"name": ["园所名称不能为空。"]}),
        ({"level": 999999}, {"level": ["无效的编号：对象不存在或不在您的权限范围内。"]}),
        (
            {"status": "closed", "effective_date": "soon"},
            {"effective_date": ["日期格式错误。请从这些格式中选择：YYYY-MM-DD。"]},
        ),
        # from the service and the model: the whole change is refused
        ({"credit_code": "91210800MA0Y12345X"}, {"credit_code": ["统一社会信用代码校验位不正确，请核对后重新填写。"]}),
        (
            {"nature": "inclusive_private", "name": "新名字"},
            {"inclusive_recognised_on": ["普惠性民办幼儿园须填写普惠性认定日期。"]},
        ),
    ],
)
def test_bad_values_are_400_in_chinese_and_change_nothing(api, cast, body, errors):
    before = AuditEntry.objects.count()
    changes = KindergartenStatusChange.objects.count()
    api.force_login(cast.bureau_staff)
    response = api.patch(detail(cast.kg_a1), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    cast.kg_a1.refresh_from_db()
    assert (cast.kg_a1.name, cast.kg_a1.nature, cast.kg_a1.capacity) == ("大洼区第一幼儿园", "public", 0)
    assert AuditEntry.objects.count() == before
    assert KindergartenStatusChange.objects.count() == changes


def test_level_from_another_province_is_400(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.patch(detail(cast.kg_a1), {"level": cast.level_bj.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"level": ["无效的编号：对象不存在或不在您的权限范围内。"]}


def test_retired_level_cannot_be_given_but_may_stay(api, cast):
    Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(level=cast.level_ln)
    Level.objects.filter(pk=cast.level_ln.pk).update(is_active=False)
    api.force_login(cast.bureau_admin)
    assert api.patch(detail(cast.kg_a1), {"level": cast.level_ln.pk, "capacity": 90}, format="json").status_code == 200
    response = api.patch(detail(cast.kg_a2), {"level": cast.level_ln.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"level": ["该等级已停用，不能再选用。"]}


@pytest.mark.parametrize("role", ["city_viewer", "supervisor", "kg_director", "kg_staff"])
def test_read_only_roles_get_403_even_with_a_bad_body(api, cast, role):
    api.force_login(getattr(cast, role))
    response = api.patch(detail(cast.kg_a1), {"township": 999999}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_patch_foreign_kindergarten_is_404_even_with_a_valid_body(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.patch(detail(cast.kg_b1), {"name": "x"}, format="json").status_code == 404


def test_no_delete_and_no_create(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.delete(detail(cast.kg_a1)).status_code == 405
    assert api.post(LIST, {"name": "新园"}, format="json").status_code == 405


# --- history --------------------------------------------------------------------------


def test_history_lists_audit_entries_newest_first_in_beijing_time(api, cast):
    api.force_login(cast.bureau_staff)
    api.patch(detail(cast.kg_a1), {"nature": "private"}, format="json")
    body = api.get(history(cast.kg_a1)).json()
    assert body["count"] == 2  # created by the factory, then the PATCH
    newest, created = body["results"]
    assert newest["action"] == "update" and newest["action_label"] == "修改"
    assert newest["source"] == "api" and newest["source_label"] == "接口"
    assert newest["actor_label"] == "bureau_staff" and newest["actor"] == cast.bureau_staff.full_name
    assert newest["changes"] == [
        {
            "field": "办园性质",
            "old": "公办",
            "new": "非普惠性民办",
            "name": "nature",
            "old_value": "public",
            "new_value": "private",
        }
    ]
    assert newest["at"].endswith("+08:00") and newest["at_display"] == newest["at"][:19].replace("T", " ")
    assert newest["model_label"] == "幼儿园" and newest["object_label"] == cast.kg_a1.name
    assert newest["request_id"]
    assert created["action"] == "create"


@pytest.mark.parametrize(("role", "status"), [("city_viewer", 200), ("supervisor", 403), ("kg_director", 403)])
def test_history_right(api, cast, role, status):
    api.force_login(getattr(cast, role))
    assert api.get(history(cast.kg_a1)).status_code == status


def test_history_of_foreign_kindergarten_is_404(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.get(history(cast.kg_b1)).status_code == 404


# --- query counts ---------------------------------------------------------------------

# session, user (with its bureau), count, the page's ids (narrow: core.lists), the page's rows with their
# relations, enrolment and supervisor (kindergartens.selectors.kindergarten_api_rows)
LIST_QUERIES = 5


def test_kindergarten_list_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        group = CollaborationGroup.objects.create(district=cast.district_a, name="协作组")
        kgs = KindergartenFactory.create_batch(
            18, township=cast.village_a, collaboration_group=group, level=cast.level_ln
        )
        for kg in kgs[:6]:
            supervisor = UserFactory(role=Role.SUPERVISOR, bureau=cast.district_a)
            supervisor_assign(actor=None, kindergarten=kg, supervisor=supervisor)
            KindergartenClass.objects.create(kindergarten=kg, name="小一班", class_type="small", children=20)
            KindergartenClass.objects.create(kindergarten=kg, name="大一班", class_type="large", children=36)

    api.force_login(cast.bureau_admin)
    assert_constant_queries(api, LIST, more, django_assert_num_queries, at_most=LIST_QUERIES)


def test_kindergarten_list_as_of_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        for kg in KindergartenFactory.create_batch(18, township=cast.town_a):
            kindergarten_update(actor=cast.bureau_admin, kindergarten=kg, changes={"status": "rectifying"})
            KindergartenClass.objects.create(kindergarten=kg, name="小一班", class_type="small", children=20)

    kindergarten_update(actor=cast.bureau_admin, kindergarten=cast.kg_a1, changes={"status": "rectifying"})
    api.force_login(cast.bureau_admin)
    url = f"{LIST}?as_of={timezone.localdate().isoformat()}&status=rectifying&ordering=-capacity"
    assert_constant_queries(api, url, more, django_assert_num_queries, at_most=LIST_QUERIES)


def test_kindergarten_list_queries_for_a_supervisor(api, cast, django_assert_num_queries):
    def more():
        for kg in KindergartenFactory.create_batch(18, township=cast.town_a):
            supervisor_assign(actor=None, kindergarten=kg, supervisor=cast.supervisor)

    api.force_login(cast.supervisor)
    assert_constant_queries(api, LIST, more, django_assert_num_queries, at_most=LIST_QUERIES)


def test_history_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        for i in range(18):
            Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(name=f"大洼区第一幼儿园{i}")

    api.force_login(cast.bureau_admin)
    # session, user, kindergarten, count, page (with actors), and one per kind of record the page
    # names: the registration names the kindergarten's district and township.
    assert_constant_queries(api, history(cast.kg_a1), more, django_assert_num_queries, at_most=7)


def test_bureau_list_queries_do_not_grow(api, cast, django_assert_num_queries):
    api.force_login(cast.city_viewer)
    assert_constant_queries(
        api,
        reverse("api:bureau-list"),
        lambda: DistrictFactory.create_batch(18, parent=cast.city),
        django_assert_num_queries,
        at_most=4,
    )


def test_township_list_queries_do_not_grow(api, cast, django_assert_num_queries):
    api.force_login(cast.bureau_staff)
    assert_constant_queries(
        api,
        reverse("api:township-list"),
        lambda: TownshipFactory.create_batch(18, district=cast.district_a),
        django_assert_num_queries,
        at_most=4,
    )
