"""Names of records that show a time (admin, history, pickers) show it in Beijing time."""

import datetime

from core.models import WorkerHeartbeat
from kindergartens.models import RosterImport

# 18:38 UTC on 4 December is 02:38 on 5 December in Beijing.
AT = datetime.datetime(2026, 12, 4, 18, 38, 5, tzinfo=datetime.UTC)


def test_roster_import_name_is_in_beijing_time():
    assert str(RosterImport(filename="名册.xlsx", uploaded_at=AT)) == "名册.xlsx（2026-12-05 02:38）"


def test_heartbeat_name_is_in_beijing_time():
    assert str(WorkerHeartbeat(name="beat", beat_at=AT)).endswith("2026-12-05 02:38:05")
