"""The registry pages: list (filters, as-of month, sorting, query counts), record tabs, edit form,
classes, violations, annual inspections, levels and the compliance page.

Every mutating view: works / in-scope user can / outsider gets 404 / read-only gets 403 / wrong
method gets 405 (the permission matrix covers every role; these pin the behaviour behind it).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kindergartens.models import (
    AnnualInspection,
    Kindergarten,
    KindergartenClass,
    KindergartenStatusChange,
    Level,
    Nature,
    Status,
    Violation,
)
from kindergartens.services import (
    class_create,
    kindergarten_update,
    level_update,
    today,
    violation_record,
)
from kindergartens.views.registry import route_exists
from supervision.services import supervisor_assign
from tests.factories import KindergartenFactory, UserFactory
from tests.kindergartens.test_records import CODE_PRIVATE, CODE_PUBLIC
from tests.kindergartens.test_selectors import build_classes, build_dated

LIST = reverse("kindergartens:list")


def ids(response) -> set[int]:
    return {kg.pk for kg in response.context["page"].object_list}


def count_queries(client, url, data=None) -> int:
    client.get(url, data or {})  # warm: sessions and filter options are read from the cache after a first request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(ctx)


def detail_url(kg, tab=None) -> str:
    url = reverse("kindergartens:detail", kwargs={"pk": kg.pk})
    return f"{url}?tab={tab}" if tab else url


def record_form(kg, **overrides) -> dict:
    """The edit form's POST body for ``kg`` as it stands, with ``overrides``."""
    data = {
        "name": kg.name,
        "credit_code": kg.credit_code,
        "township": kg.township_id,
        "nature": kg.nature,
        "status": kg.status,
        "schedule": kg.schedule,
        "capacity": kg.capacity,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- list -------------------------------------------------------------------------------------


def test_list_columns_show_enrolment_level_and_status(client, cast):
    kindergarten_update(
        actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"level": cast.level_ln, "capacity": 180}
    )
    client.force_login(cast.bureau_staff)
    response = client.get(LIST)
    html = response.content.decode()
    row = next(kg for kg in response.context["page"].object_list if kg.pk == cast.kg_a1.pk)
    assert (row.enrolled, row.capacity, row.level_name) == (20, 180, "四星级")
    for text in ("四星级", "在办", "学位数", "在园幼儿", "责任督学", 'data-testid="kindergarten-list"'):
        assert text in html


def test_search_covers_name_and_credit_code(client, cast):
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a2, changes={"credit_code": CODE_PUBLIC})
    client.force_login(cast.bureau_staff)
    assert ids(client.get(LIST, {"q": CODE_PUBLIC.lower()})) == {cast.kg_a2.pk}
    assert ids(client.get(LIST, {"q": CODE_PUBLIC[:10]})) == {cast.kg_a2.pk}
    assert ids(client.get(LIST, {"q": "第一"})) == {cast.kg_a1.pk}


def test_filters_nature_status_level_group(client, cast):
    from kindergartens.models import CollaborationGroup

    group = CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    staff = cast.bureau_staff
    kindergarten_update(
        actor=staff,
        kindergarten=cast.kg_a2,
        changes={
            "nature": Nature.INCLUSIVE_PRIVATE,
            "inclusive_recognised_on": datetime.date(2025, 9, 1),
            "status": Status.RECTIFYING,
            "level": cast.level_ln,
            "collaboration_group": group,
        },
    )
    extra = KindergartenFactory(name="民办园", township=cast.town_a, nature=Nature.PRIVATE)
    kindergarten_update(actor=staff, kindergarten=extra, changes={"status": Status.SUSPENDED})
    client.force_login(staff)
    assert ids(client.get(LIST, {"nature": "inclusive"})) == {cast.kg_a1.pk, cast.kg_a2.pk}
    assert ids(client.get(LIST, {"nature": "private"})) == {extra.pk}
    assert ids(client.get(LIST, {"status": "active"})) == {cast.kg_a1.pk, cast.kg_a2.pk}
    assert ids(client.get(LIST, {"status": "suspended"})) == {extra.pk}
    assert ids(client.get(LIST, {"level": cast.level_ln.pk})) == {cast.kg_a2.pk}
    assert ids(client.get(LIST, {"group": group.pk})) == {cast.kg_a2.pk}
    assert ids(client.get(LIST, {"township": cast.village_a.pk, "area": "rural"})) == {cast.kg_a2.pk}
    # Another province's level is not a valid choice: nothing, never everything.
    response = client.get(LIST, {"level": cast.level_bj.pk})
    assert ids(response) == set()
    assert "筛选条件无效" in response.content.decode()


