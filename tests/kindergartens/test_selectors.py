"""Reads over the registry: status and nature "as of" a day (month ends), class-size compliance, enrolment."""

import datetime
import zoneinfo

import pytest
import time_machine

from kindergartens.forms import month_end
from kindergartens.models import Kindergarten, Nature, Schedule, Status
from kindergartens.selectors import (
    class_size_limit,
    classes_with_compliance,
    compliance_by_district,
    district_compliance,
    kindergartens_as_of,
    kindergartens_inclusive_on,
    kindergartens_operating_on,
    with_enrolment,
)
from kindergartens.services import class_create, class_deactivate, kindergarten_create, kindergarten_update

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


def build_dated(cast):
    """Two kindergartens with a history recorded through kindergarten_update, as the bureau would.

    - 阳光: private from 2024-09-01; recognised 普惠性民办 on 2025-02-28 (a month end; the nature
      changes on the recognition date); 整改 on 2025-03-31 (the next month end), back to 在办 on 2025-04-01.
    - 星星: public from 2024-09-01; 停办 from 2025-03-15, closed (注销) from 2025-03-16.
    """
    with time_machine.travel(datetime.datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        sun = kindergarten_create(
            actor=None,
            name="阳光幼儿园",
            district=cast.district_a,
            township=cast.town_a,
            nature=Nature.PRIVATE,
            effective_date=D(2024, 9, 1),
        )
        star = kindergarten_create(
            actor=None,
            name="星星幼儿园",
            district=cast.district_a,
            township=cast.village_a,
            nature=Nature.PUBLIC,
            effective_date=D(2024, 9, 1),
        )
        staff = cast.bureau_staff
        kindergarten_update(
            actor=staff,
            kindergarten=sun,
            changes={"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": D(2025, 2, 28)},
        )
        kindergarten_update(
            actor=staff, kindergarten=sun, changes={"status": Status.RECTIFYING}, effective_date=D(2025, 3, 31)
        )
        kindergarten_update(
            actor=staff, kindergarten=sun, changes={"status": Status.OPERATING}, effective_date=D(2025, 4, 1)
        )
        kindergarten_update(
            actor=staff, kindergarten=star, changes={"status": Status.SUSPENDED}, effective_date=D(2025, 3, 15)
        )
        kindergarten_update(
            actor=staff, kindergarten=star, changes={"status": Status.CLOSED}, effective_date=D(2025, 3, 16)
        )
    return sun, star


@pytest.fixture
def dated(cast):
    return build_dated(cast)


def values_on(kg, day):
    row = kindergartens_as_of(Kindergarten.objects.filter(pk=kg.pk), day).get()
    return row.status_on, row.nature_on


@pytest.mark.parametrize(
    ("day", "sun", "star"),
    [
        (D(2024, 8, 31), (None, None), (None, None)),  # not registered yet
        (D(2024, 9, 1), ("operating", "private"), ("operating", "public")),
        (D(2025, 2, 27), ("operating", "private"), ("operating", "public")),
        (D(2025, 2, 28), ("operating", "inclusive_private"), ("operating", "public")),  # February's last day
        (D(2025, 3, 14), ("operating", "inclusive_private"), ("operating", "public")),
        (D(2025, 3, 31), ("rectifying", "inclusive_private"), ("closed", "public")),
        (D(2025, 4, 30), ("operating", "inclusive_private"), ("closed", "public")),
    ],
)
def test_values_as_of_a_day(dated, day, sun, star):
    assert values_on(dated[0], day) == sun
    assert values_on(dated[1], day) == star


def test_operating_and_inclusive_in_a_month_count_at_its_last_day(cast, dated):
    sun, star = dated
    ours = Kindergarten.objects.filter(pk__in=[sun.pk, star.pk])

    def ids(qs):
        return set(qs.values_list("pk", flat=True))

    # February 2025: both operating; only the public one and the newly recognised 普惠 one are inclusive.
    assert ids(kindergartens_operating_on(ours, month_end("2025-02"))) == {sun.pk, star.pk}
    assert ids(kindergartens_inclusive_on(ours, month_end("2025-02"))) == {sun.pk, star.pk}
    assert ids(kindergartens_inclusive_on(ours, D(2025, 2, 27))) == {star.pk}
    # March 2025: 星星 closed mid-month; 阳光 in 整改 still enrols children, so it counts as operating.
    assert ids(kindergartens_operating_on(ours, month_end("2025-03"))) == {sun.pk}
    assert ids(kindergartens_inclusive_on(ours, month_end("2025-03"))) == {sun.pk}
    # Before registration nothing counts.
    assert ids(kindergartens_operating_on(ours, month_end("2024-08"))) == set()


def test_same_day_changes_the_later_recorded_wins(cast):
    with time_machine.travel(datetime.datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI)):
        kg = kindergarten_create(
            actor=None, name="同日园", district=cast.district_a, township=cast.town_a, nature=Nature.PUBLIC,
            effective_date=D(2025, 1, 1),
        )  # fmt: skip
        for status in (Status.SUSPENDED, Status.RECTIFYING):
            kindergarten_update(
                actor=cast.bureau_staff, kindergarten=kg, changes={"status": status}, effective_date=D(2025, 5, 1)
            )
    assert values_on(kg, D(2025, 5, 1))[0] == "rectifying"


