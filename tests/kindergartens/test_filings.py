"""Change filings (变更备案): submit, return, resubmit, approve, the late-principal flag and the difference.

The cast's kindergartens each start with an open filing (``cast.filing_a1``…, proposing a capacity
of 321); tests that file anew for kg_a1 first approve that one (``fresh_a1``).
"""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from kindergartens.models import ChangeFiling, ChangeFilingEvent, Kindergarten, KindergartenStatusChange
from kindergartens.selectors_filings import FILING_FIELDS, filing_diff
from kindergartens.services import (
    filing_approve,
    filing_resubmit,
    filing_return,
    filing_submit,
    kindergarten_update,
    today,
)
from kindergartens.services.filings import ALREADY_OPEN, NOTHING_TO_CHANGE, REASON_REQUIRED

SHANGHAI = ZoneInfo("Asia/Shanghai")
Action = ChangeFilingEvent.Action


@pytest.fixture
def fresh_a1(cast):
    """kg_a1 with the cast's filing approved (capacity 321), so the director may file again."""
    filing_approve(actor=cast.bureau_staff, filing=cast.filing_a1)
    cast.kg_a1.refresh_from_db()
    return cast.kg_a1


SINCE = today() - datetime.timedelta(days=5)  # recent enough never to be late


def _file(cast, effective_date=SINCE, explanation="", **proposed) -> ChangeFiling:
    return filing_submit(
        actor=cast.kg_director,
        kindergarten=cast.kg_a1,
        proposed=proposed,
        effective_date=effective_date,
        explanation=explanation,
    )


def _messages(exc_info) -> dict[str, list[str]] | list[str]:
    exc = exc_info.value
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def _actions(filing) -> list[str]:
    return list(filing.events.order_by("at", "id").values_list("action", flat=True))


# --- submit ------------------------------------------------------------------------------


def test_submit_keeps_only_what_differs_in_json_form(cast, fresh_a1):
    filing = _file(
        cast,
        effective_date=SINCE,
        explanation="  新园长到任  ",
        name=fresh_a1.name,  # unchanged: dropped
        capacity=321,  # unchanged (the approved cast filing): dropped
        township=cast.village_a,
        fee_monthly=Decimal("1200"),
        fee_government_guided=True,
        principal_name="李园长",
        principal_since=SINCE,
        status="rectifying",
    )
    assert filing.state == ChangeFiling.State.SUBMITTED
    assert filing.proposed == {
        "township": cast.village_a.pk,
        "fee_monthly": "1200.00",
        "fee_government_guided": True,
        "principal_name": "李园长",
        "principal_since": SINCE.isoformat(),
        "status": "rectifying",
    }
    assert filing.original == {
        "township": cast.town_a.pk,
        "fee_monthly": None,
        "fee_government_guided": False,
        "principal_name": "",
        "principal_since": None,
        "status": "operating",
    }
    stored = ChangeFiling.objects.get(pk=filing.pk)
    assert json.loads(json.dumps(stored.proposed)) == filing.proposed  # JSON-safe, survives the database
    assert stored.explanation == "新园长到任"
    assert stored.filed_by == cast.kg_director and stored.late_principal_change is False
    assert stored.effective_date == SINCE
    assert [(e.action, e.actor) for e in stored.events.all()] == [(Action.SUBMITTED, cast.kg_director)]
    assert stored.events.get().proposed == filing.proposed
    fresh_a1.refresh_from_db()
    assert fresh_a1.principal_name == "" and fresh_a1.township == cast.town_a  # nothing applied yet


def test_an_empty_change_is_refused(cast, fresh_a1):
    with pytest.raises(ValidationError) as exc:
        _file(cast, name=fresh_a1.name, capacity=321, principal_name="")
    assert _messages(exc) == [NOTHING_TO_CHANGE]
    with pytest.raises(ValidationError):
        _file(cast)
    assert not ChangeFiling.objects.filter(kindergarten=fresh_a1).exclude(pk=cast.filing_a1.pk).exists()


def test_one_open_filing_per_kindergarten(cast):
    # cast.filing_a1 is submitted: a second one waits for it.
    with pytest.raises(ValidationError) as exc:
        _file(cast, principal_name="李园长")
    assert _messages(exc) == [ALREADY_OPEN]
    # A returned filing is still open: the director revises it rather than filing another.
    filing_return(actor=cast.bureau_staff, filing=cast.filing_a1, reason="请附任命文件。")
    with pytest.raises(ValidationError) as exc:
        _file(cast, principal_name="李园长")
    assert _messages(exc) == [ALREADY_OPEN]
    assert ChangeFiling.objects.filter(kindergarten=cast.kg_a1).count() == 1