def test_sorting(client, cast):
    staff = cast.bureau_staff
    kindergarten_update(actor=staff, kindergarten=cast.kg_a1, changes={"capacity": 300})
    kindergarten_update(actor=staff, kindergarten=cast.kg_a2, changes={"capacity": 120})
    client.force_login(staff)

    def order(sort):
        return [kg.pk for kg in client.get(LIST, {"sort": sort}).context["page"].object_list]

    assert order("-capacity") == [cast.kg_a1.pk, cast.kg_a2.pk]
    assert order("capacity") == [cast.kg_a2.pk, cast.kg_a1.pk]
    # Status and nature sort in the vocabulary's order (筹设 → 在办 → 整改 → 停办 → 注销), not by code.
    # kg_a1 closed (停办, then 注销), kg_a2 operating: by code "closed" would come first.
    for status in (Status.SUSPENDED, Status.CLOSED):
        kindergarten_update(actor=staff, kindergarten=cast.kg_a1, changes={"status": status})
    assert order("status") == [cast.kg_a2.pk, cast.kg_a1.pk]
    kindergarten_update(actor=staff, kindergarten=cast.kg_a1, changes={"nature": Nature.COMMUNITY})
    kindergarten_update(actor=staff, kindergarten=cast.kg_a2, changes={"nature": Nature.PRIVATE})
    assert order("nature") == [cast.kg_a2.pk, cast.kg_a1.pk]
    assert order("junk") == []  # like any invalid filter: nothing, with a warning


def test_city_viewer_filters_by_district_others_do_not_see_the_filter(client, cast):
    client.force_login(cast.city_viewer)
    response = client.get(LIST, {"district": cast.district_b.pk})
    assert ids(response) == {cast.kg_b1.pk}
    assert 'name="district"' in response.content.decode()
    assert ids(client.get(LIST, {"district": cast.district_c.pk})) == set()  # another city's: not a choice
    client.force_login(cast.bureau_staff)
    assert 'name="district"' not in client.get(LIST).content.decode()


def test_as_of_month_shows_status_and_nature_then(client, cast):
    """Which kindergartens were operating, and which were 普惠, in March 2025?"""
    sun, star = build_dated(cast)
    client.force_login(cast.bureau_staff)
    response = client.get(LIST, {"as_of": "2025-03"})
    html = response.content.decode()
    # The cast's kindergartens were registered today: they did not exist in March 2025.
    assert ids(response) == {sun.pk, star.pk}
    assert "当时状态" in html and "当时性质" in html
    assert response.context["as_of"] == datetime.date(2025, 3, 31)
    rows = {kg.pk: (kg.status_on_label, kg.nature_on_label) for kg in response.context["page"].object_list}
    assert rows == {sun.pk: ("整改", "普惠性民办"), star.pk: ("注销", "公办")}
    assert ids(client.get(LIST, {"as_of": "2025-03", "status": "active"})) == {sun.pk}
    assert ids(client.get(LIST, {"as_of": "2025-03", "status": "active", "nature": "inclusive"})) == {sun.pk}
    assert ids(client.get(LIST, {"as_of": "2025-02", "status": "active", "nature": "inclusive"})) == {sun.pk, star.pk}
    assert ids(client.get(LIST, {"as_of": "2025-01", "nature": "inclusive_private"})) == set()
    assert ids(client.get(LIST, {"as_of": "2024-08"})) == set()
    # Today's values without as_of: 星星 is closed now, 阳光 operating again.
    assert ids(client.get(LIST, {"status": "active"})) == {cast.kg_a1.pk, cast.kg_a2.pk, sun.pk}


def test_bad_as_of_is_explained_in_chinese(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.get(LIST, {"as_of": "2025-13"})
    assert ids(response) == set()
    assert "月份格式应为“年-月”，例如 2025-03。" in response.content.decode()


def test_as_of_respects_scope(client, cast):
    client.force_login(cast.kg_director)
    assert ids(client.get(LIST, {"as_of": today().strftime("%Y-%m")})) == {cast.kg_a1.pk}


def test_export_and_import_buttons_follow_the_rights(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.get(LIST, {"nature": "public"})
    assert response.context["can_export"] is route_exists("kindergartens:export")
    assert response.context["can_import"] is route_exists("kindergartens:import")
    if route_exists("kindergartens:export"):
        # A POST form (it queues a job), keeping the list's filters.
        assert f'action="{reverse("kindergartens:export")}?nature=public"' in response.content.decode()
    client.force_login(cast.city_viewer)
    response = client.get(LIST)
    assert response.context["can_export"] is route_exists("kindergartens:export")
    assert response.context["can_import"] is False
    for role in ("supervisor", "kg_director", "kg_staff"):
        client.force_login(getattr(cast, role))
        response = client.get(LIST)
        assert (response.context["can_export"], response.context["can_import"]) == (False, False)
        assert "导出 Excel" not in response.content.decode()


@pytest.mark.parametrize("params", [{}, {"as_of": "2025-03"}, {"nature": "inclusive", "sort": "-capacity"}])
def test_list_query_count_does_not_grow(client, cast, params):
    client.force_login(cast.bureau_admin)
    build_dated(cast)  # so that the as-of page has rows too
    few = count_queries(client, LIST, params)
    for i in range(12):
        kg = KindergartenFactory(township=cast.town_a, name=f"新园{i}", effective_date=datetime.date(2024, 1, 1))
        class_create(actor=None, kindergarten=kg, name="小一班", class_type="small", children=i)
        supervisor = UserFactory(username=f"sup{i}", role="supervisor", bureau=cast.district_a)
        supervisor_assign(actor=None, kindergarten=kg, supervisor=supervisor)
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"level": cast.level_ln})
    assert count_queries(client, LIST, params) == few


