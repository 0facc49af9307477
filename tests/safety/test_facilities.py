"""Facilities and duties with dated changes, school buses, monthly video checks, responsibility
letters and drills; the per-district rates ("4 × 100%", 30-day footage, bus inspections)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kindergartens.models import Kindergarten
from safety.models import Drill, FacilityRecord, ResponsibilityLetter, VideoCheck
from safety.selectors import facility_rates
from safety.services import (
    bus_add,
    bus_inspect,
    bus_retire,
    drill_record,
    facility_record_change,
    letter_record,
    video_check_record,
)
from supervision.models import EvidenceFile
from tests.safety.helpers import beijing
from tests.supervision.files import FAKE_JPEG, PDF, PNG, upload


@pytest.fixture(autouse=True)
def _registered_since_2024(cast):
    """The cast's kindergartens count from 2024 on (their dated history starts when they were made)."""
    from kindergartens.models import KindergartenStatusChange

    KindergartenStatusChange.objects.update(effective_date=datetime.date(2024, 1, 1))


FULL = {
    "video_public_areas": True,
    "video_retention_days": 30,
    "video_networked": True,
    "alarm_linked": True,
    "full_time_guards": 2,
    "closed_campus": True,
    "guard_post": True,
    "safety_officer_certified": True,
}


def test_changes_are_dated_and_the_state_on_a_day_is_the_latest_in_force(cast):
    facility_record_change(
        actor=cast.kg_director,
        kindergarten=cast.kg_a1,
        effective_on=datetime.date(2026, 1, 1),
        **{**FULL, "guard_post": False},
    )
    facility_record_change(
        actor=cast.bureau_staff, kindergarten=cast.kg_a1, effective_on=datetime.date(2026, 3, 1), **FULL
    )
    assert FacilityRecord.objects.filter(kindergarten=cast.kg_a1).count() == 2
    kgs = Kindergarten.objects.filter(pk=cast.kg_a1.pk)
    assert facility_rates(kgs, on=datetime.date(2026, 2, 15))[0]["four"] == 0.0
    assert facility_rates(kgs, on=datetime.date(2026, 3, 1))[0]["four"] == 100.0
    with pytest.raises(ValidationError) as same_day:
        facility_record_change(
            actor=cast.kg_director, kindergarten=cast.kg_a1, effective_on=datetime.date(2026, 3, 1), **FULL
        )
    assert "effective_on" in same_day.value.message_dict


@pytest.mark.parametrize("who", ["supervisor", "city_viewer", "director_a2", "admin_b"])
def test_only_the_kindergarten_and_its_bureau_record(cast, who):
    with pytest.raises(PermissionDenied):
        facility_record_change(
            actor=getattr(cast, who), kindergarten=cast.kg_a1, effective_on=datetime.date(2026, 1, 1), **FULL
        )


def test_district_rates_count_every_counted_kindergarten_with_fixed_queries(cast, django_assert_num_queries):
    facility_record_change(
        actor=cast.kg_director, kindergarten=cast.kg_a1, effective_on=datetime.date(2026, 1, 1), **FULL
    )
    facility_record_change(
        actor=cast.director_a2,
        kindergarten=cast.kg_a2,
        effective_on=datetime.date(2026, 1, 1),
        **{**FULL, "video_retention_days": 15, "alarm_linked": False},
    )
    bus = bus_add(actor=cast.kg_director, kindergarten=cast.kg_a1, plate="辽k12345", seats=19)
    bus_add(
        actor=cast.kg_director,
        kindergarten=cast.kg_a1,
        plate="辽K00001",
        seats=19,
        inspected_on=datetime.date(2026, 1, 5),
        valid_until=datetime.date(2027, 1, 4),
    )
    assert bus.plate == "辽K12345"
    with time_machine.travel(beijing(2026, 3, 5, 9), tick=False):
        video_check_record(
            actor=cast.kg_staff,
            kindergarten=cast.kg_a1,
            month=datetime.date(2026, 2, 1),
            cameras_total=20,
            cameras_working=19,
            retention_days=31,
            retention_verified=True,
            faults="大门口摄像头故障，已报修。",
        )
    kgs = Kindergarten.objects.filter(district=cast.district_a)
    with django_assert_num_queries(5):
        rates = facility_rates(kgs, on=datetime.date(2026, 3, 5))
    (row,) = rates
    assert row["kindergartens"] == 2
    assert (row["four"], row["footage30"], row["alarm"], row["guards"]) == (50.0, 50.0, 50.0, 100.0)
    assert (row["buses"], row["buses_inspected"]) == (2, 50.0)
    assert (row["video_checked"], row["video_verified"]) == (50.0, 50.0)
    city = facility_rates(Kindergarten.objects.filter(district__parent=cast.city), on=datetime.date(2026, 3, 5))
    assert [r["district"] for r in city] == sorted(r["district"] for r in city) and len(city) == 2


