"""Hazards go through the one rectification workflow: an order with source 安全隐患."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import Notification
from safety.models import Hazard
from safety.services import hazard_issue_order, hazard_record
from supervision.models import RectificationOrder
from supervision.rectification import source_kind_label, source_url


def _record(cast, actor, **kwargs):
    return hazard_record(
        actor=actor,
        kindergarten=kwargs.pop("kg", cast.kg_a1),
        category=kwargs.pop("category", "fire"),
        source=kwargs.pop("source", "inspection"),
        found_on=kwargs.pop("found_on", datetime.date(2026, 3, 2)),
        description=kwargs.pop("description", "二楼消防通道堆放床垫，灭火器过期。"),
        **kwargs,
    )


def test_a_hazard_found_by_the_supervisor_is_an_order_at_once(cast):
    hazard = _record(cast, cast.supervisor, severity="critical")
    order = hazard.order
    assert isinstance(order, RectificationOrder)
    assert (order.source_kind, order.source_ref, order.kindergarten) == ("hazard", str(hazard.pk), cast.kg_a1)
    assert order.source_label == "安全隐患（消防，督导检查）"
    assert source_kind_label("hazard") == "安全隐患"
    assert source_url(order) == f"/safety/hazards/{hazard.pk}/"
    assert order.events.get().kind == "issued"


def test_a_hazard_from_the_kindergartens_own_check_waits_for_the_order_and_tells_the_supervisor(cast):
    hazard = _record(cast, cast.kg_staff, source="daily", category="food")
    assert hazard.order is None
    assert Notification.objects.filter(recipient=cast.supervisor, link=f"/safety/hazards/{hazard.pk}/").exists()
    with pytest.raises(PermissionDenied):
        hazard_issue_order(actor=cast.kg_director, hazard=hazard, severity="minor")
    order = hazard_issue_order(actor=cast.bureau_staff, hazard=hazard, severity="minor")
    hazard.refresh_from_db()
    assert hazard.order == order
    with pytest.raises(ValidationError):
        hazard_issue_order(actor=cast.bureau_staff, hazard=hazard, severity="minor")
    assert RectificationOrder.objects.filter(source_kind="hazard").count() == 1


def test_a_hazard_is_checked_in_one_pass(cast):
    with pytest.raises(ValidationError) as failure:
        _record(cast, cast.supervisor, category="x", source="", found_on=datetime.date(2999, 1, 1), description="")
    assert set(failure.value.message_dict) == {"category", "source", "found_on", "description", "severity"}
    assert not Hazard.objects.exists()


@pytest.mark.parametrize(
    ("who", "kg"), [("director_a2", "kg_a1"), ("supervisor", "kg_a2"), ("admin_b", "kg_a1"), ("city_viewer", "kg_a1")]
)
def test_outsiders_cannot_record(cast, who, kg):
    with pytest.raises(PermissionDenied):
        _record(cast, getattr(cast, who), kg=getattr(cast, kg), severity="minor")
    assert not Hazard.objects.exists()
