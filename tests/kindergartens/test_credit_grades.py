"""信用等级: a vocabulary each district bureau keeps (services, access, pages, record, API, Excel, public).

Cast (tests/conftest.py): every district has the neutral defaults A 级 … D 级; grade_a, grade_b and
grade_c are the A 级 of districts A (大洼区), B (双台子区) and C (东城区, another city). bureau_admin
keeps district A's grades, admin_b district B's.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from core.history import entry_views
from core.models import AuditEntry
from kindergartens import excel
from kindergartens.access import credit_grade_get_for_user, credit_grades_visible_to
from kindergartens.forms import KindergartenForm
from kindergartens.models import DEFAULT_CREDIT_GRADES, CreditGrade, Kindergarten
from kindergartens.serializers import KindergartenUpdateSerializer
from kindergartens.services import (
    credit_grade_create,
    credit_grade_update,
    credit_grades_ensure_defaults,
    kindergarten_create,
    kindergarten_update,
    roster_import_apply,
    roster_preview,
    roster_template,
)
from tests.factories import DistrictFactory
from tests.kindergartens.fixtures_excel import build_roster, credit_code, row
from tests.kindergartens.test_registry_views import record_form

LIST_URL = reverse("kindergartens:credit-grade-list")
NEUTRAL = [("A 级", 4, ""), ("B 级", 3, ""), ("C 级", 2, ""), ("D 级", 1, "")]


def grade(cast, district="a", name="A 级") -> CreditGrade:
    return CreditGrade.objects.get(district=getattr(cast, f"district_{district}"), name=name)


def names(qs) -> list[str]:
    return [g.name for g in qs]


# --- services -----------------------------------------------------------------------------------


def test_admin_adds_a_grade_to_their_own_district(cast):
    added = credit_grade_create(actor=cast.bureau_admin, name=" A+ 级 ", rank=5, description="区县评定的最高等级")
    assert (added.district, added.name, added.rank, added.is_active) == (cast.district_a, "A+ 级", 5, True)
    assert AuditEntry.objects.filter(
        content_type__model="creditgrade", object_id=str(added.pk), action="create", district_id=cast.district_a.pk
    ).exists()


@pytest.mark.parametrize("role", ["city_viewer", "bureau_staff", "supervisor", "kg_director", "kg_staff", "no_scope"])
def test_only_the_bureau_admin_keeps_grades(cast, role):
    user = getattr(cast, role)
    with pytest.raises(PermissionDenied):
        credit_grade_create(actor=user, name="E 级", rank=0)
    with pytest.raises(PermissionDenied):
        credit_grade_update(actor=user, grade=cast.grade_a, name="改", rank=1, description="", is_active=True)
    with pytest.raises(PermissionDenied):
        credit_grades_ensure_defaults(district=cast.district_a, actor=user)
    assert CreditGrade.objects.get(pk=cast.grade_a.pk).name == "A 级"


def test_an_admin_cannot_edit_another_districts_grade(cast):
    with pytest.raises(PermissionDenied):
        credit_grade_update(actor=cast.admin_b, grade=cast.grade_a, name="改", rank=1, description="", is_active=True)
    assert credit_grade_create(actor=cast.admin_b, name="E 级", rank=0).district == cast.district_b


@pytest.mark.parametrize(
    ("name", "rank", "errors"),
    [
        ("", 1, {"name": ["请填写信用等级名称。"]}),
        (" A 级 ", 1, {"name": ["本区县已有同名的信用等级。"]}),
        ("E 级", -1, {"rank": ["排序应为 0 到 999 之间的整数。"]}),
        ("E 级", 1000, {"rank": ["排序应为 0 到 999 之间的整数。"]}),
    ],
)
def test_bad_grade_is_refused_in_chinese(cast, name, rank, errors):
    count = CreditGrade.objects.count()
    with pytest.raises(ValidationError) as exc:
        credit_grade_create(actor=cast.bureau_admin, name=name, rank=rank)
    assert exc.value.message_dict == errors
    assert CreditGrade.objects.count() == count


def test_system_setup_names_a_district(cast):
    assert credit_grade_create(actor=None, name="E 级", rank=0, district=cast.district_b).district == cast.district_b
    for district in (None, cast.city):
        with pytest.raises(ValidationError) as exc:
            credit_grade_create(actor=None, name="E 级", rank=0, district=district)
        assert exc.value.messages == ["信用等级由区县教育局设置，请选择区县。"]


def test_a_retired_grade_stays_on_kindergartens_but_is_not_given_anew(cast):
    b = grade(cast, name="B 级")
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"credit_rating": b})
    credit_grade_update(actor=cast.bureau_admin, grade=b, name="B 级", rank=3, description="", is_active=False)
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).credit_rating == b
    assert CreditGrade.objects.filter(pk=b.pk).exists()  # retired, never deleted
    # The kindergarten that holds it keeps it through other edits…
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"credit_rating": b, "capacity": 9})
    # …but nobody is given it anew, not even by the system.
    with pytest.raises(ValidationError) as exc:
        kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a2, changes={"credit_rating": b})
    assert exc.value.message_dict == {"credit_rating": ["该信用等级已停用，不能再选用。"]}
    with pytest.raises(ValidationError):
        kindergarten_create(
            actor=None, name="新园", district=cast.district_a, township=cast.town_a, nature="public", credit_rating=b
        )
    # Renaming to its own name is not a duplicate; reinstating makes it available again.
    credit_grade_update(actor=cast.bureau_admin, grade=b, name="B 级", rank=3, description="", is_active=True)
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a2, changes={"credit_rating": b})


def test_a_kindergarten_takes_only_its_own_districts_grade(cast):
    with pytest.raises(ValidationError) as exc:
        kindergarten_update(
            actor=None, kindergarten=cast.kg_a1, changes={"credit_rating": cast.grade_b}, check_rights=False
        )
    assert exc.value.message_dict == {"credit_rating": ["请选择本区县的信用等级。"]}
    with pytest.raises(ValidationError):
        kindergarten_create(
            actor=None,
            name="新园",
            district=cast.district_a,
            township=cast.town_a,
            nature="public",
            credit_rating=cast.grade_b,
        )
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).credit_rating_id is None


def test_defaults_are_neutral_and_added_once(cast):
    district = DistrictFactory(name="新城区教育局", parent=cast.city)
    created = credit_grades_ensure_defaults(district=district)
    rows = list(CreditGrade.objects.filter(district=district).values_list("name", "rank", "description"))
    assert rows == NEUTRAL == [(name, rank, "") for name, rank in DEFAULT_CREDIT_GRADES]
    assert len(created) == 4
    assert (
        AuditEntry.objects.filter(content_type__model="creditgrade", action="create", district_id=district.pk).count()
        == 4
    )
    assert credit_grades_ensure_defaults(district=district) == []  # idempotent
    assert CreditGrade.objects.filter(district=district).count() == 4
    # A district that keeps its own vocabulary (even only retired grades) is left alone.
    own = DistrictFactory(name="自定区教育局", parent=cast.city)
    credit_grade_create(actor=None, name="优", rank=9, district=own)
    CreditGrade.objects.filter(district=own).update(is_active=False)
    assert credit_grades_ensure_defaults(district=own) == []
    assert names(CreditGrade.objects.filter(district=own)) == ["优"]
    assert credit_grades_ensure_defaults(district=cast.city) == []  # a city bureau keeps none


def test_the_migration_gives_the_same_defaults_as_the_service():
    from importlib import import_module

    migration = import_module("kindergartens.migrations.0006_credit_grades")
    assert migration.DEFAULT_GRADES == DEFAULT_CREDIT_GRADES
    assert set(migration.GRADE_OF_LETTER.values()) == {name for name, _rank in DEFAULT_CREDIT_GRADES}


def test_a_district_created_in_the_admin_gets_the_defaults(client, cast):
    from accounts.models import User

    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026", full_name="平台管理员")
    client.force_login(root)
    response = client.post(
        reverse("admin:kindergartens_bureau_add"),
        {
            "name": "新区教育局",
            "level": "district",
            "parent": cast.city.pk,
            "division_code": "211106",
            "province": "辽宁省",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    district = cast.city.children.get(name="新区教育局")
    assert list(district.credit_grades.values_list("name", "rank", "description")) == NEUTRAL


# --- access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "districts"),
    [
        ("city_viewer", {"a", "b"}),
        ("bureau_admin", {"a"}),
        ("bureau_staff", {"a"}),
        ("supervisor", {"a"}),
        ("kg_director", {"a"}),
        ("kg_staff", {"a"}),
        ("no_scope", set()),
    ],
)
def test_grades_visible_to_each_role(cast, role, districts):
    expected = {
        g.pk for key in districts for g in CreditGrade.objects.filter(district=getattr(cast, f"district_{key}"))
    }
    assert set(credit_grades_visible_to(getattr(cast, role)).values_list("pk", flat=True)) == expected


def test_get_for_user_is_404_outside_scope_and_403_without_the_right(cast):
    assert credit_grade_get_for_user(cast.bureau_admin, cast.grade_a.pk, action="change") == cast.grade_a
    assert credit_grade_get_for_user(cast.city_viewer, cast.grade_b.pk) == cast.grade_b
    for user, pk in (
        (cast.bureau_admin, cast.grade_b.pk),
        (cast.city_viewer, cast.grade_c.pk),
        (cast.no_scope, cast.grade_a.pk),
    ):
        with pytest.raises(Http404):
            credit_grade_get_for_user(user, pk)
    with pytest.raises(Http404):
        credit_grade_get_for_user(cast.bureau_admin, "abc")
    for user in (cast.city_viewer, cast.bureau_staff, cast.kg_director):
        with pytest.raises(PermissionDenied):
            credit_grade_get_for_user(user, cast.grade_a.pk, action="change")


# --- pages ---------------------------------------------------------------------------------------------


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx)


def test_list_shows_the_districts_grades_and_the_admins_tools(client, cast):
    client.force_login(cast.bureau_admin)
    response = client.get(LIST_URL)
    html = response.content.decode()
    assert names(response.context["page"].object_list) == ["A 级", "B 级", "C 级", "D 级"]
    assert reverse("kindergartens:credit-grade-create") in html
    assert reverse("kindergartens:credit-grade-edit", kwargs={"pk": cast.grade_a.pk}) in html
    assert 'data-testid="credit-grade-defaults"' not in html  # the district has grades already
    # …and the kindergarten list links here, next to the levels, for the admin only.
    link = f'href="{LIST_URL}"'
    assert link in client.get(reverse("kindergartens:list")).content.decode()
    client.force_login(cast.bureau_staff)
    assert link not in client.get(reverse("kindergartens:list")).content.decode()
    response = client.get(LIST_URL)
    assert names(response.context["page"].object_list) == ["A 级", "B 级", "C 级", "D 级"]  # everyone reads
    assert reverse("kindergartens:credit-grade-create") not in response.content.decode()


def test_city_viewer_sees_each_district_and_can_filter(client, cast):
    client.force_login(cast.city_viewer)
    response = client.get(LIST_URL)
    shown = [(g.district_id, g.name) for g in response.context["page"].object_list]
    assert {d for d, _name in shown} == {cast.district_a.pk, cast.district_b.pk}
    assert len(shown) == 8 and response.context["by_district"]
    html = response.content.decode()
    assert "大洼区" in html and "双台子区" in html and 'name="district"' in html
    assert reverse("kindergartens:credit-grade-create") not in html
    response = client.get(LIST_URL, {"district": cast.district_b.pk})
    assert {g.district_id for g in response.context["page"].object_list} == {cast.district_b.pk}
    # Another city's district is not a valid choice: nothing, not its grades.
    response = client.get(LIST_URL, {"district": cast.district_c.pk})
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("role", ["bureau_admin", "city_viewer"])
def test_list_query_count_does_not_grow(client, cast, role):
    client.force_login(getattr(cast, role))
    client.get(LIST_URL)  # warm-up: the signed-in user is cached from the second request on (accounts.backends)
    few = count_queries(client, LIST_URL)
    for i in range(30):
        credit_grade_create(actor=None, name=f"第{i}等", rank=i, district=cast.district_a if i % 2 else cast.district_b)
    assert count_queries(client, LIST_URL) == few
    assert few <= 8


def test_admin_adds_edits_and_retires_a_grade(client, cast):
    client.force_login(cast.bureau_admin)
    response = client.post(
        reverse("kindergartens:credit-grade-create"), {"name": "E 级", "rank": 0, "description": ""}, follow=True
    )
    assert "已新增信用等级「E 级」。" in response.content.decode()
    assert grade(cast, name="E 级").district == cast.district_a
    response = client.post(reverse("kindergartens:credit-grade-create"), {"name": "E 级", "rank": 0})
    assert response.context["form"].errors == {"name": ["本区县已有同名的信用等级。"]}
    edit = reverse("kindergartens:credit-grade-edit", kwargs={"pk": cast.grade_a.pk})
    assert client.get(edit).context["form"].initial["name"] == "A 级"
    client.post(edit, {"name": "A 级", "rank": 4, "description": "本区县评定办法第一档"})  # is_active unticked
    a = CreditGrade.objects.get(pk=cast.grade_a.pk)
    assert (a.is_active, a.description) == (False, "本区县评定办法第一档")
    assert "已停用" in client.get(LIST_URL).content.decode()
    client.force_login(cast.admin_b)
    assert client.get(edit).status_code == 404
    client.force_login(cast.bureau_staff)
    assert client.post(edit, {"name": "改", "rank": 1}).status_code == 403
    assert client.get(reverse("kindergartens:credit-grade-create")).status_code == 403


def test_a_district_without_grades_is_offered_the_defaults(client, cast):
    CreditGrade.objects.filter(district=cast.district_a).delete()  # a district that never had any
    client.force_login(cast.bureau_admin)
    html = client.get(LIST_URL).content.decode()
    assert "添加默认信用等级" in html and "本区县尚未设置信用等级。" in html
    response = client.post(reverse("kindergartens:credit-grade-defaults"), follow=True)
    assert "已添加默认信用等级：A 级、B 级、C 级、D 级。" in response.content.decode()
    assert list(cast.district_a.credit_grades.values_list("name", "rank", "description")) == NEUTRAL
    response = client.post(reverse("kindergartens:credit-grade-defaults"), follow=True)
    assert "本区县已设置信用等级，未添加默认等级。" in response.content.decode()
    assert cast.district_a.credit_grades.count() == 4
    client.force_login(cast.bureau_staff)
    assert client.post(reverse("kindergartens:credit-grade-defaults")).status_code == 403
    assert client.get(reverse("kindergartens:credit-grade-defaults")).status_code == 405


# --- the kindergarten record ----------------------------------------------------------------------------


def test_edit_form_offers_the_districts_grades_in_use_and_the_current_one(cast):
    b = grade(cast, name="B 级")
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"credit_rating": b})
    credit_grade_update(actor=cast.bureau_admin, grade=b, name="B 级", rank=3, description="", is_active=False)
    CreditGrade.objects.filter(district=cast.district_a, name="D 级").update(is_active=False)
    kg = Kindergarten.objects.get(pk=cast.kg_a1.pk)
    form = KindergartenForm(user=cast.bureau_staff, kindergarten=kg)
    assert names(form.fields["credit_rating"].queryset) == ["A 级", "B 级", "C 级"]
    assert form.fields["credit_rating"].empty_label == "未评定"
    other = KindergartenForm(user=cast.bureau_staff, kindergarten=cast.kg_a2)
    assert names(other.fields["credit_rating"].queryset) == ["A 级", "C 级"]


def test_edit_page_saves_a_grade_and_refuses_another_districts(client, cast):
    client.force_login(cast.bureau_staff)
    url = reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk})
    response = client.post(url, record_form(cast.kg_a1, credit_rating=cast.grade_b.pk))
    assert response.context["form"].errors["credit_rating"] == ["请选择本区县在用的信用等级。"]
    response = client.post(url, record_form(cast.kg_a1, credit_rating=grade(cast, name="C 级").pk))
    assert response.status_code == 302
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).credit_rating.name == "C 级"
    detail = client.get(reverse("kindergartens:detail", kwargs={"pk": cast.kg_a1.pk})).content.decode()
    assert re.search(r"信用等级</dt><dd[^>]*>C 级</dd>", detail)


def test_history_shows_grade_names_and_the_old_letters(cast):
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"credit_rating": cast.grade_a})
    [view] = entry_views([AuditEntry.objects.filter(content_type__model="kindergarten").latest("id")])
    shown = {r.name: (r.label, r.old, r.new) for r in view.changes}
    assert shown["credit_rating_id"] == ("信用等级", "—", "A 级")
    # An entry written before grades were a vocabulary held the letter: it reads as the neutral grade.
    entry = AuditEntry.objects.filter(content_type__model="kindergarten").latest("id")
    entry.changes = {"credit_rating": ["B", "C"]}
    [old] = entry_views([entry])
    assert [(r.label, r.old, r.new) for r in old.changes] == [("信用等级", "B 级", "C 级")]


# --- the API -----------------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def detail(kg) -> str:
    return reverse("api:kindergarten-detail", kwargs={"pk": kg.pk})


def test_api_reads_the_grade_as_id_and_name_and_writes_it_by_id(api, cast):
    api.force_login(cast.bureau_staff)
    assert api.get(detail(cast.kg_a1)).json()["credit_rating"] is None
    response = api.patch(detail(cast.kg_a1), {"credit_rating": cast.grade_a.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["credit_rating"] == {"id": cast.grade_a.pk, "name": "A 级"}
    listed = api.get(reverse("api:kindergarten-list")).json()["results"]
    assert next(r for r in listed if r["id"] == cast.kg_a1.pk)["credit_rating"] == {
        "id": cast.grade_a.pk,
        "name": "A 级",
    }
    response = api.patch(detail(cast.kg_a1), {"credit_rating": None}, format="json")
    assert response.json()["credit_rating"] is None


@pytest.mark.parametrize("value", ["b", 999_999])
def test_api_refuses_another_districts_grade_and_unknown_ids_alike(api, cast, value):
    api.force_login(cast.bureau_staff)
    pk = cast.grade_b.pk if value == "b" else value
    response = api.patch(detail(cast.kg_a1), {"credit_rating": pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"credit_rating": ["请选择本区县的信用等级。"]}
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).credit_rating_id is None


def test_a_grade_of_another_visible_district_is_refused_for_the_kindergarten(cast):
    """The city viewer sees both districts' grades; a body for a kindergarten of A still takes only A's."""
    request = RequestFactory().patch("/")
    request.user = cast.city_viewer
    serializer = KindergartenUpdateSerializer(
        data={"credit_rating": cast.grade_b.pk}, partial=True, context={"request": request, "kindergarten": cast.kg_a1}
    )
    assert not serializer.is_valid()
    assert serializer.errors == {"credit_rating": ["请选择本区县的信用等级。"]}


def test_api_refuses_a_retired_grade_unless_it_is_the_current_one(api, cast):
    b = grade(cast, name="B 级")
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"credit_rating": b})
    credit_grade_update(actor=cast.bureau_admin, grade=b, name="B 级", rank=3, description="", is_active=False)
    api.force_login(cast.bureau_staff)
    response = api.patch(detail(cast.kg_a2), {"credit_rating": b.pk}, format="json")
    assert (response.status_code, response.json()) == (400, {"credit_rating": ["该信用等级已停用，不能再选用。"]})
    response = api.patch(detail(cast.kg_a1), {"credit_rating": b.pk, "capacity": 200}, format="json")
    assert response.status_code == 200 and response.json()["credit_rating"]["name"] == "B 级"


# --- Excel ---------------------------------------------------------------------------------------------


def test_template_lists_the_districts_grades_in_use(cast):
    credit_grade_update(
        actor=cast.bureau_admin, grade=grade(cast, name="D 级"), name="D 级", rank=1, description="", is_active=False
    )
    credit_grade_create(actor=cast.admin_b, name="双台子特等", rank=9)
    buffer = io.BytesIO()
    roster_template(user=cast.bureau_staff, fileobj=buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    [(title, cells)] = list(workbook.defined_names["list_credit_rating"].destinations)
    assert [c.value for r in workbook[title][cells.replace("$", "")] for c in r] == ["A 级", "B 级", "C 级"]


def test_import_maps_grade_names_and_explains_unknown_and_retired_ones(cast):
    credit_grade_create(actor=cast.admin_b, name="双台子特等", rank=9)
    credit_grade_update(
        actor=cast.bureau_admin, grade=grade(cast, name="D 级"), name="D 级", rank=1, description="", is_active=False
    )
    rows = [row(1, credit_rating="C 级"), row(2, credit_rating="双台子特等"), row(3, credit_rating="D 级")]
    result = roster_preview(actor=cast.bureau_staff, data=build_roster(rows), filename="名册.xlsx")
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "信用等级", "本区县没有名为“双台子特等”的信用等级，请从下拉列表中选择。"),
        (4, "信用等级", "该信用等级已停用，请选择在用的信用等级。"),
    ]
    result = roster_preview(actor=cast.bureau_staff, data=build_roster(rows[:1]), filename="名册.xlsx")
    assert result.problems == []
    roster_import_apply(actor=cast.bureau_staff, roster_import=result.roster_import)
    assert Kindergarten.objects.get(credit_code=credit_code(1)).credit_rating == grade(cast, name="C 级")


def test_export_writes_the_grade_name_and_reads_back_unchanged(cast):
    """export → import: the grade's name round-trips, a retired current grade included."""
    b = grade(cast, name="B 级")
    kindergarten_update(
        actor=None,
        kindergarten=cast.kg_a1,
        changes={"credit_code": credit_code(1), "credit_rating": b},
        check_rights=False,
    )
    kindergarten_update(
        actor=None,
        kindergarten=cast.kg_a2,
        changes={"credit_code": credit_code(2), "credit_rating": cast.grade_a},
        check_rights=False,
    )
    credit_grade_update(actor=cast.bureau_admin, grade=b, name="B 级", rank=3, description="", is_active=False)
    buffer = io.BytesIO()
    excel.export_workbook(Kindergarten.objects.filter(district=cast.district_a), buffer)
    data = buffer.getvalue()
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET_ROSTER]
    column = [c.header for c in excel.COLUMNS].index("信用等级")
    by_name = {r[1].value: r[column].value for r in sheet.iter_rows(min_row=2)}
    assert by_name == {cast.kg_a1.name: "B 级", cast.kg_a2.name: "A 级"}
    result = roster_preview(actor=cast.bureau_staff, data=data, filename="导出.xlsx")
    assert result.problems == []
    assert result.roster_import.summary == {"create": 0, "update": 0, "unchanged": 2}