# --- record page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tab", "testid"),
    [
        (None, "tab-info"),
        ("info", "tab-info"),
        ("classes", "tab-classes"),
        ("status", "tab-status"),
        ("violations", "tab-violations"),
        ("inspections", "tab-inspections"),
        ("supervisor", "tab-supervisor"),
        ("junk", "tab-info"),
    ],
)
def test_every_tab_renders_for_the_director(client, cast, tab, testid):
    client.force_login(cast.kg_director)
    response = client.get(detail_url(cast.kg_a1, tab))
    assert response.status_code == 200
    assert f'data-testid="{testid}"' in response.content.decode()


def test_info_tab_groups_the_whole_record(client, cast):
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=cast.kg_a1,
        changes={
            "credit_code": CODE_PUBLIC,
            "licence_valid_until": datetime.date(2020, 1, 1),
            "legal_vice_principal": "张警官",
            "medical_partner": "盘锦市妇幼保健院",
            "party_organisation": "joint",
            "credit_rating": cast.grade_a,
            "fee_monthly": "880.00",
            "fee_government_guided": True,
            "level": cast.level_ln,
        },
    )
    client.force_login(cast.kg_director)
    html = client.get(detail_url(cast.kg_a1)).content.decode()
    for text in (
        "身份信息", "举办与性质", "规模与收费", "管理与党建", "信用与评价",
        CODE_PUBLIC, "已过期", "张警官", "盘锦市妇幼保健院", "联合党组织", "A 级", "880.00 元/月", "四星级",
    ):  # fmt: skip
        assert text in html, text


def test_classes_tab_shows_size_limits_and_enrolment(client, cast):
    build_classes(cast)
    client.force_login(cast.kg_staff)
    response = client.get(detail_url(cast.kg_a1, "classes"))
    assert response.context["enrolled"] == 112
    assert response.context["compliant_count"] == 2
    assert response.context["enrolment_percent"] == 56
    html = response.content.decode()
    assert html.count("超额") >= 2 and "达标" in html
    assert reverse("kindergartens:class-edit", kwargs={"pk": cast.class_a1.pk}) not in html  # staff: read only
    client.force_login(cast.kg_director)
    html = client.get(detail_url(cast.kg_a1, "classes")).content.decode()
    assert reverse("kindergartens:class-edit", kwargs={"pk": cast.class_a1.pk}) in html
    # Boarding limits on the boarding kindergarten.
    client.force_login(cast.bureau_staff)
    response = client.get(detail_url(cast.kg_a2, "classes"))
    assert {c.name: c.size_limit for c in response.context["classes"]} == {"小一班": 20, "中一班": 25, "大一班": 30}


def test_status_tab_lists_dated_changes(client, cast):
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=cast.kg_a1,
        changes={"status": Status.RECTIFYING},
        effective_date=datetime.date(2025, 3, 1),
        note="限期整改通知书",
    )
    for status, days_ahead in ((Status.SUSPENDED, 5), (Status.CLOSED, 10)):
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=cast.kg_a1,
            changes={"status": status},
            effective_date=today() + datetime.timedelta(days=days_ahead),
        )
    client.force_login(cast.supervisor)
    response = client.get(detail_url(cast.kg_a1, "status"))
    html = response.content.decode()
    values = [c.value for c in response.context["page"].object_list]
    assert values[0] == "closed" and values.count("operating") == 1 and "rectifying" in values
    for text in ("限期整改通知书", "2025-03-01", "整改", "待生效", cast.bureau_staff.display_name, "初始登记"):
        assert text in html, text


def test_violations_tab_publish_buttons_only_for_the_bureau(client, cast):
    violation_record(
        actor=cast.bureau_staff,
        kindergarten=cast.kg_a1,
        occurred_on=datetime.date(2025, 3, 2),
        description="超额招生",
        penalty="责令整改",
        published=True,
    )
    publish = reverse("kindergartens:violation-publish", kwargs={"pk": cast.kg_a1.pk})
    client.force_login(cast.kg_director)
    html = client.get(detail_url(cast.kg_a1, "violations")).content.decode()
    assert "超额招生" in html and "已公开" in html and publish not in html
    client.force_login(cast.bureau_staff)
    html = client.get(detail_url(cast.kg_a1, "violations")).content.decode()
    assert publish in html and "撤回公开" in html


