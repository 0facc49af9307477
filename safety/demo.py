"""Demo data for safety (called by ``manage.py seed_demo`` after the registry), so that ``make run``
shows believable safety records. Idempotent: each part is made once (nothing that exists is changed).

- Incidents (大洼区 and 双台子区): one closed with follow-up and final report (forwarded to the district
  government), one public-health event reported late and forwarded to the health department and the
  city, one still open; a staff member's draft waiting for 大洼区第一幼儿园's director. Past incidents
  are written with their own times, straight into the append-only tables (INSERT only), since the
  services stamp the server's time; nobody is notified for them.
- Hazards through the rectification workflow (services): one closed (answered with a photo and
  accepted), one overdue, one waiting for its order (found by the kindergarten's daily check).
- Facilities and duties for every operating kindergarten (a few short of the "4 × 100%" or of 30-day
  footage; one later change), school buses (one inspection expired), video checks for the last two
  months (a few missing, one with a fault), zero reports for the last two months where no incident
  happened, responsibility letters with a signed PDF and drills with a photo for a few kindergartens.
"""

from __future__ import annotations

import datetime
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.audit import audit_context
from kindergartens.models import OPERATING_STATUSES, Bureau, Kindergarten
from safety import services
from safety.models import (
    Drill,
    EntryKind,
    FacilityRecord,
    Hazard,
    Incident,
    IncidentDraft,
    IncidentEntry,
    ResponsibilityLetter,
    SchoolBus,
    VideoCheck,
    ZeroReport,
)

CITY = "盘锦市教育局"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x66\x99\xcc"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _first(role: str, **where) -> User | None:
    return User.objects.filter(role=role, is_active=True, **where).order_by("pk").first()


def _operating(district: Bureau):
    return Kindergarten.objects.filter(district=district, status__in=OPERATING_STATUSES).order_by("name")


def _months_back(n: int) -> list[datetime.date]:
    """The first days of the last ``n`` complete months, oldest first."""
    month = timezone.localdate().replace(day=1)
    months = []
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months[::-1]


# --- incidents ------------------------------------------------------------------------------------------


def _incident(kg, director, *, occurred, reported, kind, grade, children, staff, text, entries=(), **moments):
    """An incident as it was reported then: the initial report and its later entries, with their times."""
    deadlines = services.incident_deadlines(occurred_at=occurred, kind=kind)
    summary = {"grade": grade, "kind": kind, "children_affected": children, "staff_affected": staff}
    for *_, restated in entries:
        summary.update(restated)
    incident = Incident.objects.create(
        kindergarten=kg,
        district_id=kg.district_id,
        occurred_at=occurred,
        reported_at=reported,
        reported_by=director,
        late=reported > deadlines["initial_deadline"],
        **summary,
        **deadlines,
        **moments,
    )
    IncidentEntry.objects.create(
        incident=incident,
        kind=EntryKind.INITIAL,
        at=reported,
        author=director,
        text=text,
        kind_stated=kind,
        grade_stated=grade,
        children_stated=children,
        staff_stated=staff,
    )
    for entry_kind, at, author, entry_text, restated in entries:
        IncidentEntry.objects.create(
            incident=incident,
            kind=entry_kind,
            at=at,
            author=author,
            text=entry_text,
            grade_stated=restated.get("grade", ""),
            children_stated=restated.get("children_affected"),
        )
    return incident