# --- public pages ---------------------------------------------------------------------------------------


def test_public_pages_show_the_neutral_grade_name_without_extra_queries(client, cast):
    from django.core.cache import cache

    for kg, g in ((cast.kg_a1, cast.grade_a), (cast.kg_a2, grade(cast, name="C 级"))):
        kindergarten_update(actor=None, kindergarten=kg, changes={"credit_rating": g}, check_rights=False)
    district_url = reverse("public:district", args=[cast.district_a.pk])
    cache.clear()
    html = client.get(district_url).content.decode()
    assert "A 级" in html and "C 级" in html
    profile = client.get(reverse("public:kindergarten", args=[cast.kg_a1.pk])).content.decode()
    assert re.search(r'data-testid="public-credit">A 级<', profile)

    def count(url):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    few = count(district_url)
    for i in range(12):
        kg = kindergarten_create(
            actor=None, name=f"新增{i}幼儿园", district=cast.district_a, township=cast.town_a, nature="public"
        )
        kindergarten_update(
            actor=None, kindergarten=kg, changes={"credit_rating": grade(cast, name="B 级")}, check_rights=False
        )
    assert count(district_url) == few


# --- no legal designation shipped as a label ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# The one historical migration that still records the old labels (migrations are never edited).
HISTORICAL = {ROOT / "kindergartens" / "migrations" / "0002_registry_full_record.py"}


def test_no_untrustworthiness_designation_in_code_or_templates():
    words = ("守" + "信", "失" + "信")  # spelt apart, so this file does not match itself
    suffixes = {".py", ".html", ".txt", ".js", ".po", ".md", ".json"}
    found = []
    for path in ROOT.rglob("*"):
        if (
            path.suffix not in suffixes
            or path in HISTORICAL
            or {".git", ".venv", "node_modules", "media", "staticfiles"} & set(path.parts)
        ):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{path.relative_to(ROOT)}: {w}" for w in words if w in text]
    assert found == []
