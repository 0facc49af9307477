"""One definition of "counts for the district's figures": licensed and operating on the day.

Every figure (home page, 班额与学位, the city's breakdown) counts only what it says: no 无证园,
no 筹设 / 停办 / 注销 kindergarten, judged from the dated history; and each page says so.
"""

import datetime

import pytest
from django.urls import reverse

from kindergartens.models import Kindergarten, Nature, Status
from kindergartens.selectors import (
    COUNTED_DEFINITION,
    kindergartens_counted_on,
    not_counted_reason,
    registry_overview,
)
from kindergartens.services import class_create, kindergarten_create, kindergarten_update, today


def _kg(cast, name, nature, status=Status.OPERATING, township=None, capacity=100, children=(20,)):
    kg = kindergarten_create(
        actor=None,
        name=name,
        district=cast.district_a,
        township=township or cast.town_a,
        nature=nature,
        status=status,
        effective_date=datetime.date(2024, 9, 1),
        capacity=capacity,
        inclusive_recognised_on=datetime.date(2024, 9, 1) if nature == Nature.INCLUSIVE_PRIVATE else None,
    )
    for i, n in enumerate(children):
        class_create(actor=None, kindergarten=kg, name=f"大{i + 1}班", class_type="large", children=n)
    return kg


@pytest.fixture
def mixed(cast):
    """District A: the cast's two operating 公办 (kg_a1, kg_a2) plus one of each kind that must not count."""
    made = {
        "inclusive": _kg(cast, "普惠园", Nature.INCLUSIVE_PRIVATE, capacity=200, children=(30, 30)),
        "community": _kg(cast, "社区办园点", Nature.COMMUNITY, township=cast.village_a, capacity=60, children=(25,)),
        "preparing": _kg(cast, "筹设园", Nature.PUBLIC, status=Status.PREPARING, capacity=300, children=()),
        "unlicensed": _kg(cast, "看护点", Nature.UNLICENSED, capacity=40, children=(28,)),
        "suspended": _kg(cast, "停办园", Nature.PRIVATE, capacity=150, children=(10,)),
    }
    kindergarten_update(
        actor=None,
        kindergarten=made["suspended"],
        changes={"status": Status.SUSPENDED},
        effective_date=datetime.date(2025, 1, 1),
        check_rights=False,
    )
    return made


def test_the_definition(cast, mixed):
    counted = set(kindergartens_counted_on(Kindergarten.objects.all(), today()).values_list("name", flat=True))
    assert {"普惠园", "社区办园点", cast.kg_a1.name, cast.kg_a2.name} <= counted
    assert not {"筹设园", "看护点", "停办园"} & counted
    assert not_counted_reason("preparing", "public") == "筹设"
    assert not_counted_reason("operating", "unlicensed") == "无证园"
    assert not_counted_reason("rectifying", "private") is None
    assert not_counted_reason(None, None) == "尚未登记"


def test_the_definition_reads_the_month_from_the_history(cast, mixed):
    """停办园 was operating in December 2024 and counted then; from January 2025 it does not."""
    qs = Kindergarten.objects.filter(pk=mixed["suspended"].pk)
    assert kindergartens_counted_on(qs, datetime.date(2024, 12, 31)).exists()
    assert not kindergartens_counted_on(qs, datetime.date(2025, 1, 31)).exists()
    assert not kindergartens_counted_on(qs, datetime.date(2024, 8, 31)).exists()  # not registered yet


def test_home_page_counts_only_what_counts(client, cast, mixed):
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("core:home"))
    html = response.content.decode()
    overview = registry_overview(Kindergarten.objects.filter(district=cast.district_a), today())
    # kg_a1, kg_a2 (公办), 普惠园, 社区办园点; 普惠性 = the two 公办 + 普惠园, not the 筹设 公办.
    assert (overview["total"], overview["inclusive"], overview["community"]) == (4, 3, 1)
    assert dict(overview["not_counted"]) == {"筹设": 1, "停办": 1, "无证园": 1}
    assert 'data-testid="count-total">4<' in html
    assert 'data-testid="count-inclusive">3<' in html
    assert 'data-testid="count-not-counted">3<' in html
    assert COUNTED_DEFINITION in html