def test_action_buttons_follow_the_flags(client, cast):
    urls = {
        "edit": reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk}),
        "class": reverse("kindergartens:class-create", kwargs={"pk": cast.kg_a1.pk}),
        "violation": reverse("kindergartens:violation-create", kwargs={"pk": cast.kg_a1.pk}),
        "inspection": reverse("kindergartens:inspection-create", kwargs={"pk": cast.kg_a1.pk}),
        "assign": reverse("kindergartens:assign-supervisor", kwargs={"pk": cast.kg_a1.pk}),
        "history": reverse("kindergartens:history", kwargs={"pk": cast.kg_a1.pk}),
    }
    expected = {
        "bureau_admin": {"edit", "class", "violation", "inspection", "assign", "history"},
        "bureau_staff": {"edit", "class", "violation", "inspection", "history"},
        "city_viewer": {"history"},
        "supervisor": set(),
        "kg_director": {"class"},
        "kg_staff": set(),
    }
    for role, shown in expected.items():
        client.force_login(getattr(cast, role))
        html = client.get(detail_url(cast.kg_a1)).content.decode()
        assert {k for k, url in urls.items() if f'href="{url}"' in html} == shown, role


def test_filings_tab_stays_on_the_record(client, cast):
    """变更备案 is a tab of the record (it used to leave the record for the filing list)."""
    filing = cast.filing_a1  # the cast's submitted filing of kg_a1
    client.force_login(cast.kg_director)
    response = client.get(detail_url(cast.kg_a1, "filings"))
    html = response.content.decode()
    assert response.context["tab"] == "filings" and 'data-testid="tab-filings"' in html
    assert ("filings", "变更备案") in response.context["tabs"]
    assert reverse("kindergartens:filing-detail", kwargs={"pk": filing.pk}) in html and "学位数" in html
    detail = client.get(reverse("kindergartens:filing-detail", kwargs={"pk": filing.pk})).content.decode()
    crumbs = detail[detail.index('class="breadcrumb"') : detail.index("</ol>")]
    assert f"#{filing.pk}" not in crumbs and cast.kg_a1.name in crumbs and "?tab=filings" in crumbs
    client.force_login(cast.kg_staff)  # may not list filings: no such tab, and asking for it shows 基本信息
    response = client.get(detail_url(cast.kg_a1, "filings"))
    assert ("filings", "变更备案") not in response.context["tabs"] and response.context["tab"] == "info"


@pytest.mark.parametrize("tab", ["info", "classes", "status", "violations", "inspections", "supervisor", "filings"])
def test_detail_query_count_does_not_grow(client, cast, tab):
    from kindergartens.services import annual_inspection_record, filing_approve, filing_submit

    def add_rows(i):
        class_create(actor=None, kindergarten=cast.kg_a1, name=f"班{i}", class_type="mixed", children=i)
        violation_record(
            actor=cast.bureau_staff,
            kindergarten=cast.kg_a1,
            occurred_on=datetime.date(2025, 1, i + 1),
            description=f"违规{i}",
            penalty="警告",
            published=bool(i % 2),
        )
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=cast.kg_a1,
            changes={"status": Status.RECTIFYING if i % 2 == 0 else Status.OPERATING},
            effective_date=datetime.date(2025, 2, i + 1),
        )
        annual_inspection_record(actor=cast.bureau_staff, kindergarten=cast.kg_a1, year=2010 + i, result="pass")
        filing = filing_submit(
            actor=cast.kg_director,
            kindergarten=Kindergarten.objects.get(pk=cast.kg_a1.pk),
            proposed={"capacity": 500 + i},
            effective_date=today(),
        )
        filing_approve(actor=cast.bureau_staff, filing=filing)

    filing_approve(actor=cast.bureau_staff, filing=cast.filing_a1)  # the cast's open filing: one at a time
    add_rows(0)  # one of each, so that "few" renders every kind of row
    client.force_login(cast.bureau_staff)
    url = detail_url(cast.kg_a1, tab)
    few = count_queries(client, url)
    for i in range(1, 9):
        add_rows(i)
    assert count_queries(client, url) == few


def test_detail_out_of_scope_is_404(client, cast):
    client.force_login(cast.kg_director)
    assert client.get(detail_url(cast.kg_a2, "classes")).status_code == 404


# --- edit -------------------------------------------------------------------------------------


def edit_url(kg) -> str:
    return reverse("kindergartens:edit", kwargs={"pk": kg.pk})


def test_edit_form_is_laid_out_in_fieldsets(client, cast):
    client.force_login(cast.bureau_staff)
    html = client.get(edit_url(cast.kg_a1)).content.decode()
    for legend in ("身份信息", "举办与性质", "规模与收费", "管理与党建", "信用与评价"):
        assert f">{legend}</legend>" in html
    assert 'name="effective_date"' in html and 'name="note"' in html and 'name="credit_rating"' in html


