"""The daily task that brings future-dated status/nature changes into effect."""

import datetime
import zoneinfo

import time_machine

from core.models import AuditEntry
from kindergartens.models import Kindergarten, Status
from kindergartens.selectors import kindergartens_operating_on
from kindergartens.services import kindergarten_update
from kindergartens.tasks import apply_due_status_changes

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


# The cast is registered today (the real date): the dates here lie years ahead of any run.
def test_future_dated_closure_takes_effect_on_its_day(cast):
    with time_machine.travel(datetime.datetime(2030, 11, 30, 12, 0, tzinfo=SHANGHAI), tick=False):
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=Kindergarten.objects.get(pk=cast.kg_a2.pk),
            changes={"status": Status.SUSPENDED},
            effective_date=datetime.date(2030, 12, 1),
        )
        assert Kindergarten.objects.get(pk=cast.kg_a2.pk).status == Status.OPERATING  # not yet
        assert apply_due_status_changes() == 0
    # 23:59 on the eve, Beijing time: still operating.
    with time_machine.travel(datetime.datetime(2030, 11, 30, 23, 59, tzinfo=SHANGHAI), tick=False):
        assert apply_due_status_changes() == 0
    # 00:00 on the day, Beijing time (16:00 UTC the day before): it takes effect, once.
    with time_machine.travel(datetime.datetime(2030, 12, 1, 0, 0, tzinfo=SHANGHAI), tick=False):
        assert apply_due_status_changes() == 1
        assert apply_due_status_changes() == 0
    kg = Kindergarten.objects.get(pk=cast.kg_a2.pk)
    assert kg.status == Status.SUSPENDED
    entry = AuditEntry.objects.filter(object_id=str(kg.pk), source="task").latest("id")
    assert entry.changes["status"] == ["operating", "suspended"]
    operating = kindergartens_operating_on(Kindergarten.objects.all(), datetime.date(2030, 11, 30))
    assert cast.kg_a2.pk in set(operating.values_list("pk", flat=True))
    operating = kindergartens_operating_on(Kindergarten.objects.all(), datetime.date(2030, 12, 1))
    assert cast.kg_a2.pk not in set(operating.values_list("pk", flat=True))
