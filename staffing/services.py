"""Writes to the staff roster. Pages, the API and imports all come here.

Each service checks the actor's right (unless the caller already decided, ``check_rights=False``),
validates, and writes inside one transaction; the audit trail records every row (core.audit).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Bureau, Kindergarten
from kindergartens.services import kindergarten_update
from kindergartens.services.filings import filed_late
from staffing import idcard
from staffing.access import can, can_reveal_id, people_visible_to, person_can_manage
from staffing.models import (
    FILED_POSTS,
    Certificate,
    CertificateKind,
    Employment,
    IdReveal,
    Misconduct,
    Person,
    Post,
    RecordCheck,
    StaffingPolicy,
    Training,
)

NOT_ALLOWED = "您没有维护该园教职工信息的权限。"
# One refusal for a blacklisted person and for one whose latest record check found a record, on the
# hire page, the API and the roster import alike: it says that the person may not be hired and whom
# to ask, and nothing of the record itself (which district's blacklist, what the check found).
HIRE_REFUSED = "该人员不得录用。如有疑问，请联系{contact}。"
EMPLOYED_ELSEWHERE = "该人员目前仍在其他幼儿园在职，须原单位办理离职后方可入职。"
EMPLOYED_HERE = "该人员已在本园在职。"
PRINCIPAL_TAKEN = "本园已有在任园长，请先办理原园长离任。"
NAME_MISMATCH = "该身份证号码已登记的姓名与填写的姓名不一致，请核对。"
PERSON_FIELDS = ("name", "phone", "education", "title", "backbone")
EMPLOYMENT_FIELDS = ("post_type", "social_insurance", "is_safety_officer")


def city_of(kindergarten: Kindergarten) -> Bureau:
    """The city a kindergarten belongs to: a person is one record across the city."""
    district = kindergarten.district
    return district.parent if district.parent_id else district


def _today() -> datetime.date:
    return timezone.localdate()


def _require_roster(actor: User | None, kindergarten: Kindergarten) -> None:
    if not (
        actor is not None
        and can(actor, "manage")
        and kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists()
    ):
        raise PermissionDenied(NOT_ALLOWED)


def _require_person(actor: User | None, person: Person) -> None:
    if not (
        actor is not None
        and people_visible_to(actor).filter(pk=person.pk).exists()
        and person_can_manage(actor, person)
    ):
        raise PermissionDenied(NOT_ALLOWED)


class Blacklisted(ValidationError):
    """Refused: the person is on the blacklist. The message says whom to contact and nothing else."""


def blacklist_contact(id_hash: str) -> str | None:
    """The bureau to contact when a person with this ID is blacklisted (any district, any city), else None.

    One indexed query (person_id_hash_idx, misconduct_veto_idx): the check on every hire.
    """
    row = (
        Misconduct.objects.filter(veto=True, person__id_hash=id_hash)
        .order_by("-decided_on", "-id")
        .values_list("district__name", flat=True)
        .first()
    )
    return row


def hire_refused_message(contact: str) -> str:
    """The words of every "may not be hired" refusal (blacklist or record check): see HIRE_REFUSED."""
    return HIRE_REFUSED.format(contact=contact)


def check_not_blacklisted(id_hash: str) -> None:
    contact = blacklist_contact(id_hash)
    if contact is not None:
        raise Blacklisted({"id_number": hire_refused_message(contact)}, code="blacklisted")


def record_contact(person: Person, kindergarten: Kindergarten) -> str:
    """Whom to ask about a person whose record check found a record: the district of their latest
    employment (where the check was recorded), else the hiring kindergarten's district."""
    latest = (
        Employment.objects.filter(person=person)
        .order_by("-hire_date", "-id")
        .values_list("kindergarten__district__name", flat=True)
        .first()
    )
    return latest or kindergarten.district.name


def latest_check(person: Person) -> RecordCheck | None:
    return person.record_checks.order_by("-checked_on", "-id").first()


def _person_for_hire(
    *, kindergarten: Kindergarten, facts: idcard.IdFacts, id_hash: str, name: str, details: dict
) -> Person:
    city = city_of(kindergarten)
    person = Person.objects.select_for_update().filter(city=city, id_hash=id_hash).first()
    if person is not None:
        if person.name != name:
            raise ValidationError({"name": NAME_MISMATCH})
        return person
    person = Person(
        city=city,
        name=name,
        id_number=facts.number,
        id_masked=idcard.mask(facts.number),
        id_hash=id_hash,
        gender=facts.gender,
        birth_date=facts.birth_date,
        **details,
    )
    person.full_clean(exclude=["id_hash"])
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # registered meanwhile by another request
        raise ValidationError({"id_number": "该身份证号码刚刚已被登记，请重新提交。"}) from None
    return person