def test_edit_records_a_dated_status_change_and_redirects_with_a_message(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.post(
        edit_url(cast.kg_a1),
        record_form(
            cast.kg_a1,
            status=Status.SUSPENDED,
            effective_date=today().isoformat(),
            note="教体局批复〔2025〕12号",
            credit_code=" " + CODE_PRIVATE.lower(),
        ),
        follow=True,
    )
    assert response.redirect_chain == [(detail_url(cast.kg_a1), 302)]
    assert "幼儿园信息已保存。" in response.content.decode()
    kg = Kindergarten.objects.get(pk=cast.kg_a1.pk)
    assert (kg.status, kg.credit_code) == (Status.SUSPENDED, CODE_PRIVATE)
    change = KindergartenStatusChange.objects.get(kindergarten=kg, value="suspended")
    assert (change.effective_date, change.note, change.recorded_by) == (
        today(),
        "教体局批复〔2025〕12号",
        cast.bureau_staff,
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"credit_code": "52211100MJ0000001F"}, "credit_code", "统一社会信用代码校验位不正确，请核对后重新填写。"),
        ({"credit_code": "5221110"}, "credit_code", "统一社会信用代码应为 18 位（现为 7 位）。"),
        ({"nature": "inclusive_private"}, "inclusive_recognised_on", "普惠性民办幼儿园须填写普惠性认定日期。"),
        ({"township": "foreign"}, "township", "请选择本区县的街道/乡镇。"),
        ({"level": "foreign"}, "level", "请选择本省在用的等级。"),
        ({"credit_rating": "foreign"}, "credit_rating", "请选择本区县在用的信用等级。"),
        ({"name": "西安镇中心幼儿园"}, "name", "本区县已有同名的幼儿园。"),
        ({"name": ""}, "name", "该字段是必填项。"),
        ({"capacity": "-3"}, "capacity", "确保该值大于或等于0。"),
        ({"effective_date": "2025-02-30"}, "effective_date", "输入一个有效的日期。"),
    ],
)
def test_edit_errors_are_chinese_and_save_nothing(client, cast, overrides, field, message):
    if overrides.get("township") == "foreign":
        overrides["township"] = cast.town_b.pk
    if overrides.get("level") == "foreign":
        overrides["level"] = cast.level_bj.pk
    if overrides.get("credit_rating") == "foreign":
        overrides["credit_rating"] = cast.grade_b.pk
    changes = KindergartenStatusChange.objects.count()
    client.force_login(cast.bureau_staff)
    response = client.post(edit_url(cast.kg_a1), record_form(cast.kg_a1, **{"capacity": 55, **overrides}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    kg = Kindergarten.objects.get(pk=cast.kg_a1.pk)
    assert (kg.name, kg.capacity, kg.nature) == ("大洼区第一幼儿园", 0, "public")
    assert KindergartenStatusChange.objects.count() == changes
    assert response.context["kindergarten"].name == "大洼区第一幼儿园"


def test_a_retired_level_stays_valid_on_its_kindergarten(client, cast):
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"level": cast.level_ln})
    level_update(actor=cast.bureau_admin, level=cast.level_ln, name="四星级", rank=4, description="", is_active=False)
    client.force_login(cast.bureau_staff)
    response = client.post(edit_url(cast.kg_a1), record_form(cast.kg_a1, level=cast.level_ln.pk, capacity=10))
    assert response.status_code == 302
    response = client.post(edit_url(cast.kg_a2), record_form(cast.kg_a2, level=cast.level_ln.pk))
    assert response.context["form"].errors["level"] == ["请选择本省在用的等级。"]


def test_edit_wrong_method_and_rights(client, cast):
    client.force_login(cast.bureau_staff)
    assert client.put(edit_url(cast.kg_a1)).status_code == 405
    client.force_login(cast.kg_director)
    assert client.post(edit_url(cast.kg_a1), record_form(cast.kg_a1, capacity=1)).status_code == 403
    client.force_login(cast.admin_b)
    assert client.post(edit_url(cast.kg_a1), record_form(cast.kg_a1, capacity=1)).status_code == 404
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).capacity == 0


def test_history_page_includes_the_records_children(client, cast):
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"status": Status.RECTIFYING})
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("kindergartens:history", kwargs={"pk": cast.kg_a1.pk}))
    models = {e.content_type.model for e in response.context["page"].object_list}
    assert {"kindergarten", "kindergartenstatuschange", "kindergartenclass", "supervisorassignment"} <= models
    # Nothing of another kindergarten.
    assert all(e.district_id == cast.district_a.pk for e in response.context["page"].object_list)


# --- classes ----------------------------------------------------------------------------------


