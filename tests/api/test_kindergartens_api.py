"""/api/v1/kindergartens/, /bureaus/, /townships/: scope, filters, the one write, history, query counts."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.models import AuditEntry
from kindergartens.models import CollaborationGroup, Kindergarten
from supervision.services import supervisor_assign
from tests.api.helpers import assert_constant_queries, ids
from tests.factories import DistrictFactory, KindergartenFactory, TownshipFactory, UserFactory

LIST = reverse("api:kindergarten-list")


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
        "district": {"id": cast.district_a.pk, "name": "大洼区教育局"},
        "township": {"id": cast.town_a.pk, "name": "大洼街道", "urban_rural_code": "121", "is_rural": False},
        "nature": "public",
        "nature_label": "公办",
        "collaboration_group": None,
        "responsible_supervisor": {
            "id": cast.supervisor.pk,
            "full_name": cast.supervisor.full_name,
            "phone": cast.supervisor.phone,
        },
    }


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
    Kindergarten.objects.filter(pk=cast.kg_a2.pk).update(collaboration_group=group, nature="private")
    api.force_login(cast.city_viewer)
    assert ids(api.get(LIST, {"district": cast.district_b.pk})) == {cast.kg_b1.pk}
    assert ids(api.get(LIST, {"township": cast.village_a.pk})) == {cast.kg_a2.pk}
    assert ids(api.get(LIST, {"nature": "private"})) == {cast.kg_a2.pk}
    assert ids(api.get(LIST, {"collaboration_group": group.pk})) == {cast.kg_a2.pk}
    assert ids(api.get(LIST, {"search": "双台子"})) == {cast.kg_b1.pk}
    assert ids(api.get(LIST, {"search": "  "})) == {cast.kg_a1.pk, cast.kg_a2.pk, cast.kg_b1.pk}
    assert api.get(LIST, {"nature": "bogus"}).status_code == 400


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
    assert names == sorted(names)
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
        HTTP_X_REQUEST_ID="req-12345678",
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
    assert entry.request_id == "req-12345678"
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
    assert response.json().keys() == {"detail"}


def test_put_needs_every_field(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.put(detail(cast.kg_a1), {"name": "只有名字"}, format="json")
    assert response.status_code == 400
    assert {"township", "nature", "collaboration_group"} <= response.json().keys()
    assert response.json()["nature"] == ["该字段是必填项。"]


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
    assert newest["actor_label"] == "bureau_staff"
    assert newest["changes"]["nature"] == ["public", "private"]
    assert newest["at"].endswith("+08:00")
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


def test_kindergarten_list_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        group = CollaborationGroup.objects.create(district=cast.district_a, name="协作组")
        kgs = KindergartenFactory.create_batch(18, township=cast.village_a, collaboration_group=group)
        for kg in kgs[:6]:
            supervisor = UserFactory(role=Role.SUPERVISOR, bureau=cast.district_a)
            supervisor_assign(actor=None, kindergarten=kg, supervisor=supervisor)

    api.force_login(cast.bureau_admin)
    assert_constant_queries(api, LIST, more, django_assert_num_queries, at_most=5)


def test_kindergarten_list_queries_for_a_supervisor(api, cast, django_assert_num_queries):
    def more():
        for kg in KindergartenFactory.create_batch(18, township=cast.town_a):
            supervisor_assign(actor=None, kindergarten=kg, supervisor=cast.supervisor)

    api.force_login(cast.supervisor)
    assert_constant_queries(api, LIST, more, django_assert_num_queries, at_most=5)


def test_history_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        for i in range(18):
            Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(name=f"大洼区第一幼儿园{i}")

    api.force_login(cast.bureau_admin)
    assert_constant_queries(api, history(cast.kg_a1), more, django_assert_num_queries, at_most=5)


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