def test_month_end_handles_february_and_rejects_junk():
    assert month_end("2024-02") == D(2024, 2, 29)
    assert month_end("2025-02") == D(2025, 2, 28)
    assert month_end("2025-12") == D(2025, 12, 31)
    for junk in ("2025-13", "2025-00", "25-03", "2025/03", "", None, "1800-01"):
        assert month_end(junk) is None


# --- class sizes --------------------------------------------------------------------------------


def test_limits_come_from_settings(settings):
    assert [class_size_limit(t, Schedule.FULL_DAY) for t in ("small", "middle", "large", "mixed")] == [25, 30, 35, 30]
    assert [class_size_limit(t, Schedule.HALF_DAY) for t in ("small", "middle", "large", "mixed")] == [25, 30, 35, 30]
    boarding = settings.CLASS_SIZE_LIMITS_BOARDING
    assert [class_size_limit(t, Schedule.BOARDING) for t in ("small", "middle", "large", "mixed")] == [
        boarding[t] for t in ("small", "middle", "large", "mixed")
    ]
    assert all(boarding[t] < settings.CLASS_SIZE_LIMITS[t] for t in boarding)


def build_classes(cast):
    """kg_a1 (full day, capacity 200) and kg_a2 (boarding, capacity 100) with classes at and over the limits.

    Both already have the cast's 小一班 (small, 20): compliant in both (boarding small limit 20).
    Counted: 7 active classes, 3 compliant, 234 children, 300 places.
    """
    staff = cast.bureau_staff
    kindergarten_update(actor=staff, kindergarten=cast.kg_a1, changes={"capacity": 200})
    kindergarten_update(actor=staff, kindergarten=cast.kg_a2, changes={"capacity": 100, "schedule": Schedule.BOARDING})
    for kg, name, class_type, children in [
        (cast.kg_a1, "小二班", "small", 26),  # over 25
        (cast.kg_a1, "大一班", "large", 35),  # at 35: compliant
        (cast.kg_a1, "混合班", "mixed", 31),  # over 30
        (cast.kg_a2, "中一班", "middle", 26),  # boarding middle limit 25: over (compliant in a day kindergarten)
        (cast.kg_a2, "大一班", "large", 76),
    ]:
        class_create(actor=staff, kindergarten=kg, name=name, class_type=class_type, children=children)
    stopped = class_create(actor=staff, kindergarten=cast.kg_a1, name="旧班", class_type="large", children=99)
    class_deactivate(actor=staff, klass=stopped)  # stopped classes count for nothing
    cast.kg_a1.refresh_from_db()
    cast.kg_a2.refresh_from_db()
    return cast


@pytest.fixture
def classes(cast):
    return build_classes(cast)


