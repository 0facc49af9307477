"""Incidents: the initial report with the server's receipt time and 迟报, the append-only timeline
(follow-ups, final report, corrections as addenda), forwarding, notifications, and the database
refusing every change or deletion of the record."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test import override_settings

from core.models import Notification
from safety.access import drafts_visible_to
from safety.models import EntryKind, Incident, IncidentDraft, IncidentEntry
from safety.services import draft_discard, draft_save, draft_submit, incident_add_entry, incident_forward
from tests.factories import UserFactory
from tests.safety.helpers import beijing, report


def test_the_initial_report_keeps_both_times_and_is_on_time_within_the_hour(cast):
    with time_machine.travel(beijing(2026, 3, 2, 10, 59), tick=False):
        incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    assert incident.occurred_at == beijing(2026, 3, 2, 10, 0)
    assert incident.reported_at == beijing(2026, 3, 2, 10, 59)
    assert incident.late is False
    assert incident.initial_deadline == beijing(2026, 3, 2, 11, 0)
    assert incident.written_deadline == beijing(2026, 3, 2, 12, 0)
    assert incident.health_deadline is None
    assert incident.district_id == cast.kg_a1.district_id
    initial = incident.entries.get()
    assert (initial.kind, initial.grade_stated, initial.children_stated) == ("initial", "general", 1)


def test_a_report_received_after_the_deadline_is_late(cast):
    with time_machine.travel(beijing(2026, 3, 2, 11, 0, 1), tick=False):
        incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    assert incident.late is True


@override_settings(SAFETY_INCIDENT_DEADLINE_MINUTES={"initial": 30, "written": 90, "health": 60})
def test_the_deadlines_are_configurable_and_public_health_events_get_one_for_the_health_department(cast):
    with time_machine.travel(beijing(2026, 3, 2, 10, 45), tick=False):
        incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0), kind="food")
    assert incident.late is True
    assert incident.written_deadline == beijing(2026, 3, 2, 11, 30)
    assert incident.health_deadline == beijing(2026, 3, 2, 11, 0)


def test_the_report_is_checked_in_one_pass_with_chinese_messages(cast):
    with pytest.raises(ValidationError) as failure:
        report(cast, occurred_at=None, kind="x", grade="", children_affected=-1, staff_affected="a", text=" ")
    errors = failure.value.message_dict
    assert set(errors) == {"occurred_at", "kind", "grade", "children_affected", "staff_affected", "text"}
    assert all(not m.isascii() for messages in errors.values() for m in messages)
    assert not Incident.objects.exists()


def test_an_incident_in_the_future_is_refused(cast):
    with time_machine.travel(beijing(2026, 3, 2, 10, 0), tick=False), pytest.raises(ValidationError) as failure:
        report(cast, occurred_at=beijing(2026, 3, 2, 12, 0))
    assert "occurred_at" in failure.value.message_dict


@pytest.mark.parametrize("who", ["bureau_staff", "supervisor", "city_viewer", "director_a2"])
def test_only_the_kindergartens_own_accounts_report(cast, who):
    with pytest.raises(PermissionDenied):
        report(cast, actor=getattr(cast, who), occurred_at=beijing(2026, 3, 2, 10, 0))
    assert not Incident.objects.exists()


def test_a_staff_member_drafts_and_the_director_submits_the_report(cast):
    """The draft is no incident: nobody is told and no clock runs; the report time is the director's
    submission, late or not from there; the incident names who drafted it."""
    with pytest.raises(PermissionDenied):
        report(cast, actor=cast.kg_staff, occurred_at=beijing(2026, 3, 2, 10, 0))
    with time_machine.travel(beijing(2026, 3, 2, 10, 20), tick=False):
        draft = draft_save(
            actor=cast.kg_staff,
            kindergarten=cast.kg_a1,
            occurred_at=beijing(2026, 3, 2, 10, 0),
            kind="injury",
            text="一名幼儿摔倒。",
        )
    assert not Incident.objects.exists()
    assert not Notification.objects.exists()
    with pytest.raises(PermissionDenied):
        draft_submit(actor=cast.kg_staff, draft=draft)
    with time_machine.travel(beijing(2026, 3, 2, 10, 50), tick=False):
        # Incomplete: refused, nothing made; the director completes it, then submits.
        with pytest.raises(ValidationError) as failure:
            draft_submit(actor=cast.kg_director, draft=draft)
        assert set(failure.value.message_dict) == {"grade", "children_affected", "staff_affected"}
        assert not Incident.objects.exists()
        draft_save(
            actor=cast.kg_director,
            kindergarten=cast.kg_a1,
            draft=draft,
            occurred_at=beijing(2026, 3, 2, 10, 0),
            kind="injury",
            grade="general",
            children_affected=1,
            staff_affected=0,
            text="一名幼儿摔倒，额头擦伤，已处理。",
        )
        incident = draft_submit(actor=cast.kg_director, draft=draft)
    assert incident.reported_by == cast.kg_director
    assert incident.reported_at == beijing(2026, 3, 2, 10, 50)
    assert not incident.late  # within the hour of the incident
    assert incident.draft.drafted_by == cast.kg_staff
    assert incident.entries.get().text == "一名幼儿摔倒，额头擦伤，已处理。"
    assert Notification.objects.filter(link__endswith=f"/incidents/{incident.pk}/").exists()
    with pytest.raises(ValidationError):
        draft_submit(actor=cast.kg_director, draft=draft)  # once
    with pytest.raises((ValidationError, PermissionDenied)):
        draft_save(actor=cast.kg_staff, kindergarten=cast.kg_a1, draft=draft, text="改")


def test_a_draft_submitted_past_the_deadline_is_late_from_the_submission(cast):
    with time_machine.travel(beijing(2026, 3, 2, 10, 10), tick=False):
        draft = draft_save(
            actor=cast.kg_staff,
            kindergarten=cast.kg_a1,
            occurred_at=beijing(2026, 3, 2, 10, 0),
            kind="food",
            grade="general",
            children_affected=3,
            staff_affected=0,
            text="午餐后三名幼儿呕吐。",
        )
    with time_machine.travel(beijing(2026, 3, 2, 11, 30), tick=False):
        incident = draft_submit(actor=cast.kg_director, draft=draft)
    assert incident.late and incident.reported_at == beijing(2026, 3, 2, 11, 30)


def test_a_draft_is_the_kindergartens_own_and_may_be_discarded(cast):
    draft = draft_save(actor=cast.kg_staff, kindergarten=cast.kg_a1, text="待核实")
    for who in ("director_a2", "bureau_staff", "supervisor"):
        with pytest.raises(PermissionDenied):
            draft_save(actor=getattr(cast, who), kindergarten=cast.kg_a1, text="x")
        with pytest.raises(PermissionDenied):
            draft_discard(actor=getattr(cast, who), draft=draft)
        assert not drafts_visible_to(getattr(cast, who)).exists()
    assert list(drafts_visible_to(cast.kg_director)) == [draft]
    draft_discard(actor=cast.kg_director, draft=draft)
    assert not IncidentDraft.objects.exists()


def _recipients(incident):
    return set(
        Notification.objects.filter(link__endswith=f"/incidents/{incident.pk}/").values_list(
            "recipient__username", flat=True
        )
    )


def test_the_bureau_and_the_supervisor_are_told_at_once_and_the_city_only_above_general(cast):
    city_user = UserFactory(username="city2", role="city_viewer", bureau=cast.city, email="city@example.com")
    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    assert _recipients(incident) == {"bureau_admin", "bureau_staff", "supervisor"}
    serious = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0), grade="large")
    assert _recipients(serious) == {"bureau_admin", "bureau_staff", "supervisor", "city_viewer", city_user.username}
    message = Notification.objects.filter(recipient=cast.bureau_staff, link__endswith=f"/{serious.pk}/").first()
    assert "较大" in message.title and "发生时间" in message.body


def test_a_grade_raised_by_a_follow_up_tells_the_city(cast):
    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    assert "city_viewer" not in _recipients(incident)
    incident_add_entry(
        actor=cast.kg_director, incident=incident, kind="followup", text="伤情加重，已转院。", grade="large"
    )
    assert "city_viewer" in _recipients(incident)
    incident.refresh_from_db()
    assert incident.grade == "large"


def test_the_timeline_grows_and_the_final_report_closes_it(cast):
    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    incident_add_entry(
        actor=cast.kg_director, incident=incident, kind="followup", text="幼儿已送医复查。", children_affected=2
    )
    incident_add_entry(actor=cast.kg_staff, incident=incident, kind="written", text="书面报告已报送。")
    incident_add_entry(actor=cast.kg_director, incident=incident, kind="final", text="幼儿康复返园，处置完毕。")
    incident.refresh_from_db()
    assert incident.final_at is not None and incident.written_at is not None
    assert incident.children_affected == 2
    assert list(incident.entries.values_list("kind", flat=True)) == ["initial", "followup", "written", "final"]
    # After the final report only corrections are accepted.
    with pytest.raises(ValidationError) as failure:
        incident_add_entry(actor=cast.kg_director, incident=incident, kind="followup", text="补充")
    assert "已终报" in str(failure.value)


def test_a_correction_points_at_what_it_corrects_and_changes_nothing_earlier(cast):
    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0), kind="injury")
    initial = incident.entries.get()
    before = (initial.text, initial.kind_stated, initial.at)
    correction = incident_add_entry(
        actor=cast.kg_director,
        incident=incident,
        kind="correction",
        corrects=initial,
        kind_stated="illness",
        text="经医院诊断为急性肠胃炎，事故类型更正为疾病。",
    )
    initial.refresh_from_db()
    assert (initial.text, initial.kind_stated, initial.at) == before
    assert correction.corrects == initial
    incident.refresh_from_db()
    assert incident.kind == "illness"
    with pytest.raises(ValidationError):
        incident_add_entry(actor=cast.kg_director, incident=incident, kind="correction", text="无指向")


def test_another_kindergarten_cannot_add_to_the_timeline(cast):
    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    for who in ("director_a2", "bureau_staff", "supervisor"):
        with pytest.raises(PermissionDenied):
            incident_add_entry(actor=getattr(cast, who), incident=incident, kind="followup", text="x")
    assert incident.entries.count() == 1


def test_public_health_events_are_forwarded_to_the_health_department_by_the_bureau(cast):
    with time_machine.travel(beijing(2026, 3, 2, 10, 30), tick=False):
        incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0), kind="infectious")
        injury = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    assert incident.health_deadline == beijing(2026, 3, 2, 12, 0)
    with pytest.raises(ValidationError):
        incident_forward(actor=cast.bureau_staff, incident=injury, to="health")  # not a public-health event
    with pytest.raises(PermissionDenied):
        incident_forward(actor=cast.kg_director, incident=incident, to="health")
    with pytest.raises(ValidationError):  # no longer the kindergarten's entry
        incident_add_entry(actor=cast.kg_director, incident=incident, kind="health", text="已报卫健委。")
    assert not incident.health_late(now=beijing(2026, 3, 2, 11, 59))
    assert incident.health_late(now=beijing(2026, 3, 2, 12, 1))  # still missing past the deadline
    with time_machine.travel(beijing(2026, 3, 2, 12, 15), tick=False):
        incident_forward(actor=cast.bureau_staff, incident=incident, to="health", note="已电话报区卫健委。")
    incident.refresh_from_db()
    assert incident.health_reported_at == beijing(2026, 3, 2, 12, 15)
    assert incident.health_late()  # recorded after its deadline: late for good
    with pytest.raises(ValidationError):
        incident_forward(actor=cast.bureau_staff, incident=incident, to="health")
    assert incident.entries.get(kind="health").author == cast.bureau_staff


def test_the_bureau_records_forwarding_once_each(cast):
    with time_machine.travel(beijing(2026, 3, 2, 10, 20), tick=False):
        incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    with time_machine.travel(beijing(2026, 3, 2, 10, 30), tick=False):
        incident_forward(actor=cast.bureau_staff, incident=incident, to="city")
    with time_machine.travel(beijing(2026, 3, 2, 10, 40), tick=False):
        incident_forward(actor=cast.bureau_admin, incident=incident, to="government", note="已电话报告区政府办。")
    incident.refresh_from_db()
    assert incident.forwarded_city_at == beijing(2026, 3, 2, 10, 30)
    assert incident.forwarded_government_at is not None
    with pytest.raises(ValidationError):
        incident_forward(actor=cast.bureau_staff, incident=incident, to="city")
    for who in ("kg_director", "supervisor", "city_viewer", "admin_b"):
        with pytest.raises(PermissionDenied):
            incident_forward(actor=getattr(cast, who), incident=incident, to="city")
    assert list(incident.entries.values_list("kind", flat=True)) == ["initial", "fwd_city", "fwd_gov"]


# --- nothing edited or deleted, by any path ---------------------------------------------------------


def _refused(statement):
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        statement()


def test_the_database_refuses_to_change_an_entry(cast):
    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    entry = incident.entries.get()
    _refused(lambda: IncidentEntry.objects.filter(pk=entry.pk).update(text="改写"))
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute("UPDATE safety_incidententry SET text = 'x'"))
    entry.text = "改写"
    _refused(entry.save)
    entry.refresh_from_db()
    assert entry.text.startswith("户外活动")


def test_the_database_refuses_to_change_the_reported_facts(cast):
    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    for field, value in (
        ("occurred_at", beijing(2026, 3, 2, 11, 0)),
        ("reported_at", beijing(2026, 3, 2, 10, 1)),
        ("late", not incident.late),
        ("kindergarten_id", cast.kg_a2.pk),
    ):
        _refused(lambda f=field, v=value: Incident.objects.filter(pk=incident.pk).update(**{f: v}))
    incident_add_entry(actor=cast.kg_director, incident=incident, kind="final", text="处置完毕。")
    _refused(lambda: Incident.objects.filter(pk=incident.pk).update(final_at=None))
    incident.refresh_from_db()
    assert incident.final_at is not None and incident.occurred_at == beijing(2026, 3, 2, 10, 0)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's DELETE is left to the application (migration 0002)"
)
def test_postgresql_refuses_deleting_incidents_and_entries(cast):
    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute("DELETE FROM safety_incidententry"))
        _refused(lambda: cursor.execute("TRUNCATE safety_incidententry CASCADE"))
    _refused(lambda: Incident.objects.filter(pk=incident.pk).delete())
    assert Incident.objects.filter(pk=incident.pk).exists() and incident.entries.count() == 1


def test_the_orm_refuses_deleting_an_incident_with_its_timeline(cast):
    """Entries protect their incident (on_delete PROTECT) on every database."""
    from django.db.models import ProtectedError

    incident = report(cast, occurred_at=beijing(2026, 3, 2, 10, 0))
    with pytest.raises((ProtectedError, DatabaseError)), transaction.atomic():
        incident.delete()
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_entry_kinds_are_labelled_in_chinese():
    assert all(not label.isascii() for label in EntryKind.labels)


def test_midnight_reports_count_in_beijing_days(cast):
    # 16:30 UTC on 31 March is 00:30 on 1 April in Beijing.
    with time_machine.travel(datetime.datetime(2026, 3, 31, 16, 30, tzinfo=datetime.UTC), tick=False):
        incident = report(cast, occurred_at=beijing(2026, 4, 1, 0, 10))
    assert incident.late is False
    assert incident.occurred_at.astimezone(beijing(2026, 1, 1).tzinfo).month == 4
