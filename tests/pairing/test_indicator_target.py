"""One target for rural participation in pairing: the city's yearly CityTarget.rural_share, which the
pairing overview shows, is the target the indicator dashboard judges the city and each of its
districts by. The indicators' own target table does not hold it (a row left there is not read)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.indicators import Figure, get_indicator
from indicators.forms import TargetForm
from indicators.models import Target
from indicators.selectors import cell, targets_for
from indicators.services import target_save
from pairing.models import CityTarget
from tests.safety.helpers import beijing

CODE = "pairing-rural"


def _city_target(cast, year, share):
    return CityTarget.objects.create(
        city=cast.city,
        year=year,
        participants=20,
        rural_share=share,
        plan_due=datetime.date(year, 9, 5),
        agreements_due=datetime.date(year, 10, 15),
    )


@pytest.fixture
def targets(cast):
    _city_target(cast, 2025, "35.0")
    _city_target(cast, 2026, "25.0")
    # A row of the indicators' table for the same indicator (made before the rule, or by hand): ignored.
    Target.objects.create(bureau=cast.district_a, indicator=CODE, year=2026, value=99)
    return cast


def test_the_city_and_its_districts_are_judged_by_the_citys_yearly_target(targets):
    cast = targets
    found = targets_for([cast.district_a.pk, cast.city.pk, cast.district_c.pk])
    for bureau in (cast.district_a, cast.city):
        assert [(t.year, float(t.value)) for t in found[(bureau.pk, CODE)]] == [(2025, 35.0), (2026, 25.0)]
    assert (cast.district_c.pk, CODE) not in found  # another city's district: its city set nothing
    indicator = get_indicator(CODE)
    may = cell(
        indicator, Figure(numerator=3, denominator=10), found[(cast.district_a.pk, CODE)], datetime.date(2025, 5, 1)
    )
    assert (float(may.target), may.target_year, may.on_track) == (35.0, 2025, False)  # 30% < 35%
    june = cell(
        indicator, Figure(numerator=3, denominator=10), found[(cast.district_a.pk, CODE)], datetime.date(2026, 6, 1)
    )
    assert (float(june.target), june.target_year, june.on_track) == (25.0, 2026, True)


def test_the_district_dashboard_shows_it(client, targets):
    with time_machine.travel(beijing(2026, 6, 15, 10), tick=False):
        client.force_login(targets.bureau_staff)
        html = client.get(reverse("indicators:dashboard")).content.decode()
    shown = html.split(f'data-testid="target-{CODE}"')[1].split("</")[0]
    assert "25.0%" in shown and "99" not in shown


def test_it_is_not_set_on_the_indicators_target_page(client, targets):
    cast = targets
    assert CODE not in dict(TargetForm().fields["indicator"].choices)
    before = list(Target.objects.values_list("pk", "value"))
    with pytest.raises(ValidationError) as refused:
        target_save(user=cast.bureau_admin, bureau=cast.district_a, indicator=CODE, year=2027, value=50)
    assert "年度帮扶目标" in refused.value.messages[0]
    client.force_login(cast.bureau_admin)
    page = client.post(reverse("indicators:target-new"), {"indicator": CODE, "year": 2027, "value": 50})
    assert page.status_code == 200 and list(Target.objects.values_list("pk", "value")) == before
    html = client.get(reverse("indicators:target-list")).content.decode()
    note = html.split('data-testid="target-kept-elsewhere"')[1].split("</p>")[0]
    assert "农村园结对帮扶参与率" in note and "年度帮扶目标" in note
    assert "2025年 35.0%" in note and "2026年 25.0%" in note
