"""seed_demo makes believable safety data (so `make run` shows it), and a second run adds nothing."""

import io

from django.core.management import call_command

from safety.models import (
    Drill,
    FacilityRecord,
    Hazard,
    Incident,
    IncidentDraft,
    ResponsibilityLetter,
    SchoolBus,
    VideoCheck,
    ZeroReport,
)


def _counts():
    return [
        m.objects.count()
        for m in (Incident, IncidentDraft, Hazard, FacilityRecord, SchoolBus, VideoCheck, ZeroReport, Drill)
    ]


def test_the_demo_has_each_kind_of_safety_record(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "安全：安全事故 4" in out.getvalue()
    incidents = Incident.objects.all()
    # One closed with follow-up and final report, one late (public health, forwarded), one open.
    assert incidents.filter(final_at__isnull=False, entries__kind="followup").exists()
    late = incidents.get(late=True)
    assert late.health_reported_at and late.forwarded_city_at and late.grade == "large"
    assert incidents.filter(final_at__isnull=True).count() == 1
    assert IncidentDraft.objects.filter(incident__isnull=True, drafted_by__role="kg_staff").count() == 1
    # Hazards through the rectification workflow: one closed, one overdue, one waiting for its order.
    hazards = Hazard.objects.select_related("order")
    assert hazards.filter(order__state="accepted").count() == 1
    assert any(h.order and h.order.is_overdue() for h in hazards)
    assert hazards.filter(order__isnull=True).count() == 1
    assert FacilityRecord.objects.count() > 60 and SchoolBus.objects.exists()
    assert VideoCheck.objects.exclude(faults="").exists()
    assert ZeroReport.objects.count() > 50
    assert ResponsibilityLetter.objects.exists() and Drill.objects.filter(photos__isnull=False).exists()
    before = _counts()
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    assert _counts() == before
