"""Coverage per term and assessment cycle; supervisors' load."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision.coverage import term_of, years_before
from supervision.models import ChecklistTemplate, Inspection
from supervision.services import supervisor_assign
from tests.factories import KindergartenFactory


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        ("2026-01-31", "2025-08-01", "2026-01-31"),
        ("2026-02-01", "2026-02-01", "2026-07-31"),
        ("2026-07-31", "2026-02-01", "2026-07-31"),
        ("2026-08-01", "2026-08-01", "2027-01-31"),
    ],
)
def test_terms(day, start, end):
    term = term_of(datetime.date.fromisoformat(day))
    assert (term.start.isoformat(), term.end.isoformat()) == (start, end)


def test_years_before_on_29_february():
    assert years_before(datetime.date(2028, 2, 29), 5) == datetime.date(2023, 2, 28)


def _visit(kg, day, kind="routine", state="submitted"):
    template = ChecklistTemplate.objects.get(family="safety", is_current=True)
    return Inspection.objects.create(kindergarten=kg, kind=kind, template=template, planned_on=day, state=state)


def test_coverage_flags_who_is_behind(client, cast):
    d = datetime.date
    for day in (d(2026, 2, 1), d(2026, 7, 31)):  # both in the spring term 2026
        _visit(cast.kg_a1, day)
    _visit(cast.kg_a1, d(2022, 6, 1), kind="comprehensive")  # within 5 years of 2026-03-01
    _visit(cast.kg_a2, d(2026, 3, 1))
    _visit(cast.kg_a2, d(2026, 1, 31))  # the autumn term: does not count for spring
    _visit(cast.kg_a2, d(2026, 3, 2), state="planned")  # not submitted: does not count
    _visit(cast.kg_a2, d(2021, 2, 28), kind="comprehensive")  # more than 5 years before
    _visit(cast.kg_b1, d(2026, 3, 1))  # another district
    client.force_login(cast.bureau_staff)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        response = client.get(reverse("supervision:coverage"))
        figures = response.context["figures"]
        behind = {kg.name: (kg.term_count, kg.assessment) for kg in response.context["page"].object_list}
        everyone = client.get(reverse("supervision:coverage"), {"show": "all"}).context["page"].object_list
    assert figures == {"total": 2, "short": 1, "assessment_overdue": 1}
    assert behind == {"西安镇中心幼儿园": (1, "已超期或从未评估")}
    assert {kg.name: kg.term_count for kg in everyone} == {"大洼区第一幼儿园": 2, "西安镇中心幼儿园": 1}
    assert "2026 年春季学期" in response.content.decode()
    client.force_login(cast.supervisor)  # kg_a1 only, which is not behind
    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        assert client.get(reverse("supervision:coverage")).context["page"].object_list == []


def test_coverage_page_costs_fixed_queries(client, cast):
    client.force_login(cast.bureau_staff)
    url = reverse("supervision:coverage") + "?show=all"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        kg = KindergartenFactory(township=cast.town_a)
        _visit(kg, datetime.date(2026, 3, n + 1))
    client.get(url)  # warm-up: a new kindergarten invalidates the cached signed-in user (accounts.backends)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_load_warns_above_the_configured_number(client, cast, settings):
    settings.SUPERVISOR_LOAD_WARNING = 2
    client.force_login(cast.bureau_admin)
    for _ in range(2):
        supervisor_assign(
            actor=cast.bureau_admin, kindergarten=KindergartenFactory(township=cast.town_a), supervisor=cast.supervisor
        )
    page = client.get(reverse("supervision:supervisor-load")).content.decode()
    assert 'data-testid="load-warning"' in page  # supervisor holds kg_a1 + 2 = 3 > 2
    kg = KindergartenFactory(township=cast.town_a)
    response = client.post(
        reverse("kindergartens:assign-supervisor", args=[kg.pk]), {"supervisor": cast.supervisor.pk}, follow=True
    )
    assert "现负责 4 所幼儿园，超过 2 所" in response.content.decode()
    settings.SUPERVISOR_LOAD_WARNING = 5
    assert 'data-testid="load-warning"' not in client.get(reverse("supervision:supervisor-load")).content.decode()
