"""The reporting engine's writes: types and versions, opening, submitting (on time at 23:59:59 Beijing on
the due day, late at 00:00:00 the next), rules, return/resubmit/approve, grace and reopening, district
build, reminders."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry, Notification
from kindergartens.models import Kindergarten, KindergartenClass
from reports.content import field_map
from reports.models import Period, ReportType, ReportTypeVersion, Submission, SubmissionEvent
from reports.registry import DistrictSection, register_district_section, unregister_district_section
from reports.services import (
    district_report_build,
    report_type_update,
    report_types_ensure_defaults,
    submission_approve,
    submission_for,
    submission_prefill,
    submission_reopen,
    submission_return,
    submission_save,
    submission_submit,
    submissions_open,
    submissions_remind,
)
from tests.factories import KindergartenFactory
from tests.reports.conftest import FEB, JAN, good_data

D = datetime.date


def _sub(cast, kg, month=FEB) -> Submission:
    return Submission.objects.get(report_type=cast.kg_type, month=month, kindergarten=kg)


# --- types ---------------------------------------------------------------------------------------------


def test_defaults_are_created_once(rcast):
    assert report_types_ensure_defaults() == []
    kg_type, district_type = rcast.kg_type, rcast.district_type
    assert (kg_type.due_day, kg_type.period, kg_type.submitter_level) == (10, "previous", "kindergarten")
    assert (district_type.due_day, district_type.submitter_level, district_type.source) == (10, "district", kg_type)
    assert ReportTypeVersion.objects.filter(report_type__in=[kg_type, district_type]).count() == 2
    fields = field_map(kg_type.versions.get().content)
    assert {"children", "classes", "staff_joined", "staff_left", "video_checked", "drills", "no_incident"} <= set(
        fields
    )
    assert fields["children"]["prefill"] == "enrolled"


def test_due_dates():
    t = ReportType(due_day=10, period=Period.PREVIOUS, grace_days=5)
    assert t.due_date(D(2025, 2, 1)) == D(2025, 3, 10)
    assert t.due_date(D(2024, 12, 1)) == D(2025, 1, 10)
    assert t.last_day_to_submit(D(2025, 2, 1)) == D(2025, 3, 15)
    assert t.month_due_on(D(2025, 3, 20)) == D(2025, 2, 1)
    assert t.month_due_on(D(2025, 1, 5)) == D(2024, 12, 1)
    current = ReportType(due_day=20, period=Period.CURRENT)
    assert current.due_date(D(2025, 2, 1)) == D(2025, 2, 20)
    assert current.month_due_on(D(2025, 2, 28)) == D(2025, 2, 1)


def test_due_day_must_be_1_to_28(rcast):
    rcast.kg_type.due_day = 29
    with pytest.raises(ValidationError):
        rcast.kg_type.full_clean()


def test_a_change_to_a_type_in_use_makes_a_new_version(feb_open):
    cast = feb_open
    owned = ReportType.objects.create(
        code="pairing", name="帮扶月报", due_day=20, submitter_level="kindergarten", owner=cast.district_a
    )
    content = {"sections": [{"title": "帮扶", "fields": [{"key": "n", "label": "活动次数", "kind": "number"}]}]}
    v1 = report_type_update(actor=cast.bureau_admin, report_type=owned, content=content)
    assert v1.number == 1
    # Not used yet: replaced in place.
    content["sections"][0]["fields"][0]["label"] = "帮扶活动次数"
    assert report_type_update(actor=cast.bureau_admin, report_type=owned, content=content).pk == v1.pk
    used = submission_for(report_type=owned, month=FEB, kindergarten=cast.kg_a1)
    content["sections"][0]["fields"].append({"key": "hours", "label": "时长", "kind": "number"})
    v2 = report_type_update(actor=cast.bureau_admin, report_type=owned, content=content)
    assert v2.number == 2 and v2.pk != v1.pk
    used.refresh_from_db()
    assert used.version_id == v1.pk  # the submission keeps its version
    assert "hours" not in field_map(used.version.content)
    assert submission_for(report_type=owned, month=JAN, kindergarten=cast.kg_a1).version_id == v2.pk


def test_only_the_owning_bureau_admin_edits_a_type(rcast):
    with pytest.raises(PermissionDenied):
        report_type_update(actor=rcast.bureau_admin, report_type=rcast.kg_type, name="改名")
    owned = ReportType.objects.create(code="x", name="自定义", submitter_level="kindergarten", owner=rcast.district_b)
    for actor in (rcast.bureau_admin, rcast.bureau_staff, rcast.city_viewer):
        with pytest.raises(PermissionDenied):
            report_type_update(actor=actor, report_type=owned, name="改名")
    report_type_update(actor=rcast.admin_b, report_type=owned, name="改名", due_day=20)
    owned.refresh_from_db()
    assert (owned.name, owned.due_day) == ("改名", 20)


def test_a_malformed_definition_is_refused(rcast):
    owned = ReportType.objects.create(code="y", name="自定义", submitter_level="kindergarten", owner=rcast.district_a)
    bad = {"sections": [{"title": "一", "fields": [{"key": "a", "label": "甲", "kind": "spreadsheet"}]}]}
    with pytest.raises(ValidationError) as failure:
        report_type_update(actor=rcast.bureau_admin, report_type=owned, content=bad)
    assert "类型不正确" in str(failure.value)


# --- opening -------------------------------------------------------------------------------------------


def test_open_creates_one_per_owing_kindergarten_and_is_idempotent(rcast, at):
    closed = KindergartenFactory(name="一月停办园", township=rcast.town_a)
    from kindergartens.models import KindergartenStatusChange, Status

    KindergartenStatusChange.objects.filter(kindergarten=closed).update(effective_date=D(2024, 1, 1))
    from kindergartens.services import kindergarten_update

    closed.refresh_from_db()
    kindergarten_update(
        actor=None,
        kindergarten=closed,
        changes={"status": Status.SUSPENDED},
        effective_date=D(2025, 1, 31),
        check_rights=False,
    )
    with at(2025, 3, 1, 1, 0, 0):
        assert submissions_open(report_type=rcast.kg_type, month=FEB) == 4  # a1, a2, b1, c1
        assert submissions_open(report_type=rcast.kg_type, month=FEB) == 0
        assert submissions_open(report_type=rcast.kg_type, month=JAN) == 5  # the closed one owes January
    assert not Submission.objects.filter(kindergarten=closed, month=FEB).exists()
    sub = _sub(rcast, rcast.kg_a1)
    assert (sub.state, sub.due_date, sub.district_id) == ("open", D(2025, 3, 10), rcast.district_a.pk)
    assert sub.version == rcast.kg_type.versions.get()
    assert AuditEntry.objects.filter(object_id=str(sub.pk), action="create").exists()


def test_open_district_reports(rcast, at):
    with at(2025, 3, 1, 1, 0, 0):
        assert submissions_open(report_type=rcast.district_type, month=FEB) == 3
        assert submissions_open(report_type=rcast.district_type, month=FEB) == 0
    assert set(Submission.objects.filter(report_type=rcast.district_type).values_list("district__name", flat=True)) == {
        "大洼区教育局",
        "双台子区教育局",
        "东城区教育委员会",
    }


# --- submitting ----------------------------------------------------------------------------------------


def test_prefill_from_the_registry(feb_open):
    cast = feb_open
    KindergartenClass.objects.create(kindergarten=cast.kg_a1, name="大一班", class_type="large", children=30)
    data = submission_prefill(_sub(cast, cast.kg_a1))
    assert data == {"children": 50, "classes": 2}  # the cast's 小一班 (20) and 大一班 (30)


@pytest.mark.parametrize(
    ("moment", "on_time"),
    [
        ((2025, 3, 9, 10, 0, 0), True),
        ((2025, 3, 10, 23, 59, 59), True),
        ((2025, 3, 11, 0, 0, 0), False),
        ((2025, 3, 15, 23, 59, 59), False),
    ],
    ids=["9th", "due-day-23:59:59", "next-day-00:00:00", "last-grace-day"],
)
def test_on_time_is_the_first_submission_by_the_end_of_the_due_day_in_beijing(feb_open, at, moment, on_time):
    cast = feb_open
    with at(*moment):
        sub = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
    assert sub.state == "submitted" and sub.on_time is on_time
    assert sub.first_submitted_at == sub.submitted_at
    event = sub.events.get()
    assert (event.action, event.note) == ("submitted", "按时报送" if on_time else "逾期报送")


def test_after_the_grace_period_the_bureau_must_reopen(feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    with at(2025, 3, 16, 0, 0, 0):
        with pytest.raises(ValidationError) as failure:
            submission_submit(actor=cast.kg_director, submission=sub, data=good_data())
        assert "已超过补报期限（2025年03月15日）" in str(failure.value)
        with pytest.raises(ValidationError):
            submission_reopen(actor=cast.bureau_staff, submission=sub, reason="  ")
        with pytest.raises(PermissionDenied):
            submission_reopen(actor=cast.kg_director, submission=sub, reason="补报")
        submission_reopen(actor=cast.bureau_staff, submission=sub, reason="园长病假，准予补报")
    sub.refresh_from_db()
    assert sub.reopened_until == D(2025, 3, 23)
    with at(2025, 3, 20, 9, 0, 0):
        sub = submission_submit(actor=cast.kg_director, submission=sub, data=good_data())
    assert sub.on_time is False and sub.state == "submitted"
    assert list(sub.events.values_list("action", flat=True)) == ["reopened", "submitted"]
    assert Notification.objects.filter(recipient=cast.kg_director, title__contains="准予补报").exists()


def test_reopen_is_refused_within_the_grace_period(feb_open, at):
    with at(2025, 3, 15, 12, 0, 0), pytest.raises(ValidationError) as failure:
        submission_reopen(actor=feb_open.bureau_staff, submission=_sub(feb_open, feb_open.kg_a1), reason="补报")
    assert "无需准予补报" in str(failure.value)


def test_first_submission_time_never_changes(feb_open, at):
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
    first = sub.first_submitted_at
    with at(2025, 3, 12, 9, 0, 0):
        submission_return(actor=cast.bureau_staff, submission=sub, reason="幼儿数与名册不符")
    with at(2025, 3, 20, 9, 0, 0):  # after the grace period: a returned one may still be resubmitted
        sub = submission_submit(actor=cast.kg_director, submission=sub, data=good_data(children=98))
    assert sub.state == "resubmitted" and sub.first_submitted_at == first and sub.on_time is True
    assert sub.submitted_at > first and sub.data["children"] == 98
    assert list(sub.events.values_list("action", "from_state", "to_state")) == [
        ("submitted", "open", "submitted"),
        ("returned", "submitted", "returned"),
        ("resubmitted", "returned", "resubmitted"),
    ]
    assert sub.events.get(action="returned").note == "幼儿数与名册不符"


def test_return_needs_a_reason_and_notifies(feb_open, at):
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
        with pytest.raises(ValidationError) as failure:
            submission_return(actor=cast.bureau_staff, submission=sub, reason=" ")
        assert failure.value.message_dict == {"reason": ["请填写理由。"]}
        submission_return(actor=cast.bureau_staff, submission=sub, reason="请补充演练记录")
    note = Notification.objects.get(recipient=cast.kg_director)
    assert "已退回" in note.title and "请补充演练记录" in note.body
    assert note.link == f"/reports/submissions/{sub.pk}/"


def test_approval_locks(feb_open, at):
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
        sub = submission_approve(actor=cast.bureau_staff, submission=sub)
        assert (sub.state, sub.decided_by) == ("approved", cast.bureau_staff)
        for attempt in (
            lambda: submission_save(actor=cast.kg_director, submission=sub, data=good_data()),
            lambda: submission_submit(actor=cast.kg_director, submission=sub, data=good_data()),
            lambda: submission_return(actor=cast.bureau_staff, submission=sub, reason="再看看"),
            lambda: submission_approve(actor=cast.bureau_staff, submission=sub),
        ):
            with pytest.raises(ValidationError):
                attempt()
    sub.refresh_from_db()
    assert sub.state == "approved"


def test_submitting_twice_is_refused(feb_open, at):
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
        with pytest.raises(ValidationError, match="不能重复报送"):
            submission_submit(actor=cast.kg_director, submission=sub, data=good_data())


def test_hard_rules_block_with_a_clear_message(feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    with at(2025, 3, 9, 10, 0, 0), pytest.raises(ValidationError) as failure:
        submission_submit(
            actor=cast.kg_director, submission=sub, data=good_data(no_incident="had_incident", incident_count=0)
        )
    messages = failure.value.message_dict["__all__"]
    assert "选择了“本月发生安全事故”，请填写事故数（至少 1 起）。" in messages
    assert "选择了“本月发生安全事故”，请填写事故概况与处置。" in messages
    sub.refresh_from_db()
    assert sub.state == "open" and sub.first_submitted_at is None


def test_missing_and_junk_figures_are_field_errors(feb_open, at):
    cast = feb_open
    data = good_data(children="很多")
    del data["no_incident"]
    with at(2025, 3, 9, 10, 0, 0), pytest.raises(ValidationError) as failure:
        submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=data)
    assert failure.value.message_dict == {"children": ["请填写数字。"], "no_incident": ["此项为必填项。"]}


def test_soft_rules_ask_for_an_explanation(feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    data = good_data(video_retention_days=15, drills=[])
    with at(2025, 3, 9, 10, 0, 0):
        with pytest.raises(ValidationError) as failure:
            submission_submit(actor=cast.kg_director, submission=sub, data=data)
        assert set(failure.value.message_dict) == {"explain:video_retention_30", "explain:drill_monthly"}
        explanations = {"video_retention_30": "硬盘故障，已报修", "drill_monthly": "寒假闭园", "unrelated": "x"}
        sub = submission_submit(actor=cast.kg_director, submission=sub, data=data, explanations=explanations)
    assert sub.explanations == {"video_retention_30": "硬盘故障，已报修", "drill_monthly": "寒假闭园"}


def test_month_on_month_jumps_ask_for_an_explanation(rcast, at):
    cast = rcast
    with at(2025, 2, 5, 10, 0, 0):
        submissions_open(report_type=cast.kg_type, month=JAN)
        submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1, JAN), data=good_data())
    with at(2025, 3, 5, 10, 0, 0):
        submissions_open(report_type=cast.kg_type, month=FEB)
        sub = _sub(cast, cast.kg_a1)
        # +5 children (5%) is no jump; +30 (30%) is.
        submission_submit(actor=cast.kg_director, submission=sub, data=good_data(children=105))
        submission_return(actor=cast.bureau_staff, submission=sub, reason="核对")
        with pytest.raises(ValidationError) as failure:
            submission_submit(actor=cast.kg_director, submission=sub, data=good_data(children=130))
        assert failure.value.message_dict == {
            "explain:jump:children": ["“月末在园幼儿数”比上月增加 30%（上月 100，本月 130），请说明原因。"]
        }
        sub = submission_submit(
            actor=cast.kg_director,
            submission=sub,
            data=good_data(children=130),
            explanations={"jump:children": "新开两个小班"},
        )
    assert sub.explanations == {"jump:children": "新开两个小班"}


# --- rights --------------------------------------------------------------------------------------------


def test_staff_drafts_the_director_submits(feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_save(actor=cast.kg_staff, submission=sub, data={"children": "88"})
        assert sub.data["children"] == 88 and sub.prepared_by == cast.kg_staff and sub.state == "open"
        with pytest.raises(PermissionDenied):
            submission_submit(actor=cast.kg_staff, submission=sub, data=good_data())
        sub = submission_submit(actor=cast.kg_director, submission=sub, data=good_data())
    assert (sub.prepared_by, sub.submitted_by) == (cast.kg_staff, cast.kg_director)


@pytest.mark.parametrize("who", ["director_a2", "director_b1", "supervisor", "bureau_staff", "city_viewer", "no_scope"])
def test_nobody_else_submits(feb_open, at, who):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    with at(2025, 3, 9, 10, 0, 0), pytest.raises(PermissionDenied):
        submission_submit(actor=getattr(cast, who), submission=sub, data=good_data())
    sub.refresh_from_db()
    assert sub.state == "open"


@pytest.mark.parametrize("who", ["admin_b", "city_viewer", "supervisor", "kg_director"])
def test_only_the_district_bureau_reviews(feb_open, at, who):
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
        with pytest.raises(PermissionDenied):
            submission_approve(actor=getattr(cast, who), submission=sub)
        with pytest.raises(PermissionDenied):
            submission_return(actor=getattr(cast, who), submission=sub, reason="不行")
    sub.refresh_from_db()
    assert sub.state == "submitted"


# --- district reports ----------------------------------------------------------------------------------


@pytest.fixture
def only_test_sections(monkeypatch):
    """The registry without the apps' own sections (supervision's are tested in tests/supervision)."""
    from reports import registry

    monkeypatch.setattr(registry, "_sections", {})


@pytest.fixture
def inspections_section(only_test_sections):
    calls = []

    def build(district, month):
        calls.append((district.pk, month))
        return DistrictSection(rows=[("督导检查次数", 7, "次")], note="来自督导模块")

    register_district_section(key="tests.inspections", title="督导检查", order=30, build=build)
    yield calls
    unregister_district_section("tests.inspections")


def test_district_report_is_built_from_the_month_and_the_contributions(feb_open, at, inspections_section):
    cast = feb_open
    with at(2025, 3, 10, 9, 0, 0):
        submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
        submissions_open(report_type=cast.district_type, month=FEB)
        district = Submission.objects.get(report_type=cast.district_type, month=FEB, district=cast.district_a)
        submission_save(actor=cast.bureau_staff, submission=district, data={"remarks": "本月总体平稳"})
        district = district_report_build(actor=cast.bureau_staff, submission=district)
    data = district.data
    assert (data["expected"], data["submitted"], data["on_time"], data["approved"]) == (2, 1, 1, 0)
    assert (data["reporting_rate"], data["on_time_rate"]) == (50.0, 50.0)
    assert (data["children"], data["classes"], data["staff_joined"], data["drills"]) == (100, 4, 1, 1)
    assert (data["incidents"], data["kgs_with_incident"], data["video_not_checked"]) == (0, 0, 0)
    assert data["missing"] == [cast.kg_a2.name]
    assert data["remarks"] == "本月总体平稳"  # the district's own words survive a rebuild
    assert data["contributions"] == [
        {"key": "tests.inspections", "title": "督导检查", "rows": [["督导检查次数", 7, "次"]], "note": "来自督导模块"}
    ]
    assert inspections_section == [(cast.district_a.pk, FEB)]
    assert district.built_at is not None and district.events.get().action == "built"


def test_a_failing_contribution_does_not_stop_the_build(feb_open, at, only_test_sections):
    def broken(district, month):
        raise RuntimeError("supervision is down")

    register_district_section(key="tests.broken", title="整改", order=40, build=broken)
    try:
        with at(2025, 3, 10, 9, 0, 0):
            submissions_open(report_type=feb_open.district_type, month=FEB)
            sub = Submission.objects.get(report_type=feb_open.district_type, district=feb_open.district_a)
            sub = district_report_build(actor=None, submission=sub)
    finally:
        unregister_district_section("tests.broken")
    assert sub.data["contributions"] == [{"key": "tests.broken", "title": "整改", "rows": [], "note": "暂无数据"}]


def test_district_build_queries_do_not_grow_with_kindergartens(feb_open, at, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cast = feb_open
    with at(2025, 3, 10, 9, 0, 0):
        submissions_open(report_type=cast.district_type, month=FEB)
        sub = Submission.objects.get(report_type=cast.district_type, district=cast.district_a)
        with CaptureQueriesContext(connection) as few:
            district_report_build(actor=None, submission=sub)
        for i in range(12):
            kg = KindergartenFactory(name=f"新园{i}", township=cast.town_a)
            Kindergarten.objects.filter(pk=kg.pk)  # registered before February: history back-dated
            kg.status_changes.update(effective_date=D(2024, 1, 1))
        submissions_open(report_type=cast.kg_type, month=FEB)
        for s in Submission.objects.filter(report_type=cast.kg_type, month=FEB, district=cast.district_a)[:8]:
            Submission.objects.filter(pk=s.pk).update(
                state="submitted", first_submitted_at=s.created_at, on_time=True, data=good_data()
            )
        with CaptureQueriesContext(connection) as many:
            sub = district_report_build(actor=None, submission=sub)
    assert len(many) == len(few)
    assert (sub.data["expected"], sub.data["submitted"], sub.data["children"]) == (14, 8, 800)


def test_a_build_writes_its_audit_entries_in_one_insert(feb_open, at):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.audit import history_for

    cast = feb_open
    with at(2025, 3, 10, 9, 0, 0):
        submissions_open(report_type=cast.district_type, month=FEB)
        sub = Submission.objects.get(report_type=cast.district_type, district=cast.district_a)
        with CaptureQueriesContext(connection) as ctx:
            sub = district_report_build(actor=cast.bureau_staff, submission=sub)
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "core_auditentry"')]
    assert len(inserts) == 1
    assert history_for(sub).filter(action="update", changes__has_key="data").count() == 1
    event = sub.events.get()
    assert history_for(event).filter(action="create").count() == 1


def test_a_submitted_district_report_is_not_rebuilt(feb_open, at):
    cast = feb_open
    with at(2025, 3, 10, 9, 0, 0):
        submissions_open(report_type=cast.district_type, month=FEB)
        sub = Submission.objects.get(report_type=cast.district_type, district=cast.district_a)
        sub = district_report_build(actor=cast.bureau_staff, submission=sub)
        sub = submission_submit(actor=cast.bureau_staff, submission=sub, data={"remarks": "无"})
        assert sub.state == "submitted" and sub.on_time and sub.data["expected"] == 2
        with pytest.raises(ValidationError):
            district_report_build(actor=cast.bureau_staff, submission=sub)
        with pytest.raises(PermissionDenied):
            district_report_build(actor=cast.kg_director, submission=sub)


# --- reminders -----------------------------------------------------------------------------------------


def test_one_click_remind_once_a_day(feb_open, at):
    cast = feb_open
    subs = list(Submission.objects.filter(report_type=cast.kg_type, month=FEB, district=cast.district_a))
    with at(2025, 3, 11, 9, 0, 0):
        assert submissions_remind(actor=cast.bureau_staff, submissions=subs) == 2  # kg_director, director_a2
        assert submissions_remind(actor=cast.bureau_staff, submissions=subs) == 0
        with pytest.raises(PermissionDenied):
            submissions_remind(actor=cast.admin_b, submissions=subs)
    with at(2025, 3, 12, 9, 0, 0):
        assert submissions_remind(actor=cast.bureau_staff, submissions=subs) == 2
    assert Notification.objects.filter(recipient=cast.kg_director).count() == 2


def test_every_step_is_audited(feb_open, at):
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
        submission_approve(actor=cast.bureau_staff, submission=sub)
    entries = AuditEntry.objects.filter(object_id=str(sub.pk), content_type__model="submission").order_by("at", "id")
    states = [e.changes.get("state") for e in entries if "state" in e.changes]
    assert states == [[None, "open"], ["open", "submitted"], ["submitted", "approved"]]
    # Who did it: the events name the actor (the audit entries do too when a request or task sets the context).
    assert list(SubmissionEvent.objects.filter(submission=sub).values_list("actor", flat=True)) == [
        cast.kg_director.pk,
        cast.bureau_staff.pk,
    ]


@pytest.mark.parametrize(
    ("moment", "on_time"),
    [
        ((2025, 2, 28, 23, 59, 59), True),  # UTC: 28 Feb 15:59:59
        ((2025, 3, 1, 0, 0, 0), False),  # UTC: still 28 Feb (16:00)
    ],
    ids=["feb-28-23:59:59", "mar-1-00:00:00"],
)
def test_a_current_month_report_due_on_the_28th_of_february(rcast, at, moment, on_time):
    """A type covering the current month, due on the 28th: February's last second (Beijing) is on time,
    the first second of March late, although UTC is still on 28 February at both."""
    owned = ReportType.objects.create(
        code="feb-edge", name="二月月报", due_day=28, period="current", submitter_level="kindergarten",
        owner=rcast.district_a,
    )  # fmt: skip
    report_type_update(
        actor=None, report_type=owned,
        content={"sections": [{"title": "情况", "fields": [{"key": "n", "label": "次数", "kind": "number"}]}]},
    )  # fmt: skip
    sub = submission_for(report_type=owned, month=FEB, kindergarten=rcast.kg_a1)
    assert sub.due_date == datetime.date(2025, 2, 28)
    with at(*moment):
        sub = submission_submit(actor=rcast.kg_director, submission=sub, data={"n": 1})
    assert sub.on_time is on_time
