"""The daily snapshot task: every kindergarten's enrolment into the month's snapshot, idempotent; a
later run in the month rewrites it (the month's last run is its month-end figure)."""

import datetime

from indicators.models import EnrolmentSnapshot
from indicators.responsibility import PROGRESS_CODE
from indicators.services import enrolment_snapshot_take
from indicators.tasks import take_enrolment_snapshot
from kindergartens.models import Kindergarten, KindergartenClass
from reports.models import ReportType


def test_snapshot_is_rewritten_within_the_month(cast):
    day = datetime.date(2025, 3, 20)
    enrolment_snapshot_take(day=day)
    assert EnrolmentSnapshot.objects.filter(month=datetime.date(2025, 3, 1)).count() == Kindergarten.objects.count()
    KindergartenClass.objects.filter(kindergarten=cast.kg_a1).update(children=33)
    enrolment_snapshot_take(day=datetime.date(2025, 3, 31))
    snapshot = EnrolmentSnapshot.objects.get(kindergarten=cast.kg_a1, month=datetime.date(2025, 3, 1))
    assert (snapshot.children, snapshot.taken_on, snapshot.district_id) == (
        33,
        datetime.date(2025, 3, 31),
        cast.district_a.pk,
    )
    assert EnrolmentSnapshot.objects.filter(month=datetime.date(2025, 3, 1)).count() == Kindergarten.objects.count()


def test_the_task_runs_and_ensures_the_progress_report_type(cast):
    assert take_enrolment_snapshot.apply().get() == Kindergarten.objects.count()
    assert ReportType.objects.filter(code=PROGRESS_CODE).exists()
