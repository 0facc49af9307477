"""信息公开: anonymous access, what is listed, what never appears, filters, caching and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kindergartens.models import AnnualInspection, Level, Nature, Status, Violation
from kindergartens.selectors_public import public_kindergartens
from tests.factories import KindergartenFactory

PRIVATE_NAME = "张三丰"


def ids(response):
    return {kg.pk for kg in response.context["page"].object_list}


def public_urls(cast, kg=None):
    kg = kg or cast.kg_a1
    return [
        reverse("public:index"),
        reverse("public:search") + "?q=幼儿园",
        reverse("public:district", args=[cast.district_a.pk]),
        reverse("public:kindergarten", args=[kg.pk]),
    ]


@pytest.fixture
def district_a(cast):
    """District A with one kindergarten of every nature and status, and findings on kg_a1."""
    a = cast.district_a
    kgs = {
        "inclusive_private": KindergartenFactory(
            name="大洼区阳光普惠幼儿园",
            township=cast.town_a,
            nature=Nature.INCLUSIVE_PRIVATE,
            inclusive_recognised_on=datetime.date(2023, 9, 1),
        ),
        "private": KindergartenFactory(name="大洼区贝贝双语幼儿园", township=cast.town_a, nature=Nature.PRIVATE),
        "community": KindergartenFactory(name="大洼区社区办园点", township=cast.town_a, nature=Nature.COMMUNITY),
        "unlicensed": KindergartenFactory(name="大洼区无证看护点", township=cast.town_a, nature=Nature.UNLICENSED),
        "rectifying": KindergartenFactory(
            name="大洼区整改幼儿园", township=cast.town_a, nature=Nature.PUBLIC, status=Status.RECTIFYING
        ),
        "preparing": KindergartenFactory(
            name="大洼区筹设幼儿园", township=cast.town_a, nature=Nature.PUBLIC, status=Status.PREPARING
        ),
        "suspended": KindergartenFactory(
            name="大洼区停办幼儿园", township=cast.town_a, nature=Nature.PUBLIC, status=Status.SUSPENDED
        ),
        "closed": KindergartenFactory(
            name="大洼区注销幼儿园", township=cast.town_a, nature=Nature.PUBLIC, status=Status.CLOSED
        ),
    }
    assert a.pk == kgs["closed"].district_id
    return kgs


LISTED = {"inclusive_private", "private", "community", "rectifying"}
NOT_LISTED = {"unlicensed", "preparing", "suspended", "closed"}


# --- what is public -------------------------------------------------------------------------------


def test_public_kindergartens_are_the_operating_licensed_ones(cast, district_a):
    listed = set(public_kindergartens().values_list("pk", flat=True))
    expected = {cast.kg_a1.pk, cast.kg_a2.pk, cast.kg_b1.pk, cast.kg_c1.pk}
    expected |= {district_a[k].pk for k in LISTED}
    assert listed == expected


@pytest.mark.parametrize("key", sorted(NOT_LISTED))
def test_unlisted_kindergarten_profile_is_404(client, cast, district_a, key):
    response = client.get(reverse("public:kindergarten", args=[district_a[key].pk]))
    assert response.status_code == 404


def test_missing_kindergarten_and_city_bureau_are_404(client, cast):
    assert client.get(reverse("public:kindergarten", args=[999999])).status_code == 404
    assert client.get(reverse("public:district", args=[cast.city.pk])).status_code == 404
    assert client.get(reverse("public:district", args=[999999])).status_code == 404


def test_district_list_shows_exactly_the_listed_kindergartens(client, cast, district_a):
    response = client.get(reverse("public:district", args=[cast.district_a.pk]))
    assert response.status_code == 200
    assert ids(response) == {cast.kg_a1.pk, cast.kg_a2.pk} | {district_a[k].pk for k in LISTED}
    html = response.content.decode()
    for key in NOT_LISTED:
        assert district_a[key].name not in html
    assert cast.kg_b1.name not in html  # another district


def test_index_counts_per_district(client, cast, district_a):
    response = client.get(reverse("public:index"))
    assert response.status_code == 200
    counts = {d.pk: (d.listed_count, d.public_count, d.inclusive_count) for d in response.context["districts"]}
    # A: kg_a1, kg_a2 and rectifying are 公办; + 普惠性民办; + 非普惠性民办 and 社区办园点 are listed.
    assert counts[cast.district_a.pk] == (6, 3, 4)
    assert counts[cast.district_b.pk] == (1, 1, 1)
    assert counts[cast.district_c.pk] == (1, 1, 1)
    assert cast.city.pk not in counts  # cities are headings, not districts
    html = response.content.decode()
    assert reverse("public:district", args=[cast.district_a.pk]) in html
    assert "大洼区教育局" in html and "东城区教育委员会" in html


def test_inclusive_filter_is_public_plus_inclusive_private(client, cast, district_a):
    url = reverse("public:district", args=[cast.district_a.pk])
    response = client.get(url, {"nature": "inclusive"})
    expected = {cast.kg_a1.pk, cast.kg_a2.pk, district_a["rectifying"].pk, district_a["inclusive_private"].pk}
    assert ids(response) == expected
    assert response.context["inclusive_only"] is True
    assert ids(client.get(url, {"nature": "private"})) == {district_a["private"].pk}
    # 无证园 is not a choice: an invalid filter shows nothing and says so.
    response = client.get(url, {"nature": "unlicensed"})
    assert ids(response) == set()
    assert "筛选条件无效" in response.content.decode()


def test_district_filters_and_search(client, cast, district_a):
    url = reverse("public:district", args=[cast.district_a.pk])
    assert ids(client.get(url, {"township": cast.village_a.pk})) == {cast.kg_a2.pk}
    assert ids(client.get(url, {"q": "第一"})) == {cast.kg_a1.pk}
    assert ids(client.get(url, {"q": "阳光", "nature": "inclusive"})) == {district_a["inclusive_private"].pk}
    # Another district's township is not a valid choice here.
    assert ids(client.get(url, {"township": cast.town_b.pk})) == set()
    level = Level.objects.create(province="辽宁省", name="五星级", rank=5)
    kg = cast.kg_a2
    kg.level = level
    kg.save()
    response = client.get(url, {"level": level.pk})
    assert ids(response) == {kg.pk}
    assert list(response.context["form"].fields["level"].queryset) == [level]  # only levels in use


def test_search_across_districts(client, cast, district_a):
    url = reverse("public:search")
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["page"] is None
    response = client.get(url, {"q": "第一"})
    assert ids(response) == {cast.kg_a1.pk, cast.kg_c1.pk}
    # Unlisted kindergartens are not found by search either.
    assert ids(client.get(url, {"q": "注销"})) == set()
    assert ids(client.get(url, {"q": "无证"})) == set()
    assert ids(client.get(url, {"nature": "inclusive_private"})) == {district_a["inclusive_private"].pk}
    response = client.get(url, {"q": "x" * 51})
    assert response.context["page"] is None
    assert "搜索条件无效" in response.content.decode()


def test_pagination_keeps_filters(client, cast, settings):
    settings.PAGE_SIZE = 5
    for i in range(7):
        KindergartenFactory(name=f"大洼区普惠{i:02d}幼儿园", township=cast.town_a)
    url = reverse("public:district", args=[cast.district_a.pk])
    response = client.get(url, {"nature": "inclusive"})
    assert response.context["page"].paginator.count == 9
    assert "nature=inclusive&amp;page=2" in response.content.decode()
    response = client.get(url, {"nature": "inclusive", "page": 2})
    assert len(response.context["page"].object_list) == 4


# --- the profile -----------------------------------------------------------------------------------


def test_profile_shows_public_fields_and_published_findings(client, cast):
    kg = cast.kg_a1
    kg.fee_monthly = Decimal("1200.00")
    kg.fee_government_guided = True
    kg.credit_rating = cast.grade_a
    kg.level = cast.level_ln
    kg.credit_code = "91110000100000000X"
    kg.save()
    Violation.objects.create(
        kindergarten=kg,
        occurred_on=datetime.date(2025, 3, 2),
        description="超标准收取保教费",
        penalty="责令退还并通报批评",
        published=True,
    )
    Violation.objects.create(
        kindergarten=kg, occurred_on=datetime.date(2025, 4, 1), description="内部核查中的线索", penalty="待定"
    )
    AnnualInspection.objects.create(kindergarten=kg, year=2024, result="basic", published=True)
    AnnualInspection.objects.create(kindergarten=kg, year=2025, result="fail", published=False)

    response = client.get(reverse("public:kindergarten", args=[kg.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("大洼区第一幼儿园", "公办", "四星级", "1200 元/月", "A 级", "91110000100000000X"):
        assert text in html
    assert "超标准收取保教费" in html and "责令退还并通报批评" in html
    assert "内部核查中的线索" not in html  # not published
    assert [(i.year, i.result) for i in response.context["inspections"]] == [(2024, "basic")]
    assert "基本合格" in html and "不合格" not in html


def test_inclusive_private_profile_shows_recognition_date(client, cast, district_a):
    response = client.get(reverse("public:kindergarten", args=[district_a["inclusive_private"].pk]))
    html = response.content.decode()
    assert "普惠性民办" in html and "2023-09-01" in html and "普惠性幼儿园" in html


def test_list_shows_latest_published_inspection(client, cast):
    AnnualInspection.objects.create(kindergarten=cast.kg_a1, year=2023, result="fail", published=True)
    AnnualInspection.objects.create(kindergarten=cast.kg_a1, year=2024, result="pass", published=True)
    AnnualInspection.objects.create(kindergarten=cast.kg_a1, year=2025, result="fail", published=False)
    response = client.get(reverse("public:district", args=[cast.district_a.pk]))
    row = next(kg for kg in response.context["page"].object_list if kg.pk == cast.kg_a1.pk)
    assert (row.inspection_year, row.inspection_label) == (2024, "合格")
    other = next(kg for kg in response.context["page"].object_list if kg.pk == cast.kg_a2.pk)
    assert other.inspection_year is None and other.inspection_label == ""
    assert "2024 年 合格" in response.content.decode()


# --- no personal data ------------------------------------------------------------------------------


def test_no_personal_data_on_any_public_page(client, cast):
    kg = KindergartenFactory(
        name="大洼区隐私测试幼儿园",
        township=cast.town_a,
        nature=Nature.PRIVATE,
        principal_name=PRIVATE_NAME,
        sponsor_name="李四光",
        legal_vice_principal="王五福",
        address="大洼区建设路 8 号",
    )
    Violation.objects.create(
        kindergarten=kg,
        occurred_on=datetime.date(2025, 3, 2),
        description="未按规定公示收费",
        penalty="警告",
        published=True,
        recorded_by=cast.bureau_staff,
    )
    AnnualInspection.objects.create(kindergarten=kg, year=2024, result="pass", recorded_by=cast.bureau_staff)
    client.force_login(cast.bureau_staff)  # a signed-in visitor must not see their own name either
    for url in [*public_urls(cast, kg), reverse("public:search") + "?q=隐私"]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in (
            PRIVATE_NAME,
            "李四光",
            "王五福",
            cast.bureau_staff.full_name,
            cast.bureau_staff.username,
            cast.supervisor.full_name,  # kg_a1's responsible supervisor
            cast.kg_director.full_name,
            "退出登录",
            "csrfmiddlewaretoken",
        ):
            assert secret not in html, (url, secret)
    assert "大洼区建设路 8 号" in client.get(reverse("public:kindergarten", args=[kg.pk])).content.decode()


# --- the same cached page for everyone -------------------------------------------------------------


def test_anonymous_and_signed_in_get_the_same_page(client, cast):
    for url in public_urls(cast):
        cache.clear()
        anonymous = client.get(url)
        assert anonymous.status_code == 200
        cache.clear()
        client.force_login(cast.city_viewer)
        signed_in = client.get(url)
        client.logout()
        assert signed_in.status_code == 200
        assert signed_in.content == anonymous.content, url


@pytest.mark.parametrize("signed_in", [False, True])
def test_cache_headers(client, cast, signed_in):
    if signed_in:
        client.force_login(cast.kg_director)
    for url in public_urls(cast):
        response = client.get(url)
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert cache_control == {"public", "max-age=300"}, url
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
        assert "cookie" not in vary, (url, response.get("Vary"))
        assert not response.cookies, url  # nothing per-visitor rides on a shared page


def test_pages_are_served_from_the_cache(client, cast):
    url = reverse("public:district", args=[cast.district_a.pk])
    first = client.get(url)
    kg = cast.kg_a1
    kg.name = "大洼区第一幼儿园（改名）"
    kg.save()
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(url)
    assert len(ctx) == 0
    assert second.content == first.content
    # A signed-in visitor gets the same cached copy (the key is the URL, not the visitor).
    client.force_login(cast.bureau_admin)
    assert client.get(url).content == first.content
    cache.clear()
    assert "（改名）" in client.get(url).content.decode()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get_and_head(client, cast, method):
    for url in public_urls(cast):
        assert getattr(client, method)(url).status_code == 405, url
    assert client.head(reverse("public:index")).status_code == 200


# --- query counts ----------------------------------------------------------------------------------


def _count(client, url, **params):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx)


def _grow(cast, n):
    for i in range(n):
        kg = KindergartenFactory(
            name=f"大洼区新增{i:03d}幼儿园", township=cast.town_a if i % 2 else cast.village_a, level=cast.level_ln
        )
        AnnualInspection.objects.create(kindergarten=kg, year=2024, result="pass")
        AnnualInspection.objects.create(kindergarten=kg, year=2025, result="basic")
        Violation.objects.create(
            kindergarten=kg, occurred_on=datetime.date(2025, 1, 1), description="x", penalty="y", published=True
        )


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("public:index", {}),
        ("public:search", {"q": "幼儿园"}),
        ("public:district", {}),
        ("public:district", {"nature": "inclusive", "q": "大洼"}),
    ],
)
def test_list_query_counts_do_not_grow(client, cast, name, params):
    url = reverse(name, args=[cast.district_a.pk]) if name == "public:district" else reverse(name)
    few = _count(client, url, **params)
    _grow(cast, 60)  # more than a page
    assert _count(client, url, **params) == few
    assert few <= 6


def test_profile_query_count_does_not_grow(client, cast):
    url = reverse("public:kindergarten", args=[cast.kg_a1.pk])
    few = _count(client, url)
    for year in range(2010, 2025):
        AnnualInspection.objects.create(kindergarten=cast.kg_a1, year=year, result="pass")
        Violation.objects.create(
            kindergarten=cast.kg_a1, occurred_on=datetime.date(year, 1, 1), description="x", penalty="y", published=True
        )
    # profile, violations, inspections and the responsible supervisor's published sign (supervision's panel)
    assert _count(client, url) == few == 4
