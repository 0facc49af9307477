"""Every write of pairing records (plans, targets, agreements, confirmations, activities, files).

Services take the acting user, check the state (the access layer has checked scope and role), run
``full_clean`` and save with ``update_fields`` inside one transaction. Messages are for a clerk.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.roles import KINDERGARTEN_ROLES
from kindergartens.models import Bureau, Kindergarten
from pairing import rules
from pairing.models import (
    Activity,
    Agreement,
    AgreementParty,
    CityTarget,
    Confirmation,
    PairingFile,
    PlanEntry,
    Side,
    YearPlan,
)
from pairing.selectors import progress_snapshot, required_districts

TEXT_FIELDS = ("title", "rights_obligations", "content", "goals")


def today() -> datetime.date:
    return timezone.localdate()


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError({(k or "__all__"): v for k, v in errors.items()})


# --- targets and plans ---------------------------------------------------------------------------------


@transaction.atomic
def target_save(
    *,
    actor,
    city: Bureau,
    year: int,
    participants: int,
    rural_share: Decimal,
    plan_due: datetime.date,
    agreements_due: datetime.date,
    cycle_share: Decimal = Decimal(100),
    idle_days: int = 45,
) -> CityTarget:
    """Create or change the city's targets for a year."""
    target = CityTarget.objects.select_for_update().filter(city=city, year=year).first()
    values = {
        "participants": participants,
        "rural_share": rural_share,
        "cycle_share": cycle_share,
        "plan_due": plan_due,
        "agreements_due": agreements_due,
        "idle_days": idle_days,
    }
    if target is None:
        target = CityTarget(city=city, year=year, **values)
        target.full_clean()
        target.save()
        return target
    changed = [k for k, v in values.items() if getattr(target, k) != v]
    for k in changed:
        setattr(target, k, values[k])
    if changed:
        target.full_clean()
        target.save(update_fields=changed)
    return target


def _plan_kindergartens(district: Bureau, ids: list[int], label: str, errors: dict) -> list[Kindergarten]:
    found = list(Kindergarten.objects.filter(pk__in=ids, district=district))
    if len(found) != len(set(ids)):
        errors.setdefault(label, []).append("名单中有幼儿园不属于本区县，或已不在名录中。")
    return found


@transaction.atomic
def plan_save(
    *,
    actor,
    district: Bureau,
    year: int,
    helping_count: int,
    helped_count: int,
    helping_ids: list[int],
    helped_ids: list[int],
    note: str = "",
) -> YearPlan:
    """Create or change a district's plan (while it has not been filed with the city). The counts are
    kept as the district states them: a list that disagrees is shown beside them, not corrected."""
    errors: dict[str, list[str]] = {}
    helping = _plan_kindergartens(district, helping_ids, "helping", errors)
    helped = _plan_kindergartens(district, helped_ids, "helped", errors)
    if {k.pk for k in helping} & {k.pk for k in helped}:
        errors.setdefault("", []).append("同一所幼儿园不能同时列为帮扶园和被帮扶园。")
    plan = YearPlan.objects.select_for_update().filter(district=district, year=year).first()
    if plan is not None and plan.state == YearPlan.State.SUBMITTED:
        errors.setdefault("", []).append("该年度计划已上报市教育局，不能再修改。")
    _raise(errors)
    values = {"helping_count": helping_count, "helped_count": helped_count, "note": note}
    if plan is None:
        plan = YearPlan(district=district, year=year, **values)
        plan.full_clean()
        plan.save()
    else:
        changed = [k for k, v in values.items() if getattr(plan, k) != v]
        for k in changed:
            setattr(plan, k, values[k])
        if changed:
            plan.full_clean()
            plan.save(update_fields=changed)
    wanted = {(k.pk, Side.HELPING) for k in helping} | {(k.pk, Side.HELPED) for k in helped}
    existing = {(e.kindergarten_id, e.side): e for e in plan.entries.all()}
    for key, entry in existing.items():
        if key not in wanted:
            entry.delete()
    for kg_id, side in wanted - set(existing):
        PlanEntry.objects.create(plan=plan, kindergarten_id=kg_id, side=side)
    return plan


@transaction.atomic
def plan_submit(*, actor, plan: YearPlan) -> YearPlan:
    plan = YearPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state == YearPlan.State.SUBMITTED:
        raise ValidationError("该年度计划已上报。")
    plan.state = YearPlan.State.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.save(update_fields=["state", "submitted_at"])
    return plan