def class_urls(cast):
    return {
        "create": reverse("kindergartens:class-create", kwargs={"pk": cast.kg_a1.pk}),
        "edit": reverse("kindergartens:class-edit", kwargs={"pk": cast.class_a1.pk}),
        "deactivate": reverse("kindergartens:class-deactivate", kwargs={"pk": cast.class_a1.pk}),
    }


def test_director_adds_edits_and_stops_a_class(client, cast):
    urls = class_urls(cast)
    client.force_login(cast.kg_director)
    response = client.post(urls["create"], {"name": "大一班", "class_type": "large", "children": 36})
    assert response.status_code == 302
    assert response["Location"] == detail_url(cast.kg_a1, "classes")
    assert KindergartenClass.objects.get(kindergarten=cast.kg_a1, name="大一班").children == 36

    response = client.post(urls["edit"], {"name": "小一班", "class_type": "small", "children": 22}, follow=True)
    assert "班级「小一班」已保存。" in response.content.decode()
    assert KindergartenClass.objects.get(pk=cast.class_a1.pk).children == 22

    confirm = client.get(urls["deactivate"])
    assert confirm.status_code == 200 and "停用班级" in confirm.content.decode()
    assert KindergartenClass.objects.get(pk=cast.class_a1.pk).is_active  # GET changes nothing
    assert client.post(urls["deactivate"]).status_code == 302
    assert KindergartenClass.objects.get(pk=cast.class_a1.pk).is_active is False
    # Stopping it again: a message, not an error page.
    response = client.post(urls["deactivate"], follow=True)
    assert "该班级已经停用。" in response.content.decode()


def test_class_form_errors_in_chinese(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.post(class_urls(cast)["create"], {"name": "小一班", "class_type": "small", "children": 3})
    assert response.context["form"].errors == {"name": ["本园已有同名的在用班级。"]}
    response = client.post(class_urls(cast)["create"], {"name": "", "class_type": "", "children": "-1"})
    assert set(response.context["form"].errors) == {"name", "class_type", "children"}
    assert KindergartenClass.objects.filter(kindergarten=cast.kg_a1).count() == 1


def test_class_routes_outsider_read_only_and_method(client, cast):
    urls = class_urls(cast)
    client.force_login(cast.director_a2)  # another kindergarten's director
    for url in urls.values():
        assert client.get(url).status_code == 404
    client.force_login(cast.kg_staff)  # in scope, read only
    for url in urls.values():
        assert client.get(url).status_code == 403
    assert client.post(urls["deactivate"]).status_code == 403
    client.force_login(cast.kg_director)
    for url in urls.values():
        assert client.delete(url).status_code == 405
    assert KindergartenClass.objects.get(pk=cast.class_a1.pk).is_active


# --- violations and annual inspections ----------------------------------------------------------


def test_bureau_records_a_violation_and_publishes_it_later(client, cast):
    client.force_login(cast.bureau_staff)
    url = reverse("kindergartens:violation-create", kwargs={"pk": cast.kg_a1.pk})
    response = client.post(url, {"occurred_on": "2025-03-02", "description": "超额招生", "penalty": "责令整改"})
    assert response["Location"] == detail_url(cast.kg_a1, "violations")
    violation = Violation.objects.get(kindergarten=cast.kg_a1)
    assert (violation.published, violation.recorded_by) == (False, cast.bureau_staff)

    publish = reverse("kindergartens:violation-publish", kwargs={"pk": cast.kg_a1.pk})
    assert client.get(publish).status_code == 405
    assert client.post(publish, {"violation": violation.pk, "published": "1"}).status_code == 302
    assert Violation.objects.get(pk=violation.pk).published is True
    client.post(publish, {"violation": violation.pk, "published": "0"})
    assert Violation.objects.get(pk=violation.pk).published is False
    # A violation of another kindergarten cannot be reached through this one.
    other = violation_record(
        actor=cast.bureau_staff,
        kindergarten=cast.kg_a2,
        occurred_on=datetime.date(2025, 1, 1),
        description="x",
        penalty="y",
        published=False,
    )
    assert client.post(publish, {"violation": other.pk, "published": "1"}).status_code == 404
    assert client.post(publish, {"violation": "junk", "published": "1"}).status_code == 404
    assert Violation.objects.get(pk=other.pk).published is False


def test_violation_errors_and_rights(client, cast):
    url = reverse("kindergartens:violation-create", kwargs={"pk": cast.kg_a1.pk})
    client.force_login(cast.bureau_staff)
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"occurred_on": tomorrow, "description": "x", "penalty": "y"})
    assert response.context["form"].errors == {"occurred_on": ["查处日期不能晚于今天。"]}
    client.force_login(cast.kg_director)
    assert client.get(url).status_code == 403
    client.force_login(cast.admin_b)
    assert client.get(url).status_code == 404
    client.force_login(cast.bureau_staff)
    assert client.put(url).status_code == 405
    assert not Violation.objects.exists()