@pytest.mark.parametrize(
    ("proposed", "field", "message"),
    [
        ({"capacity": -1}, "capacity", "学位数不能为负数。"),
        ({"fee_monthly": Decimal("-5")}, "fee_monthly", "保教费不能为负数。"),
        ({"name": "  "}, "name", "园所名称不能为空。"),
        ({"name": "西安镇中心幼儿园"}, "name", "本区县已有同名幼儿园。"),  # kg_a2's name
        ({"capacity": "很多"}, "capacity", None),
        ({"principal_since": "2026-13-01"}, "principal_since", None),
        ({"schedule": "weekly"}, "schedule", None),
        ({"principal_name": "长" * 51}, "principal_name", None),
    ],
)
def test_proposed_values_are_validated(cast, fresh_a1, proposed, field, message):
    with pytest.raises(ValidationError) as exc:
        _file(cast, **proposed)
    errors = _messages(exc)
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in errors[field])  # Chinese messages
    assert ChangeFiling.objects.filter(kindergarten=fresh_a1).count() == 1


def test_a_township_of_another_district_is_refused(cast, fresh_a1):
    with pytest.raises(ValidationError) as exc:
        _file(cast, township=cast.town_b)
    assert _messages(exc) == {"township": ["街道/乡镇不属于本园所在区县。"]}


def test_fields_decided_by_the_bureau_cannot_be_filed(cast, fresh_a1):
    assert "nature" not in FILING_FIELDS and "level" not in FILING_FIELDS
    with pytest.raises(ValidationError) as exc:
        _file(cast, nature="private", credit_rating="A")
    assert _messages(exc) == ["以下项目不能通过变更备案修改：办园性质、信用等级。"]
    with pytest.raises(ValidationError) as exc:
        _file(cast, district=cast.district_b, colour="red")
    assert _messages(exc) == ["以下项目不能通过变更备案修改：所属区县、colour。"]


def test_the_effective_date_is_required(cast, fresh_a1):
    with pytest.raises(ValidationError) as exc:
        _file(cast, effective_date=None, principal_name="李园长")
    assert _messages(exc) == {"effective_date": ["请填写变更生效日期。"]}


@pytest.mark.parametrize("who", ["kg_staff", "bureau_staff", "bureau_admin", "supervisor", "city_viewer", "no_scope"])
def test_only_the_director_files(cast, fresh_a1, who):
    with pytest.raises(PermissionDenied):
        filing_submit(
            actor=getattr(cast, who),
            kindergarten=fresh_a1,
            proposed={"principal_name": "李园长"},
            effective_date=today(),
        )


def test_a_director_cannot_file_for_another_kindergarten(cast, fresh_a1):
    with pytest.raises(PermissionDenied):
        filing_submit(
            actor=cast.director_a2, kindergarten=fresh_a1, proposed={"principal_name": "李园长"}, effective_date=today()
        )


# --- return and resubmit -------------------------------------------------------------------


def test_return_requires_a_reason(cast):
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            filing_return(actor=cast.bureau_staff, filing=cast.filing_a1, reason=reason)
        assert _messages(exc) == {"reason": [REASON_REQUIRED]}
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == ChangeFiling.State.SUBMITTED
    assert not cast.filing_a1.events.exists()


@pytest.mark.parametrize("who", ["kg_director", "kg_staff", "supervisor", "city_viewer", "admin_b"])
def test_only_the_districts_bureau_reviews(cast, who):
    actor = getattr(cast, who)
    with pytest.raises(PermissionDenied):
        filing_return(actor=actor, filing=cast.filing_a1, reason="不行")
    with pytest.raises(PermissionDenied):
        filing_approve(actor=actor, filing=cast.filing_a1)
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == ChangeFiling.State.SUBMITTED