# --- agreements ----------------------------------------------------------------------------------------


def _load(ids: list[int]) -> list[Kindergarten]:
    return list(Kindergarten.objects.filter(pk__in=ids).select_related("district", "township", "level"))


def _check(fields: dict, helping_ids: list[int], helped_ids: list[int], actor=None) -> tuple[list, list]:
    helping, helped = _load(helping_ids), _load(helped_ids)
    errors = rules.agreement_problems(
        mode=fields.get("mode", ""),
        start_date=fields.get("start_date"),
        end_date=fields.get("end_date"),
        forms=list(fields.get("forms") or []),
        texts={k: fields.get(k, "") for k in TEXT_FIELDS},
        helping=helping,
        helped=helped,
    )
    if len(helping) != len(set(helping_ids)) or len(helped) != len(set(helped_ids)):
        errors.setdefault("", []).append("所选幼儿园不存在。")
    if (
        actor is not None
        and actor.role in KINDERGARTEN_ROLES
        and actor.kindergarten_id not in {k.pk for k in (*helping, *helped)}
    ):
        errors.setdefault("", []).append("协议须包含本园（作为帮扶园或被帮扶园）。")
    _raise(errors)
    return helping, helped


AGREEMENT_FIELDS = ("title", "mode", "start_date", "end_date", "forms", "rights_obligations", "content", "goals")


@transaction.atomic
def agreement_create(*, actor, fields: dict, helping_ids: list[int], helped_ids: list[int]) -> Agreement:
    """A director drafts an agreement their kindergarten is a party to (checked in full, every problem at once)."""
    helping, helped = _check(fields, helping_ids, helped_ids, actor)
    own = actor.kindergarten.district if actor.kindergarten_id else actor.bureau
    agreement = Agreement(district=own, created_by=actor, **{k: fields[k] for k in AGREEMENT_FIELDS if k in fields})
    agreement.full_clean()
    agreement.save()
    for kg in helping:
        AgreementParty.objects.create(agreement=agreement, kindergarten=kg, side=Side.HELPING)
    for kg in helped:
        AgreementParty.objects.create(agreement=agreement, kindergarten=kg, side=Side.HELPED)
    return agreement