def test_city_breakdown_counts_only_what_counts(client, cast, mixed):
    client.force_login(cast.city_viewer)
    response = client.get(reverse("core:home"))
    html = response.content.decode()
    table = html[html.index('data-testid="by-district"') :]
    # The district (not the bureau), its counted kindergartens, 普惠性 and 农村 (kg_a2 and 社区办园点).
    assert '<td>大洼区</td><td class="text-end">4</td><td class="text-end">3</td><td class="text-end">2</td>' in table
    assert "大洼区教育局" not in table


def test_compliance_totals_count_only_what_counts(client, cast, mixed):
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("kindergartens:compliance"))
    totals = response.context["totals"]
    kg_classes = sum(k.classes.filter(is_active=True).count() for k in (cast.kg_a1, cast.kg_a2))
    kg_children = sum(c.children for k in (cast.kg_a1, cast.kg_a2) for c in k.classes.filter(is_active=True))
    capacity = cast.kg_a1.capacity + cast.kg_a2.capacity + 200 + 60
    assert totals["classes"] == kg_classes + 3
    assert totals["enrolled"] == kg_children + 85
    assert totals["capacity"] == capacity
    listed = {kg.name for kg in response.context["page"].object_list}
    assert not {"筹设园", "看护点", "停办园"} & listed
    assert COUNTED_DEFINITION in response.content.decode()


def test_a_change_effective_today_counts_at_once(cast, mixed):
    """A change dated today is in force today even before the 00:05 task runs."""
    kg = Kindergarten.objects.get(pk=mixed["preparing"].pk)
    kindergarten_update(actor=cast.bureau_staff, kindergarten=kg, changes={"status": Status.OPERATING})
    assert kindergartens_counted_on(Kindergarten.objects.filter(pk=kg.pk), today()).exists()


# The home page also carries the indicator dashboard card (issue 13): its own fixed 13 queries (the
# frame, each indicator's data, targets, the attention counts), pinned not to grow with the rows by
# tests/indicators/test_views.py::test_home_page_queries_do_not_grow. The overview's bound is unchanged.
INDICATOR_CARD_QUERIES = 13
# Safety's card (open incidents, one query) and pairing's (agreements by state and the year's rural
# participation against the city's target) arrived with their apps; each is a fixed number too.
SAFETY_AND_PAIRING_CARD_QUERIES = 2
# The reports inbox card: the city viewer files the city's own reports (市报省, the December pairing
# summary), so its home asks for them as a director's does: one query for those due, overdue or returned.
REPORTS_INBOX_CARD_QUERIES = 1
# Safety's and pairing's indicators (safety/indicators.py, pairing/indicators.py) add one query each
# for the current month, computed row by row from today's data: hazard orders, incidents, facility records (the video
# and safety-officer figures share it), school buses, pairing parties. The past months stay in the one
# set-based query (indicators.totals), so this is fixed too, whatever the rows or months.
SAFETY_AND_PAIRING_INDICATOR_QUERIES = 5
# Pairing's participation indicator is judged by the city's yearly pairing target (pairing/indicators.py's
# city_targets, the target the pairing overview shows): one query, whatever the rows.
PAIRING_TARGET_QUERIES = 1


def test_overview_costs_a_fixed_number_of_queries(client, cast, mixed, django_assert_max_num_queries):
    client.force_login(cast.city_viewer)
    bound = (
        12
        + INDICATOR_CARD_QUERIES
        + SAFETY_AND_PAIRING_CARD_QUERIES
        + REPORTS_INBOX_CARD_QUERIES
        + SAFETY_AND_PAIRING_INDICATOR_QUERIES
        + PAIRING_TARGET_QUERIES
    )
    with django_assert_max_num_queries(bound):
        assert client.get(reverse("core:home")).status_code == 200