def test_return_then_resubmit_then_approve(cast, fresh_a1):
    filing = _file(cast, principal_name="李园长", capacity=360)
    returned = filing_return(actor=cast.bureau_staff, filing=filing, reason=" 请附任命文件。 ")
    assert returned.state == ChangeFiling.State.RETURNED
    assert returned.return_reason == "请附任命文件。"
    assert returned.decided_by == cast.bureau_staff and returned.decided_at is not None
    event = returned.events.get(action=Action.RETURNED)
    assert (event.actor, event.reason) == (cast.bureau_staff, "请附任命文件。")

    with pytest.raises(ValidationError) as exc:
        filing_approve(actor=cast.bureau_staff, filing=returned)
    assert _messages(exc) == ["只有待审核的变更备案可以审核通过。"]
    with pytest.raises(ValidationError) as exc:
        filing_return(actor=cast.bureau_staff, filing=returned, reason="再退一次")
    assert _messages(exc) == ["只有待审核的变更备案可以退回。"]
    with pytest.raises(PermissionDenied):
        filing_resubmit(actor=cast.kg_staff, filing=returned, proposed={"capacity": 1}, effective_date=today())

    first_submitted_at = returned.submitted_at
    resubmitted = filing_resubmit(
        actor=cast.kg_director,
        filing=returned,
        proposed={"principal_name": "李园长", "capacity": 321},  # capacity back to current: dropped
        effective_date=datetime.date(2026, 11, 2),
        explanation="附任命文件",
    )
    assert resubmitted.state == ChangeFiling.State.SUBMITTED
    assert resubmitted.proposed == {"principal_name": "李园长"}
    assert resubmitted.original == {"principal_name": ""}
    assert resubmitted.effective_date == datetime.date(2026, 11, 2)
    assert resubmitted.submitted_at >= first_submitted_at
    assert resubmitted.filed_at == filing.filed_at
    assert (resubmitted.return_reason, resubmitted.decided_by, resubmitted.decided_at) == ("", None, None)
    assert _actions(resubmitted) == [Action.SUBMITTED, Action.RETURNED, Action.RESUBMITTED]

    approved = filing_approve(actor=cast.bureau_admin, filing=resubmitted)
    assert approved.state == ChangeFiling.State.APPROVED
    assert _actions(approved) == [Action.SUBMITTED, Action.RETURNED, Action.RESUBMITTED, Action.APPROVED]
    assert Kindergarten.objects.get(pk=fresh_a1.pk).principal_name == "李园长"
    # Returned reasons stay in the timeline after approval.
    assert approved.events.get(action=Action.RETURNED).reason == "请附任命文件。"


def test_only_a_returned_filing_is_resubmitted(cast):
    with pytest.raises(ValidationError) as exc:
        filing_resubmit(actor=cast.kg_director, filing=cast.filing_a1, proposed={"capacity": 1}, effective_date=today())
    assert _messages(exc) == ["只有已退回的变更备案可以修改后重新提交。"]


def test_resubmit_validates_like_submit(cast):
    filing_return(actor=cast.bureau_staff, filing=cast.filing_a1, reason="学位数有误")
    with pytest.raises(ValidationError) as exc:
        filing_resubmit(actor=cast.kg_director, filing=cast.filing_a1, proposed={"capacity": 0}, effective_date=today())
    assert _messages(exc) == [NOTHING_TO_CHANGE]  # 0 is the current capacity
    with pytest.raises(ValidationError) as exc:
        filing_resubmit(
            actor=cast.kg_director, filing=cast.filing_a1, proposed={"township": cast.town_b}, effective_date=today()
        )
    assert list(_messages(exc)) == ["township"]
    cast.filing_a1.refresh_from_db()
    assert cast.filing_a1.state == ChangeFiling.State.RETURNED


# --- approve -------------------------------------------------------------------------------


def test_approve_applies_the_change_with_its_effective_date(cast, fresh_a1):
    # The cast's kindergartens were registered today: a status change dated before that is history
    # older than the registration, so this one takes effect today.
    filing = _file(
        cast,
        effective_date=today(),
        principal_name="李园长",
        principal_since=SINCE,
        capacity=400,
        township=cast.village_a,
        status="rectifying",
    )
    last_audit = AuditEntry.objects.latest("id").pk
    approved = filing_approve(actor=cast.bureau_staff, filing=filing)

    kg = Kindergarten.objects.get(pk=fresh_a1.pk)
    assert (kg.principal_name, kg.principal_since, kg.capacity, kg.township, kg.status) == (
        "李园长",
        SINCE,
        400,
        cast.village_a,
        "rectifying",
    )
    change = KindergartenStatusChange.objects.get(kindergarten=kg, attribute="status", value="rectifying")
    assert change.effective_date == today()
    assert change.recorded_by == cast.bureau_staff
    assert change.note == f"变更备案 #{filing.pk}"
    assert approved.decided_by == cast.bureau_staff and approved.decided_at is not None
    assert approved.kindergarten.principal_name == "李园长"  # the returned filing carries the updated record
    entry = AuditEntry.objects.get(
        pk__gt=last_audit,
        content_type=ContentType.objects.get_for_model(Kindergarten),
        object_id=str(kg.pk),
        action="update",
    )
    assert entry.changes["principal_name"] == ["", "李园长"]
    assert entry.changes["capacity"] == [321, 400]
    assert entry.changes["status"] == ["operating", "rectifying"]