def _locked(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _party_ids(agreement: Agreement) -> list[int]:
    return list(agreement.parties.values_list("kindergarten_id", flat=True))


@transaction.atomic
def agreement_update(*, actor, agreement: Agreement, fields: dict, helping_ids: list[int], helped_ids: list[int]):
    agreement = _locked(agreement)
    if agreement.state != Agreement.State.DRAFT:
        raise ValidationError("只有草稿状态的协议可以修改。")
    helping, helped = _check(fields, helping_ids, helped_ids, actor)
    changed = [k for k in AGREEMENT_FIELDS if k in fields and getattr(agreement, k) != fields[k]]
    for k in changed:
        setattr(agreement, k, fields[k])
    if changed:
        agreement.full_clean()
        agreement.save(update_fields=changed)
    wanted = {(k.pk, Side.HELPING) for k in helping} | {(k.pk, Side.HELPED) for k in helped}
    existing = {(p.kindergarten_id, p.side): p for p in agreement.parties.all()}
    for key, party in existing.items():
        if key not in wanted:
            party.delete()
    for kg_id, side in wanted - set(existing):
        AgreementParty.objects.create(agreement=agreement, kindergarten_id=kg_id, side=side)
    return agreement


def _fields_of(agreement: Agreement) -> dict:
    return {k: getattr(agreement, k) for k in AGREEMENT_FIELDS}


@transaction.atomic
def agreement_submit(*, actor, agreement: Agreement) -> Agreement:
    """Draft → submitted to the bureaus of every party (checked again: the registry may have changed)."""
    agreement = _locked(agreement)
    if agreement.state != Agreement.State.DRAFT:
        raise ValidationError("该协议已提交。")
    parties = list(agreement.parties.all())
    rules_fields = _fields_of(agreement)
    _check(
        rules_fields,
        [p.kindergarten_id for p in parties if p.side == Side.HELPING],
        [p.kindergarten_id for p in parties if p.side == Side.HELPED],
    )
    agreement.state = Agreement.State.SUBMITTED
    agreement.submitted_at = timezone.now()
    agreement.return_reason = ""
    agreement.save(update_fields=["state", "submitted_at", "return_reason"])
    return agreement


def _start(agreement: Agreement, day: datetime.date) -> list[str]:
    """Confirmed → active on its start date, with the helped kindergartens' situation recorded."""
    agreement.state = Agreement.State.ACTIVE
    helped = list(agreement.parties.filter(side=Side.HELPED).values_list("kindergarten_id", flat=True))
    agreement.baseline = {
        "on": day.isoformat(),
        "kindergartens": {str(k): v for k, v in progress_snapshot(helped).items()},
    }
    return ["state", "baseline"]


@transaction.atomic
def agreement_confirm(*, actor, agreement: Agreement) -> Agreement:
    """The actor's district bureau confirms. When every party's district has, the agreement has reached
    the city (``filed_at``) and becomes active (or waits for its start date)."""
    agreement = _locked(agreement)
    if agreement.state != Agreement.State.SUBMITTED:
        raise ValidationError("只有待确认的协议可以确认。")
    needed = required_districts(agreement)
    if actor.bureau_id not in needed:
        raise PermissionDenied("本区县没有幼儿园参与该协议。")
    if agreement.confirmations.filter(district_id=actor.bureau_id).exists():
        raise ValidationError("本区县已确认该协议，正在等待对方区县确认。")
    Confirmation.objects.create(agreement=agreement, district_id=actor.bureau_id, confirmed_by=actor)
    done = set(agreement.confirmations.values_list("district_id", flat=True))
    if done >= needed:
        agreement.filed_at = timezone.now()
        agreement.state = Agreement.State.CONFIRMED
        update = ["state", "filed_at"]
        if agreement.start_date <= today():
            update += _start(agreement, today())
        agreement.save(update_fields=sorted(set(update)))
    return agreement


@transaction.atomic
def agreement_return(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """A party's bureau sends a submitted agreement back to the kindergartens with a reason; the
    confirmations given so far lapse (the history keeps them)."""
    agreement = _locked(agreement)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回理由。"})
    if agreement.state != Agreement.State.SUBMITTED:
        raise ValidationError("只有待确认的协议可以退回。")
    if actor.bureau_id not in required_districts(agreement):
        raise PermissionDenied("本区县没有幼儿园参与该协议。")
    for confirmation in agreement.confirmations.all():
        confirmation.delete()
    agreement.state = Agreement.State.DRAFT
    agreement.return_reason = reason[:500]
    agreement.save(update_fields=["state", "return_reason"])
    return agreement


@transaction.atomic
def agreements_start_due(*, day: datetime.date | None = None) -> int:
    """Confirmed agreements whose start date has come become active (daily task; idempotent)."""
    day = day or today()
    started = 0
    for agreement in Agreement.objects.select_for_update().filter(state=Agreement.State.CONFIRMED, start_date__lte=day):
        agreement.save(update_fields=_start(agreement, day))
        started += 1
    return started


@transaction.atomic
def agreement_complete(*, actor, agreement: Agreement) -> Agreement:
    agreement = _locked(agreement)
    if agreement.state != Agreement.State.ACTIVE:
        raise ValidationError("只有帮扶中的协议可以标记为已完成。")
    if agreement.end_date > today():
        raise ValidationError(
            f"协议期限至 {agreement.end_date:%Y年%m月%d日}，尚未到期；如需提前结束，请选择“提前终止”并填写原因。"
        )
    agreement.state = Agreement.State.COMPLETED
    agreement.ended_at = timezone.now()
    agreement.save(update_fields=["state", "ended_at"])
    return agreement


@transaction.atomic
def agreement_end_early(*, actor, agreement: Agreement, reason: str) -> Agreement:
    agreement = _locked(agreement)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写提前终止的原因。"})
    if agreement.state not in (Agreement.State.ACTIVE, Agreement.State.CONFIRMED):
        raise ValidationError("只有已确认或帮扶中的协议可以提前终止。")
    agreement.state = Agreement.State.ENDED
    agreement.end_reason = reason[:500]
    agreement.ended_at = timezone.now()
    agreement.save(update_fields=["state", "end_reason", "ended_at"])
    return agreement


def _store(*, actor, agreement: Agreement, kind: str, files, activity: Activity | None = None) -> list[PairingFile]:
    stored = []
    try:
        for checked in files:
            item = PairingFile(
                agreement=agreement,
                activity=activity,
                kind=kind,
                original_name=checked.name,
                content_type=checked.content_type,
                size=len(checked.data),
                sha256=hashlib.sha256(checked.data).hexdigest(),
                uploaded_by=actor,
            )
            item.file.save("upload", ContentFile(checked.data), save=False)
            stored.append(item)
            item.full_clean()
            item.save()
    except Exception:
        for item in stored:
            item.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def agreement_upload_signed(*, actor, agreement: Agreement, uploads) -> list[PairingFile]:
    """The signed agreement (签字盖章的协议): JPG, PNG or PDF, recognised from its content."""
    from supervision.evidence import evidence_check

    agreement = _locked(agreement)
    if agreement.state in (Agreement.State.COMPLETED, Agreement.State.ENDED):
        raise ValidationError("协议已结束，不能再上传文件。")
    checked = evidence_check(uploads)
    if not checked:
        raise ValidationError({"files": "请选择要上传的文件。"})
    return _store(actor=actor, agreement=agreement, kind=PairingFile.Kind.SIGNED, files=checked)


ACTIVITY_FIELDS = ("date", "form", "helping_people", "helped_people", "hours", "content")


@transaction.atomic
def activity_log(*, actor, agreement: Agreement, fields: dict, uploads=()) -> Activity:
    """Either side logs an activity of an active agreement, with its evidence (every problem at once)."""
    from supervision.evidence import evidence_check

    agreement = _locked(agreement)
    errors: dict[str, list[str]] = {}
    if agreement.state != Agreement.State.ACTIVE:
        errors.setdefault("", []).append("只有帮扶中的协议可以登记活动。")
    day = fields.get("date")
    if day is not None:
        if day > today():
            errors.setdefault("date", []).append("活动日期不能晚于今天。")
        elif day < agreement.start_date or day > agreement.end_date:
            errors.setdefault("date", []).append(
                f"活动日期应在协议期限内（{agreement.start_date:%Y年%m月%d日}至{agreement.end_date:%Y年%m月%d日}）。"
            )
    if fields.get("form") and fields["form"] not in agreement.forms:
        errors.setdefault("form", []).append("该形式不在协议约定的帮扶形式中。")
    if rules.fee_mentions([fields.get("content", "")]):
        errors.setdefault("content", []).append(f"活动内容中出现收费事项：{rules.FEE_RULE}")
    kindergarten_id = actor.kindergarten_id
    if kindergarten_id not in set(_party_ids(agreement)):
        raise PermissionDenied("只有结对双方幼儿园可以登记帮扶活动。")
    try:
        checked = evidence_check(uploads)
    except ValidationError as exc:
        for message in exc.message_dict.get("files", exc.messages):
            errors.setdefault("files", []).append(message)
        checked = []
    activity = Activity(
        agreement=agreement,
        kindergarten_id=kindergarten_id,
        logged_by=actor,
        **{k: fields.get(k) for k in ACTIVITY_FIELDS},
    )
    try:
        activity.full_clean(exclude=["agreement", "kindergarten", "logged_by"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    _raise(errors)
    activity.save()
    if agreement.last_activity_on is None or activity.date > agreement.last_activity_on:
        agreement.last_activity_on = activity.date
        agreement.idle_flagged_on = None
        agreement.save(update_fields=["last_activity_on", "idle_flagged_on"])
    _store(actor=actor, agreement=agreement, kind=PairingFile.Kind.EVIDENCE, files=checked, activity=activity)
    return activity


def agreements_flag_idle(*, day: datetime.date | None = None) -> int:
    """Active agreements with no activity for the city's configured days (default 45) are flagged to
    the bureaus of both sides, once per idle spell (the day is recorded; a new activity clears it)."""
    from accounts.models import User
    from core.notifications import notify
    from pairing.selectors import idle_agreements

    day = day or today()
    flagged = 0
    for agreement, idle_for in idle_agreements(day):
        with transaction.atomic():
            districts = required_districts(agreement)
            for user in User.objects.filter(
                is_active=True, role__in=("bureau_admin", "bureau_staff"), bureau_id__in=districts
            ):
                notify(
                    recipient=user,
                    title=f"结对帮扶提醒：“{agreement.title}”已 {idle_for} 天没有登记活动",
                    body=f"协议“{agreement.title}”自 {idle_for} 天前起没有登记帮扶活动，请督促结对双方开展活动。",
                    link=f"/pairing/agreements/{agreement.pk}/",
                    digest_key=f"pairing-idle:{agreement.pk}:{day.isoformat()}",
                )
            Agreement.objects.filter(pk=agreement.pk).update(idle_flagged_on=day)
            flagged += 1
    return flagged