@transaction.atomic
def person_hire(
    *,
    actor: User | None,
    kindergarten: Kindergarten,
    id_number: str,
    name: str,
    post: str,
    post_type: str,
    hire_date: datetime.date,
    social_insurance: bool = False,
    is_safety_officer: bool = False,
    phone: str = "",
    education: str = "",
    title: str = "",
    backbone: str = "",
    check_rights: bool = True,
) -> Employment:
    """Add a person to a kindergarten's roster (creating the city's person record the first time).

    Refused: a blacklisted person (in any district), a person whose latest record check found a
    record, a person still employed elsewhere, a second principal.
    """
    if check_rights:
        _require_roster(actor, kindergarten)
    facts = idcard.parse(id_number)  # ValidationError without the number
    id_hash = idcard.keyed_hash(facts.number)
    check_not_blacklisted(id_hash)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写姓名。"})
    person = _person_for_hire(
        kindergarten=kindergarten,
        facts=facts,
        id_hash=id_hash,
        name=name,
        details={"phone": phone, "education": education, "title": title, "backbone": backbone},
    )
    return _employment_create(
        actor=actor,
        person=person,
        kindergarten=kindergarten,
        post=post,
        post_type=post_type,
        hire_date=hire_date,
        social_insurance=social_insurance,
        is_safety_officer=is_safety_officer,
        sync_registry=True,
    )


def _employment_create(
    *,
    actor: User | None,
    person: Person,
    kindergarten: Kindergarten,
    post: str,
    post_type: str,
    hire_date: datetime.date,
    social_insurance: bool,
    is_safety_officer: bool,
    sync_registry: bool,
) -> Employment:
    check = latest_check(person)
    if check is not None and check.result == RecordCheck.Result.RECORD:
        raise ValidationError(hire_refused_message(record_contact(person, kindergarten)), code="record")
    open_employment = Employment.objects.select_for_update().filter(person=person, leave_date__isnull=True).first()
    if open_employment is not None:
        raise ValidationError(
            EMPLOYED_HERE if open_employment.kindergarten_id == kindergarten.pk else EMPLOYED_ELSEWHERE
        )
    if post == Post.PRINCIPAL and _open_principal(kindergarten) is not None:
        raise ValidationError({"post": PRINCIPAL_TAKEN})
    if not isinstance(hire_date, datetime.date):
        raise ValidationError({"hire_date": "请填写入职日期。"})
    if hire_date > _today():
        raise ValidationError({"hire_date": "入职日期不能晚于今天。"})
    employment = Employment(
        person=person,
        kindergarten=kindergarten,
        post=post,
        post_type=post_type,
        hire_date=hire_date,
        social_insurance=bool(social_insurance),
        is_safety_officer=bool(is_safety_officer),
        hire_filed_late=post in FILED_POSTS and filed_late(took_effect=hire_date, filed_on=_today()),
        recorded_by=actor if actor is not None and actor.pk else None,
    )
    employment.full_clean()
    employment.save()
    if sync_registry and post == Post.PRINCIPAL:
        kindergarten_update(
            actor=actor,
            kindergarten=kindergarten,
            changes={"principal_name": person.name, "principal_since": hire_date},
            check_rights=False,
        )
    return employment


def _open_principal(kindergarten: Kindergarten) -> Employment | None:
    return (
        Employment.objects.select_for_update()
        .select_related("person")
        .filter(kindergarten=kindergarten, post=Post.PRINCIPAL, leave_date__isnull=True)
        .first()
    )


@transaction.atomic
def person_rehire(
    *,
    actor: User | None,
    person: Person,
    kindergarten: Kindergarten,
    post: str,
    post_type: str,
    hire_date: datetime.date,
    social_insurance: bool = False,
    is_safety_officer: bool = False,
) -> Employment:
    """A new employment of a person already on the city's records (a move, a change of post)."""
    _require_roster(actor, kindergarten)
    check_not_blacklisted(person.id_hash)
    return _employment_create(
        actor=actor,
        person=person,
        kindergarten=kindergarten,
        post=post,
        post_type=post_type,
        hire_date=hire_date,
        social_insurance=social_insurance,
        is_safety_officer=is_safety_officer,
        sync_registry=True,
    )