def test_a_future_dated_status_change_waits_for_its_day(cast, fresh_a1):
    day = today() + datetime.timedelta(days=10)
    filing = _file(cast, effective_date=day, status="suspended", principal_name="李园长")
    filing_approve(actor=cast.bureau_staff, filing=filing)
    kg = Kindergarten.objects.get(pk=fresh_a1.pk)
    assert kg.status == "operating" and kg.principal_name == "李园长"
    assert KindergartenStatusChange.objects.filter(
        kindergarten=kg, attribute="status", value="suspended", effective_date=day
    ).exists()


def test_approve_refuses_when_the_record_changed_in_the_same_fields(cast, fresh_a1):
    filing = _file(cast, capacity=500, principal_name="李园长")
    kindergarten_update(actor=cast.bureau_staff, kindergarten=fresh_a1, changes={"capacity": 450})
    with pytest.raises(ValidationError) as exc:
        filing_approve(actor=cast.bureau_staff, filing=filing)
    (message,) = _messages(exc)
    assert "学位数" in message and "园长姓名" not in message
    filing.refresh_from_db()
    assert filing.state == ChangeFiling.State.SUBMITTED
    kg = Kindergarten.objects.get(pk=fresh_a1.pk)
    assert (kg.capacity, kg.principal_name) == (450, "")
    assert _actions(filing) == [Action.SUBMITTED]
    # The diff shows the reviewer what happened.
    row = next(r for r in filing_diff(filing) if r["field"] == "capacity")
    assert (row["old"], row["new"], row["current"], row["changed_since"]) == ("321", "500", "450", True)


def test_a_record_already_holding_the_proposed_value_is_not_a_conflict(cast, fresh_a1):
    filing = _file(cast, capacity=500, principal_name="李园长")
    kindergarten_update(actor=cast.bureau_staff, kindergarten=fresh_a1, changes={"capacity": 500})
    filing_approve(actor=cast.bureau_staff, filing=filing)
    assert Kindergarten.objects.get(pk=fresh_a1.pk).principal_name == "李园长"


def test_nothing_is_half_saved_when_applying_fails(cast, fresh_a1):
    filing = _file(cast, name="大洼区实验幼儿园", status="rectifying", principal_name="李园长")
    # Meanwhile another kindergarten of the district takes that name: the record refuses the change.
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a2, changes={"name": "大洼区实验幼儿园"})
    audit_count = AuditEntry.objects.count()
    changes_count = KindergartenStatusChange.objects.count()
    with pytest.raises(ValidationError):
        filing_approve(actor=cast.bureau_staff, filing=filing)
    kg = Kindergarten.objects.get(pk=fresh_a1.pk)
    assert (kg.name, kg.status, kg.principal_name) == ("大洼区第一幼儿园", "operating", "")
    assert KindergartenStatusChange.objects.count() == changes_count
    assert AuditEntry.objects.count() == audit_count
    filing.refresh_from_db()
    assert filing.state == ChangeFiling.State.SUBMITTED and filing.decided_by is None
    assert _actions(filing) == [Action.SUBMITTED]


def test_a_filing_is_decided_once(cast):
    filing_approve(actor=cast.bureau_staff, filing=cast.filing_a1)
    stale = ChangeFiling.objects.get(pk=cast.filing_a1.pk)
    stale.state = ChangeFiling.State.SUBMITTED  # a second tab still showing the filing as waiting
    with pytest.raises(ValidationError):
        filing_approve(actor=cast.bureau_admin, filing=stale)
    with pytest.raises(ValidationError):
        filing_return(actor=cast.bureau_admin, filing=stale, reason="晚了")
    assert ChangeFiling.objects.get(pk=cast.filing_a1.pk).state == ChangeFiling.State.APPROVED


# --- the late-principal flag at the one-month boundary (Asia/Shanghai) --------------------


def _at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