def test_annual_inspection_is_recorded_and_corrected(client, cast):
    url = reverse("kindergartens:inspection-create", kwargs={"pk": cast.kg_a1.pk})
    client.force_login(cast.bureau_admin)
    assert client.get(url).context["form"].initial["year"] == today().year - 1
    client.post(url, {"year": 2024, "result": "basic", "published": "on"})
    response = client.post(url, {"year": 2024, "result": "pass"}, follow=True)
    assert "2024 年度年检结果已登记：合格。" in response.content.decode()
    row = AnnualInspection.objects.get(kindergarten=cast.kg_a1)
    assert (row.year, row.result, row.published) == (2024, "pass", False)
    response = client.post(url, {"year": 1999, "result": "pass"})
    assert "year" in response.context["form"].errors
    client.force_login(cast.kg_director)
    assert client.post(url, {"year": 2023, "result": "fail"}).status_code == 403
    client.force_login(cast.admin_b)
    assert client.post(url, {"year": 2023, "result": "fail"}).status_code == 404
    assert AnnualInspection.objects.count() == 1


# --- levels -----------------------------------------------------------------------------------


def test_level_list_shows_the_users_province_only(client, cast):
    client.force_login(cast.kg_director)
    response = client.get(reverse("kindergartens:level-list"))
    assert [lv.pk for lv in response.context["page"].object_list] == [cast.level_ln.pk]
    assert response.context["province"] == "辽宁省"
    assert reverse("kindergartens:level-create") not in response.content.decode()
    client.force_login(cast.no_scope)
    assert list(client.get(reverse("kindergartens:level-list")).context["page"].object_list) == []


def test_level_list_query_count_does_not_grow(client, cast):
    client.force_login(cast.bureau_admin)
    url = reverse("kindergartens:level-list")
    few = count_queries(client, url)
    for i in range(10):
        Level.objects.create(province="辽宁省", name=f"{i}级", rank=i)
    assert count_queries(client, url) == few
    assert len(client.get(url).context["page"].object_list) == 11


def test_admin_adds_and_retires_a_level(client, cast):
    client.force_login(cast.bureau_admin)
    response = client.post(reverse("kindergartens:level-create"), {"name": "五星级", "rank": 5}, follow=True)
    assert "已新增等级「五星级」。" in response.content.decode()
    assert Level.objects.get(name="五星级").province == "辽宁省"
    response = client.post(reverse("kindergartens:level-create"), {"name": "五星级", "rank": 5})
    assert response.context["form"].errors == {"name": ["本省已有同名的等级。"]}
    edit = reverse("kindergartens:level-edit", kwargs={"pk": cast.level_ln.pk})
    client.post(edit, {"name": "四星级", "rank": 4, "description": "市级示范园"})  # is_active unticked
    level = Level.objects.get(pk=cast.level_ln.pk)
    assert (level.is_active, level.description) == (False, "市级示范园")


def test_level_rights(client, cast):
    edit_own = reverse("kindergartens:level-edit", kwargs={"pk": cast.level_ln.pk})
    edit_foreign = reverse("kindergartens:level-edit", kwargs={"pk": cast.level_bj.pk})
    client.force_login(cast.bureau_staff)
    assert client.get(reverse("kindergartens:level-create")).status_code == 403
    assert client.get(edit_own).status_code == 403
    assert client.get(edit_foreign).status_code == 404
    client.force_login(cast.bureau_admin)
    assert client.get(edit_foreign).status_code == 404
    assert client.put(edit_own).status_code == 405


# --- compliance -------------------------------------------------------------------------------

COMPLIANCE = reverse("kindergartens:compliance")


def test_compliance_numbers_for_a_district(client, cast):
    build_classes(cast)
    client.force_login(cast.bureau_staff)
    response = client.get(COMPLIANCE)
    totals = response.context["totals"]
    assert (totals["classes"], totals["compliant"], totals["enrolled"], totals["capacity"]) == (7, 3, 234, 300)
    assert (totals["compliance_percent"], totals["enrolment_percent"]) == (43, 78)
    rows = {kg.pk: (kg.class_count, kg.compliant_classes, kg.over_classes, kg.enrolled, kg.enrolment_percent)
            for kg in response.context["page"].object_list}  # fmt: skip
    assert rows == {cast.kg_a1.pk: (4, 2, 2, 112, 56), cast.kg_a2.pk: (3, 1, 2, 122, 122)}
    assert response.context["districts"] == []  # per district only for the city
    html = response.content.decode()
    assert "超学位" in html  # kg_a2: 122 children on 100 places