def _seed_incidents(dawa: Bureau, stz: Bureau | None) -> int:
    if Incident.objects.filter(district=dawa).exists():
        return 0
    kgs = list(_operating(dawa))
    first = next((k for k in kgs if k.name == "大洼区第一幼儿园"), kgs[0] if kgs else None)
    others = [k for k in kgs if k != first]
    staff_user = _first(Role.BUREAU_STAFF, bureau=dawa)
    if first is None or len(others) < 2 or staff_user is None:
        return 0
    director = _first(Role.KG_DIRECTOR, kindergarten=first)
    d2, d3 = (_first(Role.KG_DIRECTOR, kindergarten=k) for k in others[:2])
    if None in (director, d2, d3):
        return 0
    today = timezone.localdate()
    made = 0
    # Closed: an injury, on time, written report, follow-up, final report; forwarded to the government.
    day = today - datetime.timedelta(days=20)
    _incident(
        first,
        director,
        occurred=_at(day, 10, 5),
        reported=_at(day, 10, 38),
        kind="injury",
        grade="general",
        children=1,
        staff=0,
        text="户外活动时一名中班幼儿从滑梯侧面跌落，左前臂疼痛。保健医现场处置后由教师陪同送区人民医院，已通知家长。",
        entries=(
            (EntryKind.WRITTEN, _at(day, 11, 50), director, "书面报告已盖章上传，附现场照片和医院初诊记录。", {}),
            (
                EntryKind.FOLLOWUP,
                _at(day + datetime.timedelta(days=1), 9, 20),
                director,
                "医院诊断为左前臂青枝骨折，已石膏固定，需休息三周。园方已与家长沟通，已排查滑梯防护栏。",
                {},
            ),
            (
                EntryKind.FORWARD_GOVERNMENT,
                _at(day + datetime.timedelta(days=1), 10, 0),
                staff_user,
                "已书面报区政府办公室。",
                {},
            ),
            (
                EntryKind.FINAL,
                _at(day + datetime.timedelta(days=6), 16, 0),
                director,
                "幼儿恢复良好；滑梯侧面已加装防护网，全园开展大型玩具安全排查，教师看护分工已调整。",
                {},
            ),
        ),
        written_at=_at(day, 11, 50),
        forwarded_government_at=_at(day + datetime.timedelta(days=1), 10, 0),
        final_at=_at(day + datetime.timedelta(days=6), 16, 0),
    )
    made += 1
    # Late: a public-health event reported after the hour, raised to 较大, forwarded to health and the city.
    day = today - datetime.timedelta(days=9)
    _incident(
        others[0],
        d2,
        occurred=_at(day, 12, 30),
        reported=_at(day, 14, 5),
        kind="food",
        grade="general",
        children=4,
        staff=0,
        text="午餐后一小时内四名幼儿出现呕吐、腹痛，已送医观察，留存当日食品样品，暂停食堂供餐。",
        entries=(
            (EntryKind.HEALTH, _at(day, 14, 50), staff_user, "已电话报区卫生健康局，疾控中心到园采样。", {}),
            (
                EntryKind.FOLLOWUP,
                _at(day, 18, 30),
                d2,
                "又有七名幼儿出现类似症状，共十一名幼儿就医，均无生命危险。",
                {"grade": "large", "children_affected": 11},
            ),
            (EntryKind.FORWARD_CITY, _at(day, 19, 0), staff_user, "已报市教育局安全科。", {}),
            (
                EntryKind.FINAL,
                _at(day + datetime.timedelta(days=4), 15, 0),
                d2,
                "疾控中心检测结论为诺如病毒感染，幼儿均已康复返园；食堂已全面消毒，晨午检制度重新培训。",
                {},
            ),
        ),
        health_reported_at=_at(day, 14, 50),
        forwarded_city_at=_at(day, 19, 0),
        final_at=_at(day + datetime.timedelta(days=4), 15, 0),
    )
    made += 1
    # Open: a child briefly missing at pick-up, two days ago; a follow-up, no final report yet.
    day = today - datetime.timedelta(days=2)
    _incident(
        others[1],
        d3,
        occurred=_at(day, 16, 40),
        reported=_at(day, 17, 10),
        kind="missing",
        grade="general",
        children=1,
        staff=0,
        text="离园时一名小班幼儿跟随其他家长走出园门，十五分钟后在园外超市找到，未受伤。",
        entries=(
            (
                EntryKind.FOLLOWUP,
                _at(day + datetime.timedelta(days=1), 9, 0),
                d3,
                "已调取监控还原经过，正在修订离园交接制度，值班教师已停岗反思。",
                {},
            ),
        ),
    )
    made += 1
    if stz is not None:
        stz_kgs = list(_operating(stz)[:1])
        stz_director = _first(Role.KG_DIRECTOR, kindergarten=stz_kgs[0]) if stz_kgs else None
        if stz_director is not None:
            day = today - datetime.timedelta(days=40)
            _incident(
                stz_kgs[0],
                stz_director,
                occurred=_at(day, 9, 15),
                reported=_at(day, 9, 40),
                kind="facilities",
                grade="general",
                children=0,
                staff=1,
                text="教室吊扇罩松动坠落，擦伤一名教师手背，幼儿均在户外，无人受伤。",
                entries=(
                    (
                        EntryKind.FINAL,
                        _at(day + datetime.timedelta(days=2), 10, 0),
                        stz_director,
                        "全园吊扇、灯具已逐一检查加固。",
                        {},
                    ),
                ),
                final_at=_at(day + datetime.timedelta(days=2), 10, 0),
            )
            made += 1
    # A staff member's draft, waiting for the director (the draft is not an incident).
    baojian = _first(Role.KG_STAFF, kindergarten=first)
    if baojian is not None and not IncidentDraft.objects.filter(kindergarten=first).exists():
        services.draft_save(
            actor=baojian,
            kindergarten=first,
            occurred_at=timezone.now() - datetime.timedelta(minutes=25),
            kind="injury",
            text="午睡起床时一名大班幼儿从床边滑落，额头轻微红肿，已冷敷观察，已通知家长。（保健医起草，待园长核对提交）",
        )
    return made