def test_bus_inspection_is_checked(cast):
    bus = bus_add(actor=cast.kg_director, kindergarten=cast.kg_a1, plate="辽K1", seats=10)
    with pytest.raises(ValidationError) as failure:
        bus_inspect(
            actor=cast.kg_director,
            bus=bus,
            inspected_on=datetime.date(2026, 3, 1),
            valid_until=datetime.date(2026, 2, 1),
        )
    assert "valid_until" in failure.value.message_dict
    bus_inspect(
        actor=cast.kg_director, bus=bus, inspected_on=datetime.date(2026, 3, 1), valid_until=datetime.date(2027, 2, 28)
    )
    bus.refresh_from_db()
    assert bus.valid_until == datetime.date(2027, 2, 28)


def test_video_check_once_a_month_with_faults_explained(cast):
    with time_machine.travel(beijing(2026, 3, 5, 9), tick=False):
        with pytest.raises(ValidationError) as failure:
            video_check_record(
                actor=cast.kg_staff,
                kindergarten=cast.kg_a1,
                month=datetime.date(2026, 4, 1),
                cameras_total=10,
                cameras_working=11,
                retention_days=30,
                retention_verified=True,
            )
        assert set(failure.value.message_dict) == {"month", "cameras_working"}
        video_check_record(
            actor=cast.kg_staff,
            kindergarten=cast.kg_a1,
            month=datetime.date(2026, 3, 1),
            cameras_total=10,
            cameras_working=10,
            retention_days=30,
            retention_verified=True,
        )
        with pytest.raises(ValidationError):
            video_check_record(
                actor=cast.kg_staff,
                kindergarten=cast.kg_a1,
                month=datetime.date(2026, 3, 20),
                cameras_total=10,
                cameras_working=9,
                retention_days=30,
                retention_verified=True,
            )
    assert VideoCheck.objects.count() == 1


def test_a_letter_needs_its_signed_file_and_only_a_real_photo_or_pdf(cast):
    kwargs = {
        "actor": cast.kg_director,
        "kindergarten": cast.kg_a1,
        "level": "director_staff",
        "year": 2026,
        "parties": "园长—大一班班主任",
        "signed_on": datetime.date(2026, 2, 1),
    }
    with pytest.raises(ValidationError) as missing:
        letter_record(**kwargs, files=[])
    assert "files" in missing.value.message_dict
    with pytest.raises(ValidationError):
        letter_record(**kwargs, files=[upload(FAKE_JPEG, "签字.jpg")])
    assert not EvidenceFile.objects.exists()
    letter = letter_record(**kwargs, files=[upload(PDF, "责任书.pdf")])
    assert letter.file.original_name == "责任书.pdf" and letter.file.kindergarten == cast.kg_a1
    assert ResponsibilityLetter.objects.count() == 1


def test_a_drill_with_photos(cast):
    drill = drill_record(
        actor=cast.kg_staff,
        kindergarten=cast.kg_a1,
        held_on=datetime.date(2026, 3, 2),
        kind="fire",
        participants=180,
        notes="全园疏散用时 3 分 10 秒。",
        files=[upload(PNG, "疏散.png")],
    )
    assert drill.photos.count() == 1
    with pytest.raises(ValidationError) as failure:
        drill_record(
            actor=cast.kg_staff, kindergarten=cast.kg_a1, held_on=datetime.date(2999, 1, 1), kind="x", participants=-1
        )
    assert set(failure.value.message_dict) == {"held_on", "kind", "participants"}
    assert Drill.objects.count() == 1


def test_facility_pages(client, cast):
    client.force_login(cast.kg_staff)
    home = client.get(reverse("safety:facility-home"))
    assert home.status_code == 302 and home["Location"] == reverse("safety:facilities", args=[cast.kg_a1.pk])
    data = {
        "effective_on": "2026-03-01",
        "video_retention_days": "30",
        "full_time_guards": "1",
        "alarm_linked": "on",
        "closed_campus": "on",
        "guard_post": "on",
    }
    assert client.post(reverse("safety:facility-change", args=[cast.kg_a1.pk]), data).status_code == 302
    bad = client.post(reverse("safety:drill-create", args=[cast.kg_a1.pk]), {"kind": "fire"})
    assert bad.status_code == 400 and "请填写演练日期" in bad.content.decode()
    page = client.get(reverse("safety:facilities", args=[cast.kg_a1.pk])).content.decode()
    assert "全部达标" in page


