"""Scheduled work: opening each month's submissions, the daily digest (reminders 3 and 1 days before, the
day after, escalation 3 days after, earlier months chased too), district builds; all idempotent.

The clock is frozen in Beijing time at the edges: 23:59:59 and 00:00:00 around the due day (10 March
2025 for February's reports), the turn of a month, February of a leap year.
"""

import datetime

import pytest
from django.conf import settings
from django.db import DatabaseError

from config.celery import app
from core.models import Notification
from reports.models import Submission
from reports.schedule import (
    build_due_district_reports,
    escalation_due,
    open_due_submissions,
    reminder_due,
    send_daily_digests,
)
from reports.services import submission_submit
from tests.reports.conftest import FEB, JAN, good_data

D = datetime.date


def _digests(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, digest_key__startswith="reports-digest:").order_by("pk"))


def test_reminder_and_escalation_days():
    assert [d for d in range(-5, 30) if reminder_due(d)] == [-3, -1, 1, 8, 15, 22, 29]
    assert [d for d in range(-5, 30) if escalation_due(d)] == [3, 10, 17, 24]


def test_beat_schedule_in_beijing_time():
    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks = {entry["task"]: entry["schedule"] for entry in schedule.values()}
    assert tasks["reports.tasks.open_submissions"].hour == {0} and tasks["reports.tasks.open_submissions"].minute == {
        30
    }
    assert tasks["reports.tasks.build_district_reports"].hour == {1}
    assert tasks["reports.tasks.send_reminders"].hour == {8}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    app.loader.import_default_modules()
    for name in (
        "reports.tasks.open_submissions",
        "reports.tasks.send_reminders",
        "reports.tasks.build_district_reports",
    ):
        task = app.tasks[name]
        assert DatabaseError in task.autoretry_for and task.retry_backoff and task.acks_late, name


# --- opening -------------------------------------------------------------------------------------------


def test_open_at_the_turn_of_the_month_in_beijing(rcast, at):
    """23:59:59 on 28 February (Beijing) is still February: January's reports are the ones due; one second
    later it is March (while UTC is still 28 February) and February's reports open."""
    with at(2025, 2, 28, 23, 59, 59):
        open_due_submissions()
    assert set(Submission.objects.values_list("month", flat=True)) == {D(2024, 12, 1), JAN}
    with at(2025, 3, 1, 0, 0, 0):
        assert open_due_submissions() == 7  # February: 4 kindergartens and 3 districts
        assert open_due_submissions() == 0  # doubled run
    feb = Submission.objects.filter(month=FEB)
    assert feb.count() == 7 and set(feb.values_list("due_date", flat=True)) == {D(2025, 3, 10)}


def test_open_in_a_leap_year(rcast, at):
    with at(2024, 3, 1, 0, 30, 0):
        open_due_submissions()
    feb = Submission.objects.filter(month=D(2024, 2, 1), report_type=rcast.kg_type)
    assert feb.count() == 4 and feb.first().due_date == D(2024, 3, 10)


def test_a_missed_month_turn_is_caught_up(rcast, at):
    with at(2025, 4, 2, 0, 30, 0):  # nothing ran in March
        open_due_submissions()
    assert set(Submission.objects.values_list("month", flat=True)) == {FEB, D(2025, 3, 1)}


# --- the daily digest ----------------------------------------------------------------------------------


@pytest.fixture
def feb(rcast, at):
    with at(2025, 3, 1, 0, 30, 0):
        open_due_submissions()  # February's reports, and January's (still open: chased)
    return rcast


def _january_done():
    """January's reports are already in: only February's can be reminded of."""
    Submission.objects.filter(month=JAN).update(
        state="approved", first_submitted_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC), on_time=True
    )


def _digest_on(at, *moment):
    with at(*moment):
        return send_daily_digests()


@pytest.mark.parametrize(
    ("moment", "director_hears"),
    [
        ((2025, 3, 7, 8, 0, 0), True),  # due - 3
        ((2025, 3, 8, 8, 0, 0), False),
        ((2025, 3, 9, 23, 59, 59), True),  # due - 1, last second of the day
        ((2025, 3, 10, 0, 0, 0), False),  # the due day itself
        ((2025, 3, 10, 23, 59, 59), False),
        ((2025, 3, 11, 0, 0, 0), True),  # due + 1, first second
        ((2025, 3, 12, 8, 0, 0), False),
        ((2025, 3, 18, 8, 0, 0), True),  # due + 8: chased again a week later
    ],
)
def test_reminders_around_the_due_day(feb, at, moment, director_hears):
    _january_done()
    _digest_on(at, *moment)
    assert bool(_digests(feb.kg_director)) is director_hears