def test_compliance_over_filter_and_scope(client, cast):
    build_classes(cast)
    client.force_login(cast.bureau_staff)
    assert ids(client.get(COMPLIANCE, {"over": "1"})) == {cast.kg_a1.pk, cast.kg_a2.pk}
    client.force_login(cast.kg_director)
    response = client.get(COMPLIANCE)
    assert ids(response) == {cast.kg_a1.pk}
    assert response.context["totals"]["enrolled"] == 112
    client.force_login(cast.no_scope)
    assert client.get(COMPLIANCE).context["totals"]["classes"] == 0


def test_city_viewer_sees_each_district(client, cast):
    build_classes(cast)
    client.force_login(cast.city_viewer)
    response = client.get(COMPLIANCE)
    rows = {r["district__name"]: (r["classes"], r["compliant"], r["enrolled"]) for r in response.context["districts"]}
    assert rows == {"大洼区教育局": (7, 3, 234), "双台子区教育局": (1, 1, 20)}
    assert response.context["totals"]["classes"] == 8
    assert 'data-testid="district-compliance"' in response.content.decode()


@pytest.mark.parametrize("role", ["bureau_staff", "city_viewer"])
def test_compliance_query_count_does_not_grow(client, cast, role):
    client.force_login(getattr(cast, role))
    few = count_queries(client, COMPLIANCE)
    build_classes(cast)
    for i in range(10):
        kg = KindergartenFactory(township=cast.town_b if i % 2 else cast.town_a, name=f"班额园{i}")
        class_create(actor=None, kindergarten=kg, name="大一班", class_type="large", children=30 + i)
    assert count_queries(client, COMPLIANCE) == few


# --- the record page's cost ---------------------------------------------------------------------


def test_the_record_reads_its_responsible_supervisor_with_the_record(client, cast):
    """The record and its current responsible supervisor in one query: the same number of queries with
    or without one, and ended assignments do not multiply the row."""
    from supervision.services import supervisor_assign, supervisor_assignment_end

    client.force_login(cast.bureau_admin)
    without = count_queries(client, detail_url(cast.kg_a2))
    assert "未指派" in client.get(detail_url(cast.kg_a2)).content.decode()
    first = supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a2, supervisor=cast.supervisor2)
    supervisor_assignment_end(actor=cast.bureau_admin, assignment=first)
    supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a2, supervisor=cast.supervisor)
    with_one = count_queries(client, detail_url(cast.kg_a2))
    body = client.get(detail_url(cast.kg_a2)).content.decode()
    assert with_one == without
    assert cast.supervisor.display_name in body and "未指派" not in body


def test_the_records_safety_panel_costs_no_query_whatever_the_safety_records(client, cast, monkeypatch):
    """The safety panel (core.registry "kindergarten-actions"): open incidents, open hazards and the
    last video check, read with the kindergarten in the page's one query (panel_annotations); the
    record costs the same with many safety records as with none, and reads the same without the panel."""
    import datetime as dt

    from django.utils import timezone

    from core import registry
    from safety.models import VideoCheck
    from safety.services import hazard_record, incident_report

    client.force_login(cast.bureau_admin)
    without_records = count_queries(client, detail_url(cast.kg_a1))
    body = client.get(detail_url(cast.kg_a1)).content.decode()
    assert 'data-testid="kindergarten-safety-panel"' in body and "尚无视频监控检查记录" in body
    now = timezone.now()
    for i in range(3):
        incident_report(
            actor=cast.kg_director, kindergarten=cast.kg_a1, occurred_at=now - dt.timedelta(minutes=10 + i),
            kind="injury", grade="general", children_affected=1, staff_affected=0, text="摔倒擦伤。",
        )  # fmt: skip
        hazard_record(
            actor=cast.kg_director, kindergarten=cast.kg_a1, category="fire", source="daily",
            found_on=timezone.localdate(), description=f"灭火器过期{i}",
        )  # fmt: skip
    this_month = timezone.localdate().replace(day=1)
    VideoCheck.objects.create(
        kindergarten=cast.kg_a1, month=this_month, cameras_total=12, cameras_working=11, retention_days=30,
        faults="一路故障，已报修", checked_by=cast.kg_director,
    )  # fmt: skip
    with_records = count_queries(client, detail_url(cast.kg_a1))
    assert with_records == without_records
    body = client.get(detail_url(cast.kg_a1)).content.decode()
    assert 'data-testid="open-incident-count">3<' in body and 'data-testid="open-hazard-count">3<' in body
    assert "11/12" in body and f"{this_month.year}年{this_month.month}月" in body
    assert f"{reverse('safety:incident-list')}?kindergarten={cast.kg_a1.pk}" in body
    assert with_records == 1  # the record, its supervisor, and every panel's figures
    # The panel's own cost: no query.
    monkeypatch.delitem(registry._panels, ("kindergarten-actions", "safety"))
    assert count_queries(client, detail_url(cast.kg_a1)) == with_records
    assert 'data-testid="kindergarten-safety-panel"' not in client.get(detail_url(cast.kg_a1)).content.decode()