def test_facility_home_list_has_a_fixed_query_count(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import KindergartenFactory

    client.force_login(cast.bureau_staff)
    url = reverse("safety:facility-home")

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    facility_record_change(
        actor=cast.bureau_staff, kindergarten=cast.kg_a1, effective_on=datetime.date(2026, 1, 1), **FULL
    )
    few = count()
    for i in range(4):
        kg = KindergartenFactory(township=cast.town_a, name=f"设施园{i}")
        facility_record_change(actor=cast.bureau_staff, kindergarten=kg, effective_on=datetime.date(2026, 1, 1), **FULL)
    assert count() == few


def test_a_bus_taken_out_of_service_stops_counting_from_that_day_and_keeps_its_record(client, cast):
    with time_machine.travel(beijing(2026, 3, 5, 9), tick=False):
        old = bus_add(actor=cast.kg_director, kindergarten=cast.kg_a1, plate="辽K2", seats=10)  # never inspected
        bus_add(
            actor=cast.kg_director,
            kindergarten=cast.kg_a1,
            plate="辽K3",
            seats=10,
            inspected_on=datetime.date(2026, 1, 1),
            valid_until=datetime.date(2026, 12, 31),
        )
        qs = Kindergarten.objects.filter(district=cast.district_a)
        (row,) = facility_rates(qs, on=datetime.date(2026, 3, 5))
        assert (row["buses"], row["buses_inspected"]) == (2, 50.0)
        with pytest.raises(ValidationError) as failure:
            bus_retire(actor=cast.kg_director, bus=old, retired_on=datetime.date(2026, 3, 6))
        assert failure.value.message_dict == {"retired_on": ["停用日期不能晚于今天。"]}
        with pytest.raises(PermissionDenied):
            bus_retire(actor=cast.supervisor, bus=old, retired_on=datetime.date(2026, 3, 1))
        # The page: the confirmation box is required.
        client.force_login(cast.kg_director)
        url = reverse("safety:bus-retire", args=[old.pk])
        page = client.post(url, {"retired_on": "2026-03-01"}, follow=True).content.decode()
        assert "请勾选确认停用。" in page
        old.refresh_from_db()
        assert old.retired_on is None
        client.post(url, {"retired_on": "2026-03-01", "confirm": "1"})
        old.refresh_from_db()
        assert old.retired_on == datetime.date(2026, 3, 1)
        (row,) = facility_rates(qs, on=datetime.date(2026, 3, 5))
        assert (row["buses"], row["buses_inspected"]) == (1, 100.0)
        (before,) = facility_rates(qs, on=datetime.date(2026, 2, 28))  # still in service then
        assert before["buses"] == 2
        with pytest.raises(ValidationError) as failure:
            bus_retire(actor=cast.kg_director, bus=old, retired_on=datetime.date(2026, 3, 2))
        assert "已于 2026年03月01日 停用" in failure.value.messages[0]
        page = client.get(reverse("safety:facilities", args=[cast.kg_a1.pk])).content.decode()
        assert "已停用（2026-03-01）" in page


def test_a_bus_is_taken_out_of_service_through_the_api_once_in_scope(cast):
    from rest_framework.test import APIClient

    with time_machine.travel(beijing(2026, 3, 5, 9), tick=False):
        bus = bus_add(actor=cast.kg_director, kindergarten=cast.kg_a1, plate="辽K7", seats=10)
        url = reverse("api:safety-bus-retire", args=[bus.pk])
        api = APIClient()
        api.force_authenticate(cast.supervisor)
        assert api.post(url, {"retired_on": "2026-03-01"}, format="json").status_code == 403
        api.force_authenticate(cast.kg_director)
        refused = api.post(url, {"retired_on": "2026-03-06"}, format="json")
        assert refused.status_code == 400
        assert "停用日期不能晚于今天。" in str(refused.json())
        bus.refresh_from_db()
        assert bus.retired_on is None
        answer = api.post(url, {"retired_on": "2026-03-01"}, format="json")
        assert answer.status_code == 200, answer.content
        bus.refresh_from_db()
        assert bus.retired_on == datetime.date(2026, 3, 1)
        again = api.post(url, {"retired_on": "2026-03-02"}, format="json")
        assert again.status_code == 400
        assert "已于 2026年03月01日 停用" in str(again.json())
        bus.refresh_from_db()
        assert bus.retired_on == datetime.date(2026, 3, 1)
