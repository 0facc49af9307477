"""责任清单: tasks with lead and responsible units and deadlines, overdue ones first and marked, the
latest progress from the 责任清单月度进展 report (a report type of the report engine)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from indicators.models import ResponsibilityTask
from indicators.responsibility import PROGRESS_CODE, progress_type_ensure
from indicators.services import today
from reports.models import ReportType, Submission
from reports.services import submission_for


def _task(cast, number, days, **extra):
    return ResponsibilityTask.objects.create(
        district=cast.district_a,
        number=number,
        title=f"任务{number}",
        lead_unit="区教育局",
        responsible_units="区财政局、区住建局",
        deadline=today() + datetime.timedelta(days=days),
        **extra,
    )


def test_overdue_tasks_stand_out_first(client, cast):
    _task(cast, 1, 30)
    _task(cast, 2, -3)
    _task(cast, 3, -10, done_on=today())
    client.force_login(cast.bureau_staff)
    html = client.get(reverse("indicators:task-list")).content.decode()
    assert "有 1 项任务已过完成时限仍未完成。" in html
    table = html.split('data-testid="task-table"')[1]
    assert table.index("任务2") < table.index("任务1") < table.index("任务3")
    assert table.count('data-testid="overdue-task"') == 1 and "逾期未完成" in table


def test_progress_comes_from_the_report_engine(client, cast):
    _task(cast, 1, 30)
    progress_type_ensure()
    progress_type_ensure()  # idempotent
    assert ReportType.objects.filter(code=PROGRESS_CODE, submitter_level="district", due_day=10).count() == 1
    report_type = ReportType.objects.get(code=PROGRESS_CODE)
    submission = submission_for(report_type=report_type, month=today().replace(day=1), district=cast.district_a)
    Submission.objects.filter(pk=submission.pk).update(
        state="submitted",
        first_submitted_at=timezone.now(),
        data={"tasks": [{"number": 1, "unit": "区财政局", "progress": "资金已拨付", "state": "on_track"}]},
    )
    client.force_login(cast.city_viewer)
    html = client.get(reverse("indicators:task-list"), {"district": cast.district_a.pk}).content.decode()
    assert "区财政局：资金已拨付（按计划推进）" in html
    assert client.get(reverse("indicators:task-list"), {"district": cast.district_c.pk}).status_code == 404


def test_task_form_checks_every_field_and_the_number(client, cast):
    _task(cast, 1, 30)
    client.force_login(cast.bureau_admin)
    url = reverse("indicators:task-new")
    html = client.post(url, {"number": 1, "deadline": "明年"}).content.decode()
    for message in (
        "本区县责任清单已有这个序号。",
        "请填写任务内容。",
        "请填写牵头单位。",
        "请填写责任单位。",
        "日期格式不正确",
    ):
        assert message in html
    response = client.post(
        url,
        {
            "number": 2,
            "title": "核定适龄儿童数",
            "lead_unit": "区统计局",
            "responsible_units": "区公安分局",
            "deadline": "2026-03-31",
            "indicator": "gross-enrolment",
        },
    )
    assert response.status_code == 302
    assert ResponsibilityTask.objects.get(number=2).indicator == "gross-enrolment"
