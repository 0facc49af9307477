"""seed_demo carries the 盘锦 plan of seed 004 as written: the 2024 mismatch (21 vs 22) shows."""

import io

from django.core.management import call_command

from kindergartens.models import Bureau
from pairing.models import Agreement, CityTarget, YearPlan
from pairing.selectors import plan_checks


def test_the_demo_plan_shows_the_2024_mismatch(db):
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    city = Bureau.objects.get(name="盘锦市教育局")
    districts = list(Bureau.objects.filter(parent=city).order_by("name"))
    assert list(CityTarget.objects.filter(city=city).values_list("year", "participants")) == [
        (2024, 22), (2025, 20), (2026, 14),
    ]  # fmt: skip
    figures = {
        (p.district.name, p.year): (p.helping_count, p.helped_count)
        for p in YearPlan.objects.select_related("district")
    }
    assert figures[("盘山县教育局", 2024)] == (3, 3)
    assert figures[("双台子区教育局", 2024)] == (1, 1)
    assert figures[("大洼区教育局", 2024)] == (6, 7)
    assert ("双台子区教育局", 2025) not in figures
    [check] = plan_checks(city, 2024, districts)["city_checks"]
    assert (check.left, check.right, check.ok) == (22, 21, False)
    assert plan_checks(city, 2026, districts)["city_checks"][0].ok  # 2+2 + 1+1 + 4+4 = 14
    states = set(Agreement.objects.values_list("state", flat=True))
    assert {"active", "submitted"} <= states
    assert Agreement.objects.filter(mode="cross_district", confirmations__isnull=False).distinct().count() == 1
    # A second run adds nothing.
    agreements = Agreement.objects.count()
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    assert Agreement.objects.count() == agreements