# --- hazards --------------------------------------------------------------------------------------------


def _seed_hazards(dawa: Bureau) -> int:
    from supervision.models import RectificationOrder
    from supervision.rectification import order_accept, order_respond

    kgs = list(_operating(dawa))
    supervisor = _first(Role.SUPERVISOR, bureau=dawa)
    if len(kgs) < 4 or supervisor is None:
        return 0
    today = timezone.localdate()
    made = 0
    plan = (
        (kgs[0], "fire", "inspection", 35, "消防通道堆放体育器材，疏散指示灯两处不亮。", "closed"),
        (kgs[2], "building", "inspection", 40, "东侧围墙约三米出现裂缝，存在倾倒风险。", "overdue"),
        (kgs[3], "food", "daily", 3, "食堂留样冰箱温度计损坏，留样记录缺两天。", "waiting"),
        (kgs[1], "surroundings", "report", 6, "园门口早晚高峰有流动摊贩占道，接送拥堵。", "open"),
    )
    for kg, category, source, days_ago, description, outcome in plan:
        if Hazard.objects.filter(kindergarten=kg, description=description).exists():
            continue
        found = today - datetime.timedelta(days=days_ago)
        director = _first(Role.KG_DIRECTOR, kindergarten=kg)
        actor = director if outcome == "waiting" else supervisor
        if actor is None:
            continue
        hazard = services.hazard_record(
            actor=actor,
            kindergarten=kg,
            category=category,
            source=source,
            found_on=found,
            description=description,
            severity="major" if outcome == "overdue" else "minor",
        )
        made += 1
        if hazard.order_id is None:
            continue
        issued = _at(found, 15)
        if outcome == "overdue":
            RectificationOrder.objects.filter(pk=hazard.order_id).update(
                issued_at=issued, deadline=found + datetime.timedelta(days=30)
            )
        elif outcome == "closed" and director is not None:
            RectificationOrder.objects.filter(pk=hazard.order_id).update(
                issued_at=issued, deadline=found + datetime.timedelta(days=15)
            )
            order = RectificationOrder.objects.get(pk=hazard.order_id)
            order_respond(
                actor=director,
                order=order,
                response="器材已移入器材室，疏散指示灯已更换，消防通道每日巡查登记。",
                files=[SimpleUploadedFile("整改后消防通道.png", _png(), content_type="image/png")],
            )
            order_accept(actor=supervisor, order=order, note="现场复查合格。")
            RectificationOrder.objects.filter(pk=order.pk).update(
                responded_at=_at(found + datetime.timedelta(days=6), 10),
                verified_at=_at(found + datetime.timedelta(days=8), 15),
            )
        Hazard.objects.filter(pk=hazard.pk).update(recorded_at=issued)
    return made


# --- facilities, buses, checks, letters, drills, zero reports --------------------------------------------