@transaction.atomic
def employment_end(
    *,
    actor: User | None,
    employment: Employment,
    leave_date: datetime.date,
    reason: str = "",
    check_rights: bool = True,
) -> Employment:
    """The person leaves the post; the employment is kept as history."""
    if check_rights:
        _require_roster(actor, employment.kindergarten)
    employment = Employment.objects.select_for_update().select_related("person", "kindergarten").get(pk=employment.pk)
    return _employment_close(
        actor=actor, employment=employment, leave_date=leave_date, reason=reason, sync_registry=True
    )


def _employment_close(*, actor, employment: Employment, leave_date, reason: str, sync_registry: bool) -> Employment:
    if employment.leave_date is not None:
        raise ValidationError("该任职记录已办理离职。")
    if not isinstance(leave_date, datetime.date):
        raise ValidationError({"leave_date": "请填写离职日期。"})
    if leave_date < employment.hire_date:
        raise ValidationError({"leave_date": "离职日期不能早于入职日期。"})
    if leave_date > _today():
        raise ValidationError({"leave_date": "离职日期不能晚于今天。"})
    employment.leave_date = leave_date
    employment.leave_reason = (reason or "").strip()
    employment.leave_filed_late = employment.post in FILED_POSTS and filed_late(
        took_effect=leave_date, filed_on=_today()
    )
    employment.full_clean()
    employment.save(update_fields=["leave_date", "leave_reason", "leave_filed_late"])
    if sync_registry and employment.post == Post.PRINCIPAL:
        kindergarten = employment.kindergarten
        if kindergarten.principal_name == employment.person.name:
            kindergarten_update(
                actor=actor,
                kindergarten=kindergarten,
                changes={"principal_name": "", "principal_since": None},
                check_rights=False,
            )
    return employment


@transaction.atomic
def employment_update(*, actor: User | None, employment: Employment, changes: dict[str, Any]) -> list[str]:
    """The employment's terms (编制, 社保, 安全员); the post itself changes by a new employment."""
    _require_roster(actor, employment.kindergarten)
    unknown = set(changes) - set(EMPLOYMENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown employment fields: {sorted(unknown)}")
    changed = [f for f in changes if getattr(employment, f) != changes[f]]
    for field in changed:
        setattr(employment, field, changes[field])
    if changed:
        employment.full_clean()
        employment.save(update_fields=changed)
    return changed


@transaction.atomic
def person_update(*, actor: User | None, person: Person, changes: dict[str, Any]) -> list[str]:
    """Name, phone, education, title, backbone level. The ID number is not changed here (it is the identity)."""
    _require_person(actor, person)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"unknown person fields: {sorted(unknown)}")
    if "name" in changes:
        changes = {**changes, "name": (changes["name"] or "").strip()}
    changed = [f for f in changes if getattr(person, f) != changes[f]]
    for field in changed:
        setattr(person, field, changes[field])
    if not changed:
        return []
    person.full_clean(exclude=["id_hash"])
    person.save(update_fields=[*changed, "updated_at"])
    if "name" in changed:
        # The registry names the principal: the same fact.
        for employment in Employment.objects.filter(
            person=person, post=Post.PRINCIPAL, leave_date__isnull=True
        ).select_related("kindergarten"):
            kindergarten_update(
                actor=actor,
                kindergarten=employment.kindergarten,
                changes={"principal_name": person.name},
                check_rights=False,
            )
    return changed


def principal_from_registry(*, actor: User | None, kindergarten: Kindergarten) -> None:
    """kindergarten_update's listener: the registry's 园长 and 任职日期 changed, the roster follows.

    Same name as the roster's principal: the start date follows. Another name: the roster's principal
    leaves the post the day before; if the new principal already works here in another post, that
    employment ends and a principal employment begins. Someone not on the roster yet is added by
    the director with their ID number (the roster page says the registry's principal is missing).
    """
    name, since = kindergarten.principal_name, kindergarten.principal_since
    day = since or _today()
    current = _open_principal(kindergarten)
    if current is not None and current.person.name == name:
        if since is not None and current.hire_date != since and since <= _today():
            current.hire_date = since
            current.full_clean()
            current.save(update_fields=["hire_date"])
        return
    if current is not None:
        leave = max(current.hire_date, day - datetime.timedelta(days=1))
        _employment_close(
            actor=actor, employment=current, leave_date=min(leave, _today()), reason="园长变更", sync_registry=False
        )
    if not name:
        return
    candidates = list(
        Employment.objects.select_for_update()
        .select_related("person")
        .filter(kindergarten=kindergarten, leave_date__isnull=True, person__name=name)
    )
    if len(candidates) != 1 or day > _today():
        return
    previous = candidates[0]
    leave = max(previous.hire_date, day - datetime.timedelta(days=1))
    _employment_close(actor=actor, employment=previous, leave_date=leave, reason="任园长", sync_registry=False)
    _employment_create(
        actor=actor,
        person=previous.person,
        kindergarten=kindergarten,
        post=Post.PRINCIPAL,
        post_type=previous.post_type,
        hire_date=max(day, leave),
        social_insurance=previous.social_insurance,
        is_safety_officer=previous.is_safety_officer,
        sync_registry=False,
    )


