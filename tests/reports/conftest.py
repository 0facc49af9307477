"""Fixtures for the reporting engine: the cast with the shipped report types, its kindergartens
registered since 2024 (so they owe the months the tests use whatever today is), and helpers.

Months used: February 2025 (report due 10 March 2025, grace until 15 March) and January 2025.
"""

import datetime
import zoneinfo

import pytest
import time_machine

from kindergartens.models import KindergartenStatusChange
from reports.models import ReportType
from reports.services import report_types_ensure_defaults, submissions_open

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
FEB = datetime.date(2025, 2, 1)
JAN = datetime.date(2025, 1, 1)


def beijing(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def at():
    """``with at(2025, 3, 10, 23, 59, 59):`` freezes the clock at that Beijing time."""

    def travel(*args):
        return time_machine.travel(beijing(*args), tick=False)

    return travel


@pytest.fixture
def rcast(cast):
    """The cast, its kindergartens' history back-dated to 2024-01-01, and the two shipped types."""
    KindergartenStatusChange.objects.filter(kindergarten__in=[cast.kg_a1, cast.kg_a2, cast.kg_b1, cast.kg_c1]).update(
        effective_date=datetime.date(2024, 1, 1)
    )
    report_types_ensure_defaults()
    cast.kg_type = ReportType.objects.get(code="kg-monthly")
    cast.district_type = ReportType.objects.get(code="district-monthly")
    return cast


def good_data(**overrides) -> dict:
    """A complete kindergarten monthly report that breaks no rule."""
    data = {
        "children": 100,
        "classes": 4,
        "staff_total": 20,
        "staff_joined": 1,
        "staff_left": 0,
        "video_checked": "yes",
        "video_full_coverage": "yes",
        "video_retention_days": 30,
        "video_networked": "yes",
        "drills": [{"date": "2025-02-12", "kind": "fire", "participants": 120}],
        "no_incident": "confirmed",
    }
    data.update(overrides)
    return data


@pytest.fixture
def feb_open(rcast, at):
    """February 2025's kindergarten reports opened on 1 March; returns the cast."""
    with at(2025, 3, 1, 1, 0, 0):
        submissions_open(report_type=rcast.kg_type, month=FEB)
    return rcast