def _seed_facilities(districts: list[Bureau]) -> dict[str, int]:
    counts = dict.fromkeys(("facilities", "buses", "checks", "letters", "drills", "zero"), 0)
    months = _months_back(2)
    today = timezone.localdate()
    for district in districts:
        keeper = _first(Role.BUREAU_STAFF, bureau=district)
        if keeper is None:
            continue
        for i, kg in enumerate(_operating(district)):
            director = _first(Role.KG_DIRECTOR, kindergarten=kg)
            if not FacilityRecord.objects.filter(kindergarten=kg).exists():
                services.facility_record_change(
                    actor=keeper,
                    kindergarten=kg,
                    effective_on=datetime.date(2024, 9, 1),
                    video_public_areas=i % 7 != 3,
                    video_retention_days=15 if i % 9 == 4 else 30,
                    video_networked=i % 5 != 2,
                    video_person=(director.display_name if director else "") or "后勤主任",
                    alarm_linked=i % 8 != 5,
                    full_time_guards=0 if i % 11 == 6 else 1 + i % 2,
                    closed_campus=True,
                    guard_post=i % 6 != 1,
                    clinic=True,
                    medical_pairing=f"{district.name.removesuffix('教育局')}人民医院",
                    safety_officer=f"安全员{i + 1:02d}",
                    safety_officer_trained=True,
                    safety_officer_certified=i % 3 != 2,
                )
                counts["facilities"] += 1
                if i % 8 == 5:  # the alarm linked later: a dated change
                    services.facility_record_change(
                        actor=keeper,
                        kindergarten=kg,
                        effective_on=datetime.date(2025, 3, 1),
                        **{
                            **{
                                f: getattr(FacilityRecord.objects.filter(kindergarten=kg).first(), f)
                                for f in services.FACILITY_FIELDS
                            },
                            "alarm_linked": True,
                            "note": "一键报警装置已接入公安110联网。",
                        },
                    )
                    counts["facilities"] += 1
            if i % 10 == 0 and not SchoolBus.objects.filter(kindergarten=kg).exists():
                expired = i % 20 == 10
                inspected = today - datetime.timedelta(days=400 if expired else 90)
                services.bus_add(
                    actor=keeper,
                    kindergarten=kg,
                    plate=f"辽L{51000 + i:05d}",
                    seats=19,
                    inspected_on=inspected,
                    valid_until=inspected + datetime.timedelta(days=365),
                )
                counts["buses"] += 1
            for m, month in enumerate(months):
                if i % 13 == 7 and m == len(months) - 1:
                    continue  # last month's check missing
                if VideoCheck.objects.filter(kindergarten=kg, month=month).exists():
                    continue
                total = 16 + i % 9
                working = total - 1 if (i + m) % 12 == 0 else total
                services.video_check_record(
                    actor=director or keeper,
                    kindergarten=kg,
                    month=month,
                    cameras_total=total,
                    cameras_working=working,
                    retention_days=30,
                    retention_verified=True,
                    faults="大门东侧一路摄像头无图像，已报修，三日内更换。" if working < total else "",
                )
                counts["checks"] += 1
            if director is not None:
                for month in months:
                    start, end = services.month_bounds(month)
                    had = Incident.objects.filter(kindergarten=kg, occurred_at__gte=start, occurred_at__lt=end).exists()
                    if had or i % 10 == 9 or ZeroReport.objects.filter(kindergarten=kg, month=month).exists():
                        continue
                    report = services.zero_report_confirm(actor=director, kindergarten=kg, month=month)
                    ZeroReport.objects.filter(pk=report.pk).update(
                        confirmed_at=_at((month + datetime.timedelta(days=32)).replace(day=2), 9)
                    )
                    counts["zero"] += 1
            if i < 4 and not ResponsibilityLetter.objects.filter(kindergarten=kg, year=today.year).exists():
                services.letter_record(
                    actor=keeper,
                    kindergarten=kg,
                    level="bureau_kg",
                    year=today.year,
                    parties=f"{district.name}—{kg.name}园长",
                    signed_on=datetime.date(today.year, 2, 20) if today.month > 2 else today,
                    files=[SimpleUploadedFile("安全责任书.pdf", PDF, content_type="application/pdf")],
                )
                counts["letters"] += 1
            if i < 6 and not Drill.objects.filter(kindergarten=kg).exists():
                services.drill_record(
                    actor=director or keeper,
                    kindergarten=kg,
                    held_on=today - datetime.timedelta(days=12 + i * 9),
                    kind=("fire", "earthquake", "intrusion")[i % 3],
                    participants=150 + i * 11,
                    notes="全园师生参加，疏散用时三分二十秒，演练后进行了讲评。",
                    files=[SimpleUploadedFile("演练现场.png", _png(), content_type="image/png")] if i < 3 else [],
                )
                counts["drills"] += 1
    return counts


def seed_safety() -> dict[str, int]:
    city = Bureau.objects.filter(name=CITY, level=Bureau.Level.CITY).first()
    if city is None:
        return {}
    districts = {d.name: d for d in Bureau.objects.filter(parent=city).order_by("name")}
    dawa, stz = districts.get("大洼区教育局"), districts.get("双台子区教育局")
    with audit_context(source="command", path="seed_demo"), transaction.atomic():
        incidents = _seed_incidents(dawa, stz) if dawa else 0
        hazards = _seed_hazards(dawa) if dawa else 0
        kept = _seed_facilities(list(districts.values()))
    return {
        "安全事故": incidents,
        "安全隐患": hazards,
        "安全设施记录": kept["facilities"],
        "校车": kept["buses"],
        "视频监控检查": kept["checks"],
        "事故零报告": kept["zero"],
        "安全责任书": kept["letters"],
        "安全演练": kept["drills"],
    }