@pytest.mark.parametrize(
    ("since", "now", "late"),
    [
        # took office on 15 October: filed by the end of 15 November is on time
        (datetime.date(2026, 10, 15), (2026, 11, 15, 23, 59), False),
        (datetime.date(2026, 10, 15), (2026, 11, 16, 0, 0), True),
        # 31 January + one month is 28 February (no 31st): 1 March is late
        (datetime.date(2026, 1, 31), (2026, 2, 28, 23, 59), False),
        (datetime.date(2026, 1, 31), (2026, 3, 1, 0, 0), True),
        # a leap year: 29 February
        (datetime.date(2028, 1, 31), (2028, 2, 29, 23, 59), False),
        (datetime.date(2028, 1, 31), (2028, 3, 1, 0, 0), True),
    ],
)
def test_late_principal_change_at_the_boundary(cast, fresh_a1, since, now, late):
    with _at(*now):
        filing = _file(cast, effective_date=since, principal_name="李园长", principal_since=since)
    assert filing.late_principal_change is late


def test_late_flag_uses_the_effective_date_without_a_start_date(cast, fresh_a1):
    with _at(2026, 12, 1, 0, 0):
        filing = _file(cast, effective_date=datetime.date(2026, 10, 31), principal_name="李园长")
    assert filing.late_principal_change is True  # 31 October + 1 month = 30 November


def test_other_changes_are_never_late(cast, fresh_a1):
    with _at(2027, 6, 1, 9, 0):
        filing = _file(cast, effective_date=datetime.date(2026, 1, 1), capacity=400)
    assert filing.late_principal_change is False


def test_a_principal_change_filed_on_time_stays_on_time_when_resubmitted(cast, fresh_a1):
    with _at(2026, 11, 10, 9, 0):
        filing = _file(
            cast,
            effective_date=datetime.date(2026, 11, 1),
            principal_name="李园长",
            principal_since=datetime.date(2026, 11, 1),
        )
        filing_return(actor=cast.bureau_staff, filing=filing, reason="请附任命文件。")
    with _at(2026, 12, 20, 9, 0):
        filing = filing_resubmit(
            actor=cast.kg_director,
            filing=filing,
            proposed={"principal_name": "李园长", "principal_since": datetime.date(2026, 11, 1)},
            effective_date=datetime.date(2026, 11, 1),
        )
        assert filing.late_principal_change is False
        filing_return(actor=cast.bureau_staff, filing=filing, reason="姓名有误")
        # A different principal named only now counts from now.
        filing = filing_resubmit(
            actor=cast.kg_director,
            filing=filing,
            proposed={"principal_name": "王园长", "principal_since": datetime.date(2026, 11, 1)},
            effective_date=datetime.date(2026, 11, 1),
        )
    assert filing.late_principal_change is True


# --- the difference --------------------------------------------------------------------------


def test_filing_diff_shows_readable_values(cast, fresh_a1):
    filing = _file(
        cast,
        township=cast.village_a,
        schedule="boarding",
        has_parent_committee=True,
        fee_monthly=Decimal("880.5"),
        licence_valid_until=datetime.date(2029, 8, 31),
        party_organisation="joint",
    )
    rows = {r["field"]: r for r in filing_diff(filing)}
    assert list(rows) == [f for f in FILING_FIELDS if f in rows]  # record order
    assert (rows["township"]["label"], rows["township"]["old"], rows["township"]["new"]) == (
        "街道/乡镇",
        "大洼街道",
        "西安镇",
    )
    assert (rows["schedule"]["old"], rows["schedule"]["new"]) == ("全日制", "寄宿制")
    assert (rows["has_parent_committee"]["old"], rows["has_parent_committee"]["new"]) == ("否", "是")
    assert (rows["fee_monthly"]["old"], rows["fee_monthly"]["new"]) == ("—", "880.50")
    assert (rows["licence_valid_until"]["old"], rows["licence_valid_until"]["new"]) == ("—", "2029-08-31")
    assert rows["party_organisation"]["new"] == "联合党组织"
    assert all(r["current"] == r["old"] and not r["changed_since"] for r in rows.values())

    filing_approve(actor=cast.bureau_staff, filing=filing)
    filing.refresh_from_db()
    rows = {r["field"]: r for r in filing_diff(filing)}
    assert rows["township"]["current"] == "西安镇" and rows["fee_monthly"]["current"] == "880.50"
    # Later edits show as the current value, next to what was approved.
    kindergarten_update(actor=cast.bureau_staff, kindergarten=filing.kindergarten, changes={"schedule": "full_day"})
    filing.refresh_from_db()
    row = next(r for r in filing_diff(filing) if r["field"] == "schedule")
    assert (row["new"], row["current"]) == ("寄宿制", "全日制")