def test_escalation_three_days_after_to_supervisor_and_bureau(feb, at):
    _january_done()
    with at(2025, 3, 10, 9, 0, 0):  # kg_a2 submits; kg_a1 does not
        submission_submit(
            actor=feb.director_a2,
            submission=Submission.objects.get(month=FEB, kindergarten=feb.kg_a2),
            data=good_data(),
        )
    _digest_on(at, 2025, 3, 12, 23, 59, 59)
    assert not Notification.objects.exists()
    _digest_on(at, 2025, 3, 13, 0, 0, 0)
    for user in (feb.supervisor, feb.bureau_admin, feb.bureau_staff):
        (digest,) = _digests(user)
        assert "以下报表已逾期，请督促报送：" in digest.body
        assert f"{feb.kg_a1.name}：2025年2月幼儿园月报，未报送，已逾期 3 天（03月10日截止）" in digest.body
        assert feb.kg_a2.name not in digest.body
    assert not _digests(feb.director_a2)  # submitted: no reminder
    (other,) = _digests(feb.admin_b)  # district B's bureau hears of district B only
    assert feb.kg_b1.name in other.body and feb.kg_a1.name not in other.body
    assert feb.kg_a1.name not in _digests(feb.supervisor_b)[0].body


def test_one_digest_per_person_chasing_earlier_months_too(feb, at):
    """On 11 March the director of kg_a1 owes February (due + 1) and January (due + 29): one message."""
    _digest_on(at, 2025, 3, 11, 8, 0, 0)
    (digest,) = _digests(feb.kg_director)
    assert digest.title == "月报提醒（3月11日）：2 项待办"
    assert "2025年1月幼儿园月报，未报送，已逾期 29 天（02月10日截止）" in digest.body
    assert "2025年2月幼儿园月报，未报送，已逾期 1 天（03月10日截止）" in digest.body
    assert digest.link == "/reports/"


def test_a_doubled_or_retried_run_sends_nothing_more(feb, at):
    first = _digest_on(at, 2025, 3, 11, 8, 0, 0)
    assert first > 0
    assert _digest_on(at, 2025, 3, 11, 8, 5, 0) == 0
    assert _digest_on(at, 2025, 3, 11, 23, 59, 59) == 0
    assert Notification.objects.count() == first


def test_returned_reports_are_chased(feb, at):
    from reports.services import submission_return

    _january_done()
    with at(2025, 3, 9, 9, 0, 0):
        sub = submission_submit(
            actor=feb.kg_director,
            submission=Submission.objects.get(month=FEB, kindergarten=feb.kg_a1),
            data=good_data(),
        )
        submission_return(actor=feb.bureau_staff, submission=sub, reason="请核对")
    Notification.objects.all().delete()
    _digest_on(at, 2025, 3, 11, 8, 0, 0)
    (digest,) = _digests(feb.kg_director)
    assert "已退回待修改" in digest.body


def test_inactive_people_get_nothing(feb, at):
    feb.kg_director.is_active = False
    feb.kg_director.save(update_fields=["is_active"])
    _digest_on(at, 2025, 3, 11, 8, 0, 0)
    assert not _digests(feb.kg_director)


def test_digest_queries_do_not_grow(feb, at):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.services import submissions_open
    from tests.factories import KindergartenFactory, UserFactory

    with at(2025, 3, 11, 8, 0, 0), CaptureQueriesContext(connection) as few:
        send_daily_digests()
    Notification.objects.all().delete()
    for i in range(6):
        kg = KindergartenFactory(name=f"新园{i}", township=feb.town_a)
        kg.status_changes.update(effective_date=D(2024, 1, 1))
        UserFactory(username=f"director_new{i}", role="kg_director", kindergarten=kg, bureau=None)
    with at(2025, 3, 1, 0, 30, 0):
        submissions_open(report_type=feb.kg_type, month=FEB)
    with at(2025, 3, 11, 8, 0, 0), CaptureQueriesContext(connection) as many:
        send_daily_digests()
    assert Notification.objects.filter(recipient__username__startswith="director_new").count() == 6
    # Fixed reads, then one notify (a few statements) per person: 6 more people, 6 more notifies.
    per_notify = (len(many) - len(few)) / 6
    assert per_notify <= 4


# --- district builds -----------------------------------------------------------------------------------


def test_district_reports_are_built_from_the_due_day(feb, at):
    with at(2025, 3, 9, 23, 59, 59):
        assert build_due_district_reports() == 0
    with at(2025, 3, 10, 1, 0, 0):
        assert build_due_district_reports() == 3
        assert build_due_district_reports() == 3  # rebuilt, not duplicated
    reports = Submission.objects.filter(report_type=feb.district_type, month=FEB)
    assert reports.count() == 3 and all(r.built_at for r in reports)
    mine = reports.get(district=feb.district_a)
    assert (mine.data["expected"], mine.data["submitted"]) == (2, 0)
    with at(2025, 3, 10, 9, 0, 0):
        submission_submit(actor=feb.bureau_staff, submission=mine, data={"remarks": "已核"})
    with at(2025, 3, 11, 1, 0, 0):
        assert build_due_district_reports() == 2  # the submitted one is left as it was
