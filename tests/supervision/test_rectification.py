"""The one rectification workflow: issue → respond with evidence → return (reason) / accept;
overdue orders escalate from the supervisor to the bureau. Times frozen in Asia/Shanghai."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from core.models import AuditEntry
from supervision import rectification
from supervision.models import Escalation, EvidenceFile, OrderState, RectificationEvent, RectificationOrder
from supervision.rectification import (
    deadline_for,
    order_accept,
    order_issue,
    order_respond,
    order_return,
    orders_escalate_overdue,
    register_source_kind,
    source_kind_label,
)
from tests.supervision.files import FAKE_JPEG, JPEG, PDF, upload

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def _issue(cast, *, actor=None, severity="major", kg=None, **kwargs):
    return order_issue(
        actor=actor or cast.supervisor,
        kindergarten=kg or cast.kg_a1,
        source_kind="manual",
        source_label="日常督导发现",
        description="消防通道堆放杂物，须清理并建立巡查制度。",
        severity=severity,
        **kwargs,
    )


@pytest.mark.parametrize(("severity", "days"), [("minor", 30), ("major", 15), ("critical", 7)])
def test_the_deadline_follows_the_severity(severity, days):
    assert deadline_for(severity, datetime.date(2026, 2, 20)) == datetime.date(2026, 2, 20) + datetime.timedelta(days)


@override_settings(RECTIFICATION_DEADLINE_DAYS={"minor": 10, "major": 5, "critical": 1})
def test_the_deadlines_are_configurable():
    assert deadline_for("critical", datetime.date(2026, 2, 28)) == datetime.date(2026, 3, 1)


def test_issue_at_midnight_beijing_counts_from_the_beijing_day(cast):
    # 16:30 UTC on 31 Jan is 00:30 on 1 Feb in Beijing: a 7-day order is due on 8 Feb.
    with time_machine.travel(datetime.datetime(2026, 1, 31, 16, 30, tzinfo=datetime.UTC), tick=False):
        order = _issue(cast, severity="critical")
    assert order.deadline == datetime.date(2026, 2, 8)


def test_issue_records_the_order_and_its_first_event(cast):
    order = _issue(cast)
    assert order.state == OrderState.ISSUED and order.issued_by == cast.supervisor
    assert order.number == f"第{order.pk:06d}号"
    assert list(order.events.values_list("kind", flat=True)) == ["issued"]
    assert AuditEntry.objects.filter(object_id=str(order.pk), action="create").exists()


@pytest.mark.parametrize(
    ("role", "kg"),
    [
        ("kg_director", "kg_a1"),
        ("kg_staff", "kg_a1"),
        ("city_viewer", "kg_a1"),
        ("supervisor", "kg_a2"),
        ("admin_b", "kg_a1"),
    ],
)
def test_only_the_supervisor_in_charge_and_the_bureau_issue(cast, role, kg):
    with pytest.raises(PermissionDenied):
        _issue(cast, actor=getattr(cast, role), kg=getattr(cast, kg))
    assert not RectificationOrder.objects.exists()


def test_bureau_staff_issue_in_their_district(cast):
    assert _issue(cast, actor=cast.bureau_staff, kg=cast.kg_a2).kindergarten == cast.kg_a2


def test_issue_validates(cast):
    with pytest.raises(ValidationError) as exc:
        order_issue(
            actor=cast.supervisor,
            kindergarten=cast.kg_a1,
            source_kind="nonsense",
            source_label="",
            description=" ",
            severity="huge",
        )
    assert set(exc.value.message_dict) == {"description", "severity", "source_kind"}


def test_sources_are_registered_by_their_modules(cast):
    register_source_kind("test_hazard", "安全隐患（测试）", url=lambda ref: f"/hazards/{ref}/")
    order = order_issue(
        actor=cast.supervisor,
        kindergarten=cast.kg_a1,
        source_kind="test_hazard",
        source_ref="42",
        source_label="",
        description="围墙破损",
        severity="minor",
    )
    assert order.source_label == "安全隐患（测试）" == source_kind_label("test_hazard")
    assert rectification.source_url(order) == "/hazards/42/"


def test_the_full_loop_return_once_then_accept(cast):
    order = _issue(cast)
    order_respond(actor=cast.kg_director, order=order, response="已清理。", files=[upload()])
    assert order.state == OrderState.RESPONDED and order.responded_at
    with pytest.raises(ValidationError) as exc:
        order_return(actor=cast.supervisor, order=order, reason="  ")
    assert "reason" in exc.value.message_dict
    order_return(actor=cast.supervisor, order=order, reason="照片看不到通道全貌，请补拍。")
    order.refresh_from_db()
    assert order.state == OrderState.RETURNED and order.return_reason.startswith("照片")
    order_respond(
        actor=cast.kg_director,
        order=order,
        response="已补拍。",
        files=[upload(JPEG, "通道.jpg", "image/jpeg"), upload(PDF, "制度.pdf", "application/pdf")],
    )
    order_accept(actor=cast.supervisor, order=order)
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED and order.verified_at
    events = list(order.events.values_list("kind", "actor__username"))
    assert events == [
        ("issued", "supervisor"),
        ("responded", "kg_director"),
        ("returned", "supervisor"),
        ("responded", "kg_director"),
        ("accepted", "supervisor"),
    ]
    second = order.events.filter(kind="responded").last()
    assert sorted(second.evidence.values_list("content_type", flat=True)) == ["application/pdf", "image/jpeg"]
    assert order.evidence.count() == 3


def test_wrong_state_transitions_are_refused(cast):
    order = _issue(cast)
    with pytest.raises(ValidationError):
        order_accept(actor=cast.supervisor, order=order)
    with pytest.raises(ValidationError):
        order_return(actor=cast.supervisor, order=order, reason="x")
    order_respond(actor=cast.kg_director, order=order, response="已整改", files=[upload()])
    with pytest.raises(ValidationError):
        order_respond(actor=cast.kg_director, order=order, response="again", files=[upload()])
    order_accept(actor=cast.bureau_staff, order=order)
    with pytest.raises(ValidationError):
        order_return(actor=cast.supervisor, order=order, reason="too late")


@pytest.mark.parametrize("role", ["kg_staff", "supervisor", "bureau_staff", "director_a2"])
def test_only_the_kindergartens_director_responds(cast, role):
    order = _issue(cast)
    with pytest.raises(PermissionDenied):
        order_respond(actor=getattr(cast, role), order=order, response="已整改", files=[upload()])
    order.refresh_from_db()
    assert order.state == OrderState.ISSUED and not EvidenceFile.objects.exists()


@pytest.mark.parametrize("role", ["kg_director", "city_viewer", "supervisor2", "admin_b"])
def test_verification_is_for_the_supervisor_in_charge_and_the_bureau(cast, role):
    order = _issue(cast)
    order_respond(actor=cast.kg_director, order=order, response="已整改", files=[upload()])
    with pytest.raises(PermissionDenied):
        order_accept(actor=getattr(cast, role), order=order)
    order.refresh_from_db()
    assert order.state == OrderState.RESPONDED


def test_a_response_needs_text_and_evidence_and_a_refused_one_saves_nothing(cast):
    order = _issue(cast)
    with pytest.raises(ValidationError) as exc:
        order_respond(actor=cast.kg_director, order=order, response="已整改", files=[])
    assert "files" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        order_respond(
            actor=cast.kg_director, order=order, response="", files=[upload(), upload(FAKE_JPEG, "x.jpg", "image/jpeg")]
        )
    assert set(exc.value.message_dict) == {"response", "files"}
    assert "x.jpg" in exc.value.message_dict["files"][0]
    order.refresh_from_db()
    assert order.state == OrderState.ISSUED
    assert not EvidenceFile.objects.exists() and order.events.count() == 1


# --- overdue and escalation ----------------------------------------------------------------------


def _at(day: str, hour: int = 10, minute: int = 0):
    y, m, d = map(int, day.split("-"))
    return time_machine.travel(datetime.datetime(y, m, d, hour, minute, tzinfo=SH), tick=False)


def test_overdue_starts_the_day_after_the_deadline_in_beijing(cast):
    with _at("2026-02-01"):
        order = _issue(cast, severity="critical")  # due 2026-02-08
    with _at("2026-02-08", 23, 59):
        assert not order.is_overdue()
        assert orders_escalate_overdue() == {"supervisor": 0, "bureau": 0}
    with _at("2026-02-09", 0, 0):
        assert order.is_overdue()


def test_escalation_supervisor_then_bureau_once_each(cast, monkeypatch):
    told = []
    monkeypatch.setattr(rectification, "notify", lambda **kw: told.append(kw) or len(list(kw["recipients"])))
    with _at("2026-02-01"):
        order = _issue(cast, severity="critical")  # due 2026-02-08
        late_but_answered = _issue(cast, severity="critical")
        order_respond(actor=cast.kg_director, order=late_but_answered, response="已整改", files=[upload()])
    with _at("2026-02-09", 0, 20):
        assert orders_escalate_overdue() == {"supervisor": 1, "bureau": 0}
        assert orders_escalate_overdue() == {"supervisor": 0, "bureau": 0}  # idempotent
    order.refresh_from_db()
    assert order.escalation == Escalation.SUPERVISOR
    assert told[0]["recipients"] == [cast.supervisor] and "已逾期" in told[0]["title"]
    with _at("2026-02-15", 0, 20):  # 7 days after the deadline: not yet past it
        assert orders_escalate_overdue() == {"supervisor": 0, "bureau": 0}
    with _at("2026-02-16", 0, 20):
        assert orders_escalate_overdue() == {"supervisor": 0, "bureau": 1}
        assert orders_escalate_overdue() == {"supervisor": 0, "bureau": 0}
    order.refresh_from_db()
    assert order.escalation == Escalation.BUREAU
    assert {u.username for u in told[1]["recipients"]} == {"bureau_admin", "bureau_staff"}
    notes = list(order.events.filter(kind="escalated").values_list("note", flat=True))
    assert notes == ["已逾期 1 天，提醒责任督学督促整改。", "已逾期 8 天，上报区县教育局。"]
    assert late_but_answered.events.filter(kind="escalated").count() == 0


def test_an_order_found_long_overdue_shows_both_escalation_steps(cast):
    with _at("2026-01-01"):
        order = _issue(cast, severity="critical")
    with _at("2026-03-01"):
        assert orders_escalate_overdue() == {"supervisor": 0, "bureau": 1}
    assert list(RectificationEvent.objects.filter(order=order, kind="escalated").values_list("note", flat=True)) == [
        "已逾期 52 天，提醒责任督学督促整改。",
        "已逾期 52 天，上报区县教育局。",
    ]


def test_the_escalation_task_runs_as_a_recorded_system_task(cast):
    from supervision.tasks import escalate_overdue_orders

    with _at("2026-01-01"):
        order = _issue(cast, severity="critical")
    with _at("2026-01-20"):
        escalate_overdue_orders()
    entries = AuditEntry.objects.filter(
        content_type__model="rectificationorder", object_id=str(order.pk), action="update"
    ).order_by("at", "id")
    assert [(e.source, e.path, e.changes["escalation"]) for e in entries] == [
        ("task", "supervision.tasks.escalate_overdue_orders", [0, 1]),
        ("task", "supervision.tasks.escalate_overdue_orders", [1, 2]),
    ]