def _checked_scan(upload):
    """The upload checked from its content (JPEG, PNG or PDF, size-limited: supervision's evidence checks)."""
    from supervision.evidence import evidence_check

    try:
        [checked] = evidence_check([upload])
    except ValidationError as exc:
        messages = exc.message_dict.get("files", exc.messages) if hasattr(exc, "error_dict") else exc.messages
        raise ValidationError({"scan": messages}) from None
    return checked


def _store_scan(certificate: Certificate, checked) -> None:
    """Write the checked file under a random name; a replaced scan is deleted once the change is committed.
    (Callers delete the new file if their save fails.)"""
    from django.core.files.base import ContentFile

    old = certificate.scan.name if certificate.scan else ""
    storage = certificate.scan.storage
    certificate.scan_type = checked.content_type
    certificate.scan_name = checked.name
    certificate.scan.save("scan", ContentFile(checked.data), save=False)
    if old:
        transaction.on_commit(lambda: storage.delete(old))


@transaction.atomic
def certificate_scan_attach(*, actor: User | None, certificate: Certificate, upload) -> Certificate:
    """Attach (or replace) the scan of a certificate; a refused file stores nothing."""
    _require_person(actor, certificate.person)
    checked = _checked_scan(upload)
    _store_scan(certificate, checked)
    try:
        certificate.full_clean()
        certificate.save(update_fields=["scan", "scan_type", "scan_name"])
    except Exception:
        certificate.scan.storage.delete(certificate.scan.name)
        raise
    return certificate


@transaction.atomic
def certificate_add(
    *,
    actor: User | None,
    person: Person,
    kind: CertificateKind,
    number: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None = None,
    issuer: str = "",
    scan=None,
) -> Certificate:
    """Record a certificate, with its scan if given (checked before anything is saved)."""
    _require_person(actor, person)
    checked = _checked_scan(scan) if scan is not None else None
    certificate = Certificate(
        person=person,
        kind=kind,
        number=(number or "").strip(),
        issuer=(issuer or "").strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        recorded_by=actor,
    )
    certificate.full_clean()
    if certificate.expires_on is not None and certificate.expires_on < certificate.issued_on:
        raise ValidationError({"expires_on": "有效期至不能早于发证日期。"})
    if checked is not None:
        _store_scan(certificate, checked)
    try:
        certificate.save()
    except Exception:
        if checked is not None:
            certificate.scan.storage.delete(certificate.scan.name)
        raise
    return certificate


@transaction.atomic
def record_check_add(
    *, actor: User | None, person: Person, kind: str, checked_on: datetime.date, result: str, authority: str = ""
) -> RecordCheck:
    """A record check and its result. With a record, no employment may be given (the current one is flagged)."""
    _require_person(actor, person)
    if isinstance(checked_on, datetime.date) and checked_on > _today():
        raise ValidationError({"checked_on": "查询日期不能晚于今天。"})
    check = RecordCheck(
        person=person,
        kind=kind,
        checked_on=checked_on,
        result=result,
        authority=(authority or "").strip(),
        recorded_by=actor,
    )
    check.full_clean()
    check.save()
    return check


@transaction.atomic
def training_add(
    *,
    actor: User | None,
    person: Person,
    title: str,
    completed_on: datetime.date,
    hours: Decimal,
    provider: str = "",
) -> Training:
    _require_person(actor, person)
    if isinstance(completed_on, datetime.date) and completed_on > _today():
        raise ValidationError({"completed_on": "完成日期不能晚于今天。"})
    training = Training(
        person=person,
        title=(title or "").strip(),
        provider=(provider or "").strip(),
        completed_on=completed_on,
        hours=hours,
        recorded_by=actor,
    )
    training.full_clean()
    if training.hours <= 0:
        raise ValidationError({"hours": "学时须大于 0。"})
    training.save()
    return training


