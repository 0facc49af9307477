"""Monthly zero reports (零报告) and the one fact the kindergarten monthly report draws on."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from reports.models import Submission
from reports.services import submission_prefill, submission_submit
from safety.models import ZeroReport
from safety.services import month_incident_fact, zero_report_confirm
from tests.reports.conftest import FEB, at, feb_open, good_data, rcast  # noqa: F401  (fixtures)
from tests.safety.helpers import beijing, report


def test_the_director_confirms_a_month_without_incidents_once(cast):
    with time_machine.travel(beijing(2026, 3, 5, 9, 0), tick=False):
        zero = zero_report_confirm(actor=cast.kg_director, kindergarten=cast.kg_a1, month=datetime.date(2026, 2, 17))
        assert zero.month == datetime.date(2026, 2, 1)
        with pytest.raises(ValidationError) as again:
            zero_report_confirm(actor=cast.kg_director, kindergarten=cast.kg_a1, month=datetime.date(2026, 2, 1))
        assert "已确认" in str(again.value)
        with pytest.raises(ValidationError):  # a month not yet begun
            zero_report_confirm(actor=cast.kg_director, kindergarten=cast.kg_a1, month=datetime.date(2026, 4, 1))
    assert ZeroReport.objects.count() == 1


def test_a_month_with_an_incident_has_no_zero_report(cast):
    # 23:30 on 28 February Beijing time is still February, though it is 15:30 UTC.
    with time_machine.travel(beijing(2026, 2, 28, 23, 40), tick=False):
        report(cast, occurred_at=beijing(2026, 2, 28, 23, 30))
    with time_machine.travel(beijing(2026, 3, 2, 9, 0), tick=False):
        with pytest.raises(ValidationError) as failure:
            zero_report_confirm(actor=cast.kg_director, kindergarten=cast.kg_a1, month=datetime.date(2026, 2, 1))
        assert "已报告安全事故" in str(failure.value)
        zero_report_confirm(actor=cast.kg_director, kindergarten=cast.kg_a1, month=datetime.date(2026, 3, 1))


@pytest.mark.parametrize("who", ["kg_staff", "bureau_staff", "supervisor", "director_a2"])
def test_only_the_director_confirms(cast, who):
    with pytest.raises(PermissionDenied):
        zero_report_confirm(actor=getattr(cast, who), kindergarten=cast.kg_a1, month=datetime.date(2026, 2, 1))


def test_the_month_fact_is_the_incidents_or_the_zero_report(cast):
    with time_machine.travel(beijing(2026, 3, 5, 9, 0), tick=False):
        assert month_incident_fact(kindergarten_id=cast.kg_a1.pk, month=datetime.date(2026, 2, 1)) is None
        zero_report_confirm(actor=cast.kg_director, kindergarten=cast.kg_a1, month=datetime.date(2026, 2, 1))
        assert month_incident_fact(kindergarten_id=cast.kg_a1.pk, month=datetime.date(2026, 2, 1)) == {
            "no_incident": "confirmed",
            "incident_count": 0,
        }
        report(cast, occurred_at=beijing(2026, 3, 1, 0, 5))
        report(cast, occurred_at=beijing(2026, 3, 4, 8, 0))
        assert month_incident_fact(kindergarten_id=cast.kg_a1.pk, month=datetime.date(2026, 3, 1)) == {
            "no_incident": "had_incident",
            "incident_count": 2,
        }


def _feb_submission(cast):
    return Submission.objects.get(report_type=cast.kg_type, month=FEB, kindergarten=cast.kg_a1)


def test_the_monthly_report_is_prefilled_from_the_zero_report(feb_open, at):  # noqa: F811
    cast = feb_open
    with at(2025, 3, 3, 9, 0, 0):
        assert "no_incident" not in submission_prefill(_feb_submission(cast))
        zero_report_confirm(actor=cast.kg_director, kindergarten=cast.kg_a1, month=FEB)
        prefill = submission_prefill(_feb_submission(cast))
    assert (prefill["no_incident"], prefill["incident_count"]) == ("confirmed", 0)


def test_the_monthly_report_cannot_deny_a_reported_incident(feb_open, at):  # noqa: F811
    cast = feb_open
    with at(2025, 2, 20, 10, 30, 0):
        report(cast, occurred_at=beijing(2025, 2, 20, 10, 0))
    with at(2025, 3, 3, 9, 0, 0):
        prefill = submission_prefill(_feb_submission(cast))
        assert (prefill["no_incident"], prefill["incident_count"]) == ("had_incident", 1)
        with pytest.raises(ValidationError) as failure:
            submission_submit(actor=cast.kg_director, submission=_feb_submission(cast), data=good_data())
        assert "不能确认零报告" in str(failure.value)
        submission_submit(
            actor=cast.kg_director,
            submission=_feb_submission(cast),
            data=good_data(no_incident="had_incident", incident_count=1, incident_notes="幼儿擦伤，已处置。"),
        )
    assert _feb_submission(cast).state == "submitted"