def test_classes_with_compliance(classes):
    rows = {c.name: (c.size_limit, c.compliant) for c in classes_with_compliance(classes.kg_a1)}
    assert rows == {"小一班": (25, True), "小二班": (25, False), "大一班": (35, True), "混合班": (30, False)}
    rows = {c.name: (c.size_limit, c.compliant) for c in classes_with_compliance(classes.kg_a2)}
    assert rows == {"小一班": (20, True), "中一班": (25, False), "大一班": (30, False)}


def test_with_enrolment_per_kindergarten(classes):
    rows = {
        kg.pk: (kg.enrolled, kg.class_count, kg.compliant_classes)
        for kg in with_enrolment(Kindergarten.objects.filter(district=classes.district_a))
    }
    assert rows == {classes.kg_a1.pk: (112, 4, 2), classes.kg_a2.pk: (122, 3, 1)}


def test_district_compliance_totals(classes):
    qs = Kindergarten.objects.filter(district=classes.district_a)
    totals = district_compliance(qs)
    assert totals == {
        "classes": 7,
        "compliant": 3,
        "enrolled": 234,
        "capacity": 300,
        "compliance_rate": 3 / 7,
        "enrolment_rate": 234 / 300,
    }
    # The same numbers from querysets that carry the class join: each capacity is counted once.
    assert district_compliance(with_enrolment(qs)) == totals
    assert district_compliance(qs.filter(classes__is_active=True)) == totals


def test_compliance_by_district(classes):
    rows = compliance_by_district(Kindergarten.objects.exclude(district=classes.district_c))
    by_name = {r["district__name"]: r for r in rows}
    assert set(by_name) == {"大洼区教育局", "双台子区教育局"}
    a = by_name["大洼区教育局"]
    assert (a["kindergartens"], a["classes"], a["compliant"], a["enrolled"], a["capacity"]) == (2, 7, 3, 234, 300)
    b = by_name["双台子区教育局"]  # the cast's kg_b1 with its 小一班 of 20 and no capacity
    assert (b["kindergartens"], b["classes"], b["compliant"], b["enrolled"], b["capacity"]) == (1, 1, 1, 20, 0)
    assert b["enrolment_rate"] is None


def test_kindergartens_on_agrees_with_the_history_row_by_row(cast):
    """The fast as-of filter (current column unless changed since) equals the slow per-row definition."""
    import datetime

    from kindergartens.models import Kindergarten
    from kindergartens.selectors import kindergartens_as_of, kindergartens_on
    from kindergartens.services import kindergarten_update, today

    d = datetime.date
    kindergarten_update(
        actor=cast.bureau_admin,
        kindergarten=Kindergarten.objects.get(pk=cast.kg_a1.pk),
        changes={"status": "rectifying"},
        effective_date=d(2025, 3, 10),
    )  # back-dated: the current status stays what today's history says
    kindergarten_update(
        actor=cast.bureau_admin,
        kindergarten=Kindergarten.objects.get(pk=cast.kg_a2.pk),
        changes={"status": "suspended", "nature": "private"},
        effective_date=today() - datetime.timedelta(days=3),
    )
    for status, days_ahead in (("suspended", 5), ("closed", 10)):  # 注销 only after 停办
        kindergarten_update(
            actor=cast.admin_b,
            kindergarten=Kindergarten.objects.get(pk=cast.kg_b1.pk),
            changes={"status": status},
            effective_date=today() + datetime.timedelta(days=days_ahead),
        )
    everything = Kindergarten.objects.all()
    days = [d(2025, 3, 31), today() - datetime.timedelta(days=5), today(), today() + datetime.timedelta(days=30)]
    for day in days:
        slow = {
            kg.pk: (kg.status_on, kg.nature_on)
            for kg in kindergartens_as_of(everything, day)
            if kg.status_on is not None
        }
        assert set(kindergartens_on(everything, day).values_list("pk", flat=True)) == set(slow), day
        for statuses in (["operating"], ["rectifying", "suspended", "closed"]):
            for natures in (None, ["public"], ["private"]):
                expected = {
                    pk for pk, (st, na) in slow.items() if st in statuses and (natures is None or na in natures)
                }
                got = set(
                    kindergartens_on(everything, day, statuses=statuses, natures=natures).values_list("pk", flat=True)
                )
                assert got == expected, (day, statuses, natures)