@transaction.atomic
def misconduct_record(
    *,
    actor: User,
    person: Person,
    occurred_on: datetime.date,
    decided_on: datetime.date,
    description: str,
    sanction: str,
    veto: bool = False,
    kindergarten: Kindergarten | None = None,
) -> Misconduct:
    """Only the district bureau records misconduct, for a person who works or worked in its district."""
    if not (
        actor is not None and can(actor, "record_misconduct") and people_visible_to(actor).filter(pk=person.pk).exists()
    ):
        raise PermissionDenied("只有区县教育局可以登记师德失范记录。")
    if kindergarten is not None and not kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists():
        raise ValidationError({"kindergarten": "发生单位须为本区县的幼儿园。"})
    record = Misconduct(
        person=person,
        district_id=actor.bureau_id,
        kindergarten=kindergarten,
        occurred_on=occurred_on,
        decided_on=decided_on,
        description=(description or "").strip(),
        sanction=sanction,
        veto=bool(veto),
        recorded_by=actor,
    )
    record.full_clean(exclude=["sanction_until"])
    if record.decided_on < record.occurred_on:
        raise ValidationError({"decided_on": "处理日期不能早于发生日期。"})
    record.sanction_until = Misconduct.sanction_end(record.sanction, record.decided_on)
    record.save()
    return record


@transaction.atomic
def id_number_reveal(*, user: User, person: Person, purpose: str = "查看人员信息") -> str:
    """The full ID number, for those who may see it; every reveal is recorded (and audited)."""
    if not can_reveal_id(user, person):
        raise PermissionDenied("您无权查看完整身份证号码。")
    IdReveal.objects.create(person=person, user=user, purpose=purpose[:60])
    return person.id_number


def policy_for(district_id: int) -> StaffingPolicy:
    """The district's settings, or the defaults (not saved) when it has none."""
    return StaffingPolicy.objects.filter(district_id=district_id).first() or StaffingPolicy(district_id=district_id)


@transaction.atomic
def policy_update(*, actor: User, district: Bureau, training_hours: int, training_years: int) -> StaffingPolicy:
    if not (can(actor, "manage_policy") and actor.bureau_id == district.pk):
        raise PermissionDenied("只有本区县管理员可以修改教职工管理设置。")
    policy, _created = StaffingPolicy.objects.get_or_create(district=district)
    policy.training_hours = training_hours
    policy.training_years = training_years
    policy.full_clean()
    if not 1 <= policy.training_years <= 10:
        raise ValidationError({"training_years": "培训周期应为 1 至 10 年。"})
    policy.save(update_fields=["training_hours", "training_years"])
    return policy


@transaction.atomic
def certificate_requirements_update(
    *, actor: User, district: Bureau, requirements: dict[int, tuple[bool, list[str]]]
) -> StaffingPolicy:
    """Set which posts need which certificate in ``district``: ``requirements`` maps a kind id to
    (everyone, posts). What equals the city-wide default is not stored, so the district keeps
    following the default for it; a kind left out of ``requirements`` follows the default again.
    Audited with the district's settings (StaffingPolicy)."""
    if not (can(actor, "manage_policy") and actor.bureau_id == district.pk):
        raise PermissionDenied("只有本区县管理员可以修改教职工管理设置。")
    kinds = {kind.pk: kind for kind in CertificateKind.objects.all()}
    errors = []
    rules: dict[str, dict] = {}
    for kind_id, (everyone, posts) in requirements.items():
        kind = kinds.get(kind_id)
        if kind is None:
            errors.append("证书类型不存在，请刷新页面后重试。")
            continue
        unknown = [p for p in posts if p not in Post.values]
        if unknown:
            errors.append(f"“{kind.name}”的岗位无效，请重新选择。")
            continue
        chosen = sorted(set(posts)) if not everyone else []
        if bool(everyone) == kind.for_all_posts and (everyone or chosen == sorted(set(kind.required_for or []))):
            continue  # the default
        rules[str(kind_id)] = {"posts": chosen, "all": bool(everyone)}
    if errors:
        raise ValidationError(errors)
    policy, _created = StaffingPolicy.objects.get_or_create(district=district)
    if policy.certificate_requirements != rules:
        policy.certificate_requirements = rules
        policy.full_clean()
        policy.save(update_fields=["certificate_requirements"])
    return policy
