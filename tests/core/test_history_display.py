"""The change history a clerk reads (core.history): names, labels and Beijing times, never machine values.

``test_every_audited_model_reads_as_chinese`` creates and changes a record of EVERY audited model
(``RECIPES``; a new AuditedModel without a recipe fails it), renders every place history is shown
(the kindergarten and account history pages, the API, the admin) and looks for raw ids, enum
values, ISO timestamps, Python reprs and English words.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Callable
from html.parser import HTMLParser
from types import SimpleNamespace

import time_machine
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from core.audit import AuditedModel, audit_context
from core.history import entry_views
from core.models import AuditEntry
from kindergartens.models import (
    AnnualInspection,
    ChangeFiling,
    CollaborationGroup,
    CreditGrade,
    Kindergarten,
    KindergartenClass,
    KindergartenStatusChange,
    Level,
    Nature,
    PartyOrganisation,
    Schedule,
    Status,
    UrbanRural,
    Violation,
)
from kindergartens.services import kindergarten_update
from kindergartens.services.filings import filing_approve, filing_resubmit, filing_return
from supervision.services import supervisor_assign, supervisor_assignment_end
from tests.factories import DistrictFactory, TownshipFactory, UserFactory
from tests.supervision.files import PDF, upload

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


# --- reading rendered history ----------------------------------------------------------------------


class HistoryTable(HTMLParser):
    """Visible text of ``<table data-testid="history">`` and its change cells: (entry pk, field, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside the history table
        self.entry = None
        self.field = None
        self.cell_tag = None
        self.cell_text = ""
        self.texts: list[str] = []
        self.cells: list[tuple[str | None, str, str]] = []
        self.entries: list[str] = []
        self.times: dict[str, str] = {}
        self.td_index = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid") == "history":
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "tr" and "data-entry" in attrs:
            self.entry = attrs["data-entry"]
            self.entries.append(self.entry)
            self.td_index = 0
        if tag == "td":
            self.td_index += 1
        if "data-field" in attrs:
            self.field = attrs["data-field"]
        if tag in ("del", "ins") and self.field:
            self.cell_tag, self.cell_text = tag, ""

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "table":
            self.depth = 0
        if tag == self.cell_tag:
            self.cells.append((self.entry, self.field, self.cell_text))
            self.cell_tag = None
        if tag == "div" and self.field and self.cell_tag is None:
            self.field = None

    def handle_data(self, data):
        if not self.depth:
            return
        if data.strip():
            self.texts.append(data.strip())
            if self.td_index == 1 and self.entry and self.entry not in self.times:
                self.times[self.entry] = data.strip()
        if self.cell_tag:
            self.cell_text += data


def read_history_page(html: str) -> HistoryTable:
    table = HistoryTable()
    table.feed(html)
    assert table.entries, "no history rows rendered"
    return table


class AdminChanges(HTMLParser):
    """Visible text of the admin's readable fields (technical ones aside) and its changes table's rows."""

    TECHNICAL = frozenset({"actor_label", "request_id", "path", "ip"})  # for support staff: ids, paths

    def __init__(self) -> None:
        super().__init__()
        self.field = None  # the admin form row being read ("field-<name>")
        self.in_readonly = 0
        self.texts: list[str] = []
        self.rows: list[tuple[str, list[str]]] = []
        self.row_field = None
        self.row_cells: list[str] | None = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        names = [c.removeprefix("field-") for c in classes if c.startswith("field-")]
        if tag == "div" and names:
            self.field = names[0]
        if tag == "div" and (self.in_readonly or "readonly" in classes):
            self.in_readonly += 1
        if tag == "tr" and "data-field" in attrs:
            self.row_field, self.row_cells = attrs["data-field"], []
        if tag in ("td", "th") and self.row_cells is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.row_cells is not None and self.cell is not None:
            self.row_cells.append(self.cell)
            self.cell = None
        if tag == "tr" and self.row_cells is not None:
            self.rows.append((self.row_field, self.row_cells))
            self.row_field, self.row_cells = None, None
        if tag == "div" and self.in_readonly:
            self.in_readonly -= 1

    def handle_data(self, data):
        if self.in_readonly and data.strip() and self.field not in self.TECHNICAL:
            self.texts.append(data.strip())
        if self.cell is not None:
            self.cell += data


# --- what must never be shown ----------------------------------------------------------------------


def project_enum_values() -> set[str]:
    """Every TextChoices value of the project's apps that differs from its label."""
    project_apps = {c.name for c in apps.get_app_configs() if not c.name.startswith("django")}
    values = set()

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] in {a.split(".")[0] for a in project_apps}:
                values.update(str(v) for v, label in sub.choices if str(v) != str(label))
            walk(sub)

    walk(models.TextChoices)
    return values


ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T")
PYTHON_REPR = re.compile(r"""[{\[]\s*['"]|['"]\s*[:,]\s*['"\d\[{]|\bNone\b|\bTrue\b|\bFalse\b""")
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
ALLOWED_WORDS: set[str] = set()  # no English word is expected in a history table


def assert_readable(texts: list[str], *, allowed_words: set[str], where: str) -> None:
    enum_values = project_enum_values()
    for text in texts:
        assert not ISO_TIMESTAMP.search(text), f"{where}: ISO timestamp in {text!r}"
        assert not PYTHON_REPR.search(text), f"{where}: Python repr in {text!r}"
        words = set(ENGLISH_WORD.findall(text)) - allowed_words - ALLOWED_WORDS
        assert not words, f"{where}: English {sorted(words)} in {text!r}"
        assert text not in enum_values, f"{where}: enum value {text!r}"


def field_of(model, key: str):
    for field in model._meta.get_fields():
        concrete = getattr(field, "concrete", False) or field.many_to_many
        if concrete and key in (field.name, getattr(field, "attname", None)):
            return field
    return None


def assert_cell_readable(model, key: str, text: str, *, ids: set[str], where: str) -> None:
    """One changed value: a referenced record by name (never its id), a choice by label."""
    field = field_of(model, key)
    assert field is not None, f"{where}: unknown field {key!r} of {model.__name__}"
    where = f"{where} {model.__name__}.{key}"
    if field.is_relation:
        tokens = re.split(r"[：、；\s]+", text)
        assert not [t for t in tokens if t.isdigit()], f"{where}: id shown: {text!r}"
        assert not [t for t in tokens if t in ids], f"{where}: id shown: {text!r}"
    if field.choices:
        assert text not in {str(v) for v, label in field.flatchoices if str(v) != str(label)}, f"{where}: {text!r}"
    json_model = getattr(model, "audit_json_models", {}).get(field.name)
    if json_model:
        described = apps.get_model(json_model)
        for part in text.split("；"):
            label, _, value = part.partition("：")
            fk_labels = {str(f.verbose_name) for f in described._meta.concrete_fields if f.is_relation}
            assert not (label in fk_labels and value.isdigit()), f"{where}: id shown: {part!r}"
            assert label not in {f.name for f in described._meta.concrete_fields}, f"{where}: field name {label!r}"


# --- one recipe per audited model -------------------------------------------------------------------

RECIPES: dict[str, Callable[[SimpleNamespace], models.Model]] = {}


def recipe(label: str):
    def register(fn):
        RECIPES[label] = fn
        return fn

    return register


@recipe("kindergartens.bureau")
def _bureau(c):
    district = DistrictFactory(name="新城区教育局", parent=c.city)
    district.division_code = "211105"
    district.save()
    c.new_district = district
    return district


@recipe("kindergartens.township")
def _township(c):
    town = TownshipFactory(district=c.district_a, name="新兴街道", urban_rural_code=UrbanRural.MAIN_URBAN)
    town.urban_rural_code = UrbanRural.VILLAGE
    town.save()
    c.new_town = town
    return town


@recipe("kindergartens.level")
def _level(c):
    level = Level.objects.create(province="辽宁省", name="三星级", rank=3, description="省级评定")
    level.rank, level.is_active = 2, False
    level.save()
    c.level = Level.objects.create(province="辽宁省", name="五星级", rank=5)
    return level


@recipe("kindergartens.creditgrade")
def _credit_grade(c):
    from kindergartens.services import credit_grade_create, credit_grade_update

    grade = credit_grade_create(actor=c.bureau_admin, name="甲等", rank=5, description="本区县评定")
    credit_grade_update(actor=c.bureau_admin, grade=grade, name="甲等", rank=6, description="", is_active=False)
    c.credit_grade = CreditGrade.objects.get(district=c.district_a, name="B 级")
    return grade


@recipe("kindergartens.collaborationgroup")
def _group(c):
    group = CollaborationGroup.objects.create(district=c.district_a, name="第一协作组", leader=c.kg_a1)
    group.leader = c.kg_a2
    group.save()
    c.group = group
    # A group the kindergarten joins and which is then removed: its name is gone from the database.
    c.gone_group = CollaborationGroup.objects.create(district=c.district_a, name="临时协作组")
    return group


@recipe("kindergartens.kindergarten")
def _kindergarten(c):
    kg = c.kg_a2
    kindergarten_update(actor=c.bureau_admin, kindergarten=kg, changes={"collaboration_group": c.gone_group})
    c.gone_group.delete()
    kg = Kindergarten.objects.get(pk=kg.pk)
    kindergarten_update(
        actor=c.bureau_admin,
        kindergarten=kg,
        changes={
            "township": c.new_town,
            "collaboration_group": c.group,
            "level": c.level,
            "nature": Nature.INCLUSIVE_PRIVATE,
            "inclusive_recognised_on": datetime.date(2025, 3, 15),
            "status": Status.RECTIFYING,
            "schedule": Schedule.BOARDING,
            "party_organisation": PartyOrganisation.JOINT,
            "credit_rating": c.credit_grade,
            "fee_monthly": decimal.Decimal("1200.50"),
            "fee_government_guided": True,
            "has_parent_committee": True,
            "principal_name": "王丽",
            "principal_since": datetime.date(2024, 9, 1),
            "capacity": 280,
        },
    )
    c.kg = kg
    return kg


@recipe("kindergartens.kindergartenstatuschange")
def _status_change(c):
    change = c.kg.status_changes.filter(attribute="status").order_by("-id").first()
    # A value-only correction: the entry does not say which vocabulary the value belongs to.
    KindergartenStatusChange.objects.filter(pk=change.pk).update(value=Status.SUSPENDED, note="更正")
    return change


@recipe("kindergartens.kindergartenclass")
def _class(c):
    klass = KindergartenClass.objects.create(kindergarten=c.kg, name="大二班", class_type="large", children=30)
    klass.class_type, klass.is_active = "mixed", False
    klass.save()
    return klass


@recipe("kindergartens.violation")
def _violation(c):
    violation = Violation.objects.create(
        kindergarten=c.kg,
        occurred_on=datetime.date(2025, 3, 15),
        description="超额招生",
        penalty="责令整改",
        recorded_by=c.bureau_staff,
    )
    violation.published = True
    violation.save()
    return violation


@recipe("kindergartens.annualinspection")
def _inspection(c):
    inspection = AnnualInspection.objects.create(
        kindergarten=c.kg, year=2025, result="pass", recorded_by=c.bureau_staff
    )
    inspection.result = "basic"
    inspection.save()
    return inspection


@recipe("kindergartens.changefiling")
def _filing(c):
    filing = filing_return(actor=c.bureau_admin, filing=c.filing_a2, reason="请补充材料")
    filing = filing_resubmit(
        actor=c.director_a2,
        filing=filing,
        proposed={
            "township": c.village_a.pk,
            "capacity": 300,
            "fee_monthly": "980.00",
            "fee_government_guided": False,
            "principal_since": "2025-03-01",
            "schedule": Schedule.FULL_DAY,
            "party_organisation": PartyOrganisation.INDEPENDENT,
        },
        effective_date=datetime.date(2025, 3, 1),
        explanation="园所搬迁",
    )
    return filing_approve(actor=c.bureau_admin, filing=filing)


@recipe("supervision.supervisorassignment")
def _assignment(c):
    assignment = supervisor_assign(actor=c.bureau_admin, kindergarten=c.kg, supervisor=c.supervisor2)
    return supervisor_assignment_end(actor=c.bureau_admin, assignment=assignment)


@recipe("supervision.checklisttemplate")
def _checklist_template(c):
    from supervision.checklists import template_copy, template_update
    from supervision.models import ChecklistTemplate

    shipped = ChecklistTemplate.objects.get(family="safety", is_current=True)
    copy = template_copy(actor=c.bureau_admin, template=shipped)
    c.checklist = template_update(actor=c.bureau_admin, template=copy, name="本区安全检查", description="按本区要求")
    return c.checklist


@recipe("supervision.checklistsection")
def _checklist_section(c):
    from supervision.checklists import template_section_add

    c.checklist_section = template_section_add(actor=c.bureau_admin, template=c.checklist, name="特色检查")
    return c.checklist_section


@recipe("supervision.checklistitem")
def _checklist_item(c):
    from supervision.checklists import template_item_add, template_item_update

    item = template_item_add(actor=c.bureau_admin, section=c.checklist_section, text="园内水池加装护栏", weight=2)
    return template_item_update(
        actor=c.bureau_admin,
        item=item,
        text="园内水池加装护栏并设警示标志",
        weight=3,
        evidence_required=True,
        veto=True,
    )


@recipe("supervision.rectificationorder")
def _rectification_order(c):
    from supervision.rectification import order_issue, order_respond, order_return, orders_escalate_overdue

    with time_machine.travel(datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        order = order_issue(
            actor=c.bureau_admin,
            kindergarten=c.kg,
            source_kind="manual",
            source_label="日常督导发现",
            description="消防通道堆放杂物",
            severity="critical",
        )
    with time_machine.travel(datetime.datetime(2025, 3, 20, 9, tzinfo=datetime.UTC), tick=False):
        orders_escalate_overdue()
    director = User.objects.filter(kindergarten=c.kg, role=Role.KG_DIRECTOR).first() or UserFactory(
        username="director_kg", full_name="张园长", role=Role.KG_DIRECTOR, kindergarten=c.kg
    )
    order = order_respond(actor=director, order=order, response="已清理", files=[upload(PDF, "整改报告.pdf")])
    return order_return(actor=c.bureau_admin, order=order, reason="请补充照片")


@recipe("supervision.inspection")
def _inspection_visit(c):
    from supervision.inspections import (
        inspection_issue_order,
        inspection_plan,
        inspection_record_item,
        inspection_start,
        inspection_submit,
    )
    from supervision.models import ChecklistTemplate

    template = ChecklistTemplate.objects.get(family="quality-2022", is_current=True)
    inspection = inspection_plan(
        actor=c.bureau_staff,
        kindergarten=c.kg,
        kind="annual",
        template=template,
        planned_on=datetime.date(2025, 4, 1),
        supervisors=[c.bureau_staff, c.supervisor],
    )
    inspection_start(actor=c.bureau_staff, inspection=inspection)
    for result in inspection.results.select_related("item"):
        outcome = "fail" if result.item.code == "1.1" else "pass"
        files = [upload(PDF, "现场记录.pdf")] if result.item.evidence_required else []
        inspection_record_item(actor=c.bureau_staff, result=result, outcome=outcome, note="现场查看", files=files)
        if outcome == "fail":
            inspection_issue_order(
                actor=c.bureau_staff, result=result, description="党建工作台账不全", severity="minor"
            )
    c.inspection = inspection_submit(
        actor=c.bureau_staff, inspection=inspection, summary="基本合格", conclusion="basic"
    )
    return c.inspection


@recipe("supervision.selfcheck")
def _self_check(c):
    from supervision.models import ChecklistTemplate
    from supervision.selfchecks import selfcheck_issue_order, selfcheck_record_item, selfcheck_start, selfcheck_submit

    template = ChecklistTemplate.objects.get(family="quality-2022", is_current=True)
    director = User.objects.get(kindergarten=c.kg, role=Role.KG_DIRECTOR)
    self_check = selfcheck_start(actor=director, kindergarten=c.kg, template=template)
    for result in self_check.results.select_related("item"):
        outcome = "fail" if result.item.code == "2.1" else "pass"
        selfcheck_record_item(actor=director, result=result, outcome=outcome, note="自查")
    c.self_check = selfcheck_submit(actor=director, self_check=self_check, summary="总体良好")
    selfcheck_issue_order(
        actor=c.bureau_staff,
        result=self_check.results.get(item__code="2.1"),
        description="晨检记录不全",
        severity="minor",
    )
    return c.self_check


@recipe("supervision.randomdraw")
def _random_draw(c):
    from supervision.draws import draw_run
    from supervision.models import ChecklistTemplate

    inspectors = list(User.objects.filter(bureau=c.kg.district, role__in=[Role.SUPERVISOR, Role.BUREAU_STAFF]))
    return draw_run(
        actor=c.bureau_staff,
        title="2025年双随机抽查",
        template=ChecklistTemplate.objects.get(family="safety", is_current=True),
        planned_on=datetime.date(2025, 5, 1),
        kindergartens=[c.kg],
        inspectors=inspectors,
        count=1,
        inspectors_per_visit=len(inspectors) - 1,
        seed="2025",
    )


@recipe("supervision.supervisorsign")
def _supervisor_sign(c):
    from supervision.signs import sign_update
    from tests.supervision.files import upload

    supervisor = User.objects.filter(bureau=c.kg.district, role=Role.SUPERVISOR).order_by("pk").first()
    sign_update(actor=supervisor, published=False, work_phone="0427-1234567")
    return sign_update(actor=supervisor, published=True, work_phone="0427-7654321", photo=upload())


@recipe("supervision.selfcheckresult")
def _self_check_result(c):
    return c.self_check.results.get(item__code="2.1")


@recipe("supervision.inspectionresult")
def _inspection_result(c):
    return c.inspection.results.get(item__code="1.1")


@recipe("supervision.rectificationevent")
def _rectification_event(c):
    from supervision.models import RectificationEvent

    return RectificationEvent.objects.filter(order__kindergarten=c.kg).last()


@recipe("supervision.evidencefile")
def _evidence_file(c):
    from supervision.models import EvidenceFile

    evidence = EvidenceFile.objects.filter(kindergarten=c.kg).last()
    evidence.file.delete()  # the stored file removed: the history says so, never a path
    return evidence


@recipe("staffing.person")
def _staff_person(c):
    import decimal as _decimal

    from staffing.models import Education, Post, PostType
    from staffing.services import employment_update, person_hire, person_update
    from tests.staffing.helpers import id_number

    director = c.staff_director = c.bureau_staff  # the district keeps the roster too
    c.employment = person_hire(
        actor=director,
        kindergarten=c.kg,
        id_number=id_number(321),
        name="王老师",
        post=Post.TEACHER,
        post_type=PostType.NOT_ESTABLISHED,
        hire_date=datetime.date(2025, 9, 1),
        education=Education.values[0],
        is_safety_officer=True,
    )
    employment_update(actor=director, employment=c.employment, changes={"social_insurance": True})
    c.person = c.employment.person
    person_update(actor=director, person=c.person, changes={"name": "王丽老师", "phone": "13800000000"})
    c.training_hours = _decimal.Decimal("12.5")
    return c.person


@recipe("staffing.employment")
def _staff_employment(c):
    from staffing.services import employment_end

    return employment_end(
        actor=c.staff_director, employment=c.employment, leave_date=datetime.date(2026, 1, 31), reason="调往他园"
    )


@recipe("staffing.certificatekind")
def _staff_certificate_kind(c):
    from staffing.models import CertificateKind, Post

    kind = CertificateKind.objects.create(code="jijiu", name="急救培训证", required_for=[Post.TEACHER, Post.GUARD])
    kind.for_all_posts = True
    kind.save()
    c.certificate_kind = kind
    return kind


@recipe("staffing.certificate")
def _staff_certificate(c):
    from staffing.services import certificate_add

    return certificate_add(
        actor=c.staff_director,
        person=c.person,
        kind=c.certificate_kind,
        number="20252110001",
        issued_on=datetime.date(2025, 6, 1),
        expires_on=datetime.date(2028, 5, 31),
        issuer="盘锦市教育局",
    )


@recipe("staffing.recordcheck")
def _staff_record_check(c):
    from staffing.models import RecordCheck
    from staffing.services import record_check_add

    return record_check_add(
        actor=c.staff_director,
        person=c.person,
        kind=RecordCheck.Kind.YEARLY,
        checked_on=datetime.date(2026, 1, 5),
        result=RecordCheck.Result.CLEAR,
        authority="大洼区公安分局",
    )


@recipe("staffing.training")
def _staff_training(c):
    from staffing.services import training_add

    return training_add(
        actor=c.staff_director,
        person=c.person,
        title="幼儿园安全教育培训",
        completed_on=datetime.date(2025, 11, 20),
        hours=c.training_hours,
        provider="区教师进修学校",
    )


@recipe("staffing.misconduct")
def _staff_misconduct(c):
    from staffing.models import Sanction
    from staffing.services import misconduct_record

    return misconduct_record(
        actor=c.bureau_admin,
        person=c.person,
        occurred_on=datetime.date(2025, 12, 1),
        decided_on=datetime.date(2025, 12, 20),
        description="体罚幼儿",
        sanction=Sanction.DEMERIT,
        kindergarten=c.kg,
    )


@recipe("staffing.staffingpolicy")
def _staff_policy(c):
    from staffing.models import CertificateKind
    from staffing.services import certificate_requirements_update, policy_update

    policy_update(actor=c.bureau_admin, district=c.kg.district, training_hours=300, training_years=5)
    guard = CertificateKind.objects.get(code="guard_licence")
    return certificate_requirements_update(
        actor=c.bureau_admin, district=c.kg.district, requirements={guard.pk: (False, ["guard", "cook"])}
    )


@recipe("staffing.idreveal")
def _staff_id_reveal(c):
    from staffing.models import IdReveal
    from staffing.services import id_number_reveal

    id_number_reveal(user=c.bureau_admin, person=c.person, purpose="核对身份")
    return IdReveal.objects.filter(person=c.person).latest("id")


@recipe("accounts.user")
def _user(c):
    user = UserFactory(username="liming", full_name="李明", role=Role.KG_STAFF, kindergarten=c.kg)
    user.kindergarten, user.bureau, user.role = None, c.district_a, Role.BUREAU_STAFF
    user.must_change_password = True
    user.save()
    user.groups.add(Group.objects.create(name="统计员"))
    c.user = user
    return user


@recipe("core.job")
def _job(c):
    """A list export asked, run, downloaded, and its file deleted by the cleanup."""
    from core.jobs import job_execute, job_record_download, jobs_cleanup
    from kindergartens.services.imports import kindergarten_export_start

    job = kindergarten_export_start(actor=c.bureau_admin, query=f"q=%E5%B9%BC&township={c.town_a.pk}&nature=public")
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    job_record_download(job=job)
    jobs_cleanup(now=job.expires_at + datetime.timedelta(seconds=1))
    job.refresh_from_db()
    return job


@recipe("reports.reporttype")
def _report_type(c):
    """A district's own report type, changed once it is in use (a second version)."""
    from reports.models import ReportType
    from reports.services import report_type_update, report_types_ensure_defaults

    report_types_ensure_defaults()
    report_type = ReportType.objects.create(
        code="pairing", name="帮扶月报", submitter_level="kindergarten", owner=c.district_a
    )
    content = {
        "sections": [{"title": "帮扶活动", "fields": [{"key": "visits", "label": "送教次数", "kind": "number"}]}]
    }
    report_type_update(actor=c.bureau_admin, report_type=report_type, content=content, name="结对帮扶月报", due_day=20)
    c.report_type = report_type
    return report_type


@recipe("reports.reporttypeversion")
def _report_version(c):
    return c.report_type.versions.get()


@recipe("reports.submission")
def _submission(c):
    """February's kindergarten report: drafted, submitted with an explanation, returned, resubmitted, approved."""
    from reports.models import ReportType
    from reports.services import (
        submission_approve,
        submission_for,
        submission_return,
        submission_save,
        submission_submit,
    )

    kg_type = ReportType.objects.get(code="kg-monthly")
    data = {
        "children": 100, "classes": 4, "staff_total": 20, "staff_joined": 1, "staff_left": 0,
        "video_checked": "yes", "video_full_coverage": "yes", "video_retention_days": 20, "video_networked": "yes",
        "drills": [{"date": "2025-02-12", "kind": "fire", "participants": 120}], "no_incident": "confirmed",
    }  # fmt: skip
    with time_machine.travel(datetime.datetime(2025, 3, 9, 10, tzinfo=SHANGHAI), tick=False):
        submission = submission_for(report_type=kg_type, month=datetime.date(2025, 2, 1), kindergarten=c.kg_a1)
        submission_save(actor=c.kg_staff, submission=submission, data={"children": "98"})
        submission = submission_submit(
            actor=c.kg_director, submission=submission, data=data, explanations={"video_retention_30": "硬盘更换中"}
        )
        submission = submission_return(actor=c.bureau_admin, submission=submission, reason="请核对幼儿数")
        data["children"] = 99
        submission = submission_submit(actor=c.kg_director, submission=submission, data=data)
        submission = submission_approve(actor=c.bureau_admin, submission=submission)
    c.submission = submission
    return submission


@recipe("reports.submissionevent")
def _submission_event(c):
    return c.submission.events.order_by("at", "id").first()


@recipe("pairing.citytarget")
def _pairing_target(c):
    """The city's 2025 targets, set and then changed."""
    from pairing.services import target_save

    fields = {"participants": 20, "plan_due": datetime.date(2025, 9, 5), "agreements_due": datetime.date(2025, 10, 15)}
    target_save(actor=c.city_viewer, city=c.city, year=2025, rural_share=decimal.Decimal("35.0"), **fields)
    return target_save(
        actor=c.city_viewer, city=c.city, year=2025, rural_share=decimal.Decimal("40.0"), idle_days=30, **fields
    )


@recipe("pairing.yearplan")
def _pairing_plan(c):
    """District A's 2025 plan: filed with a list, changed, submitted."""
    from pairing.services import plan_save, plan_submit
    from tests.pairing.helpers import pairing_setup

    pairing_setup(c)
    plan_save(
        actor=c.bureau_staff,
        district=c.district_a,
        year=2025,
        helping_count=1,
        helped_count=2,
        helping_ids=[c.kg_a1.pk],
        helped_ids=[c.kg_a2.pk],
    )
    plan = plan_save(
        actor=c.bureau_staff,
        district=c.district_a,
        year=2025,
        helping_count=1,
        helped_count=2,
        helping_ids=[c.kg_a1.pk],
        helped_ids=[c.kg_a2.pk, c.kg_a3.pk],
        note="按市定目标填报",
    )
    c.pairing_plan = plan_submit(actor=c.bureau_staff, plan=plan)
    return c.pairing_plan


@recipe("pairing.planentry")
def _pairing_plan_entry(c):
    return c.pairing_plan.entries.order_by("pk").first()


@recipe("pairing.agreement")
def _pairing_agreement(c):
    """A cross-district agreement drafted, submitted, confirmed by both bureaus, with an activity and a
    signed file, then ended early with a reason."""
    from pairing.services import (
        activity_log,
        agreement_confirm,
        agreement_create,
        agreement_end_early,
        agreement_submit,
        agreement_upload_signed,
    )
    from tests.pairing.helpers import agreement_fields, pairing_setup

    pairing_setup(c)
    with time_machine.travel(datetime.datetime(2025, 10, 20, 10, tzinfo=SHANGHAI), tick=False):
        agreement = agreement_create(
            actor=c.kg_director,
            fields=agreement_fields(title="跨区域结对帮扶协议"),
            helping_ids=[c.kg_a1.pk],
            helped_ids=[c.kg_b1.pk],
        )
        agreement_submit(actor=c.kg_director, agreement=agreement)
        agreement_confirm(actor=c.bureau_staff, agreement=agreement)
        agreement_confirm(actor=c.admin_b, agreement=agreement)
        agreement_upload_signed(
            actor=c.kg_director, agreement=agreement, uploads=[upload(PDF, "签字协议.pdf", "application/pdf")]
        )
        c.pairing_activity = activity_log(
            actor=c.director_b1,
            agreement=agreement,
            fields={
                "date": datetime.date(2025, 10, 18),
                "form": "on_site",
                "helping_people": 3,
                "helped_people": 7,
                "hours": decimal.Decimal("2.5"),
                "content": "入园指导",
            },
            uploads=[upload(PDF, "签到表.pdf", "application/pdf")],
        )
        agreement = agreement_end_early(actor=c.bureau_staff, agreement=agreement, reason="被帮扶园停办")
    c.pairing_agreement = agreement
    return agreement


@recipe("pairing.agreementparty")
def _pairing_party(c):
    return c.pairing_agreement.parties.order_by("pk").first()


@recipe("pairing.confirmation")
def _pairing_confirmation(c):
    return c.pairing_agreement.confirmations.order_by("pk").first()


@recipe("pairing.activity")
def _pairing_activity(c):
    return c.pairing_activity


@recipe("pairing.pairingfile")
def _pairing_file(c):
    return c.pairing_agreement.files.order_by("pk").first()


def _kg_director(c):
    return User.objects.filter(kindergarten=c.kg, role=Role.KG_DIRECTOR).first() or UserFactory(
        username="director_kg", full_name="张园长", role=Role.KG_DIRECTOR, kindergarten=c.kg
    )


@recipe("safety.incident")
def _incident(c):
    """Reported late, raised to 较大 by a follow-up, corrected, closed, forwarded by the bureau."""
    from safety.services import incident_add_entry, incident_forward, incident_report

    director = _kg_director(c)
    with time_machine.travel(datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        incident = incident_report(
            actor=director,
            kindergarten=c.kg,
            occurred_at=datetime.datetime(2025, 3, 1, 6, tzinfo=datetime.UTC),
            kind="food",
            grade="general",
            children_affected=3,
            staff_affected=0,
            text="午餐后三名幼儿腹泻呕吐。",
        )
    initial = incident.entries.get()
    incident_add_entry(
        actor=director,
        incident=incident,
        kind="followup",
        text="又有两名幼儿出现症状。",
        grade="large",
        children_affected=5,
    )
    incident_add_entry(
        actor=director,
        incident=incident,
        kind="correction",
        corrects=initial,
        kind_stated="infectious",
        text="经疾控中心确认为诺如病毒感染。",
    )
    incident_add_entry(actor=director, incident=incident, kind="final", text="幼儿均已康复。")
    incident_forward(actor=c.bureau_admin, incident=incident, to="city")
    incident_forward(actor=c.bureau_admin, incident=incident, to="health", note="已报区卫生健康委。")
    c.incident = incident
    return incident


@recipe("safety.incidentdraft")
def _incident_draft(c):
    """Drafted by a staff member, changed, submitted by the director."""
    from safety.services import draft_save, draft_submit

    director = _kg_director(c)
    staff = UserFactory(username="staff_kg", full_name="李老师", role=Role.KG_STAFF, kindergarten=c.kg)
    with time_machine.travel(datetime.datetime(2025, 3, 3, 1, tzinfo=datetime.UTC), tick=False):
        draft = draft_save(
            actor=staff,
            kindergarten=c.kg,
            occurred_at=datetime.datetime(2025, 3, 3, 0, 30, tzinfo=datetime.UTC),
            kind="injury",
            text="户外活动时一名幼儿摔倒。",
        )
        draft_save(
            actor=director,
            kindergarten=c.kg,
            draft=draft,
            occurred_at=draft.occurred_at,
            kind="injury",
            grade="general",
            children_affected=1,
            staff_affected=0,
            text="户外活动时一名幼儿摔倒，膝盖擦伤，已处理。",
        )
        draft_submit(actor=director, draft=draft)
    return draft


@recipe("safety.incidententry")
def _incident_entry(c):
    return c.incident.entries.filter(kind="correction").get()


@recipe("safety.zeroreport")
def _zero_report(c):
    from safety.services import zero_report_confirm

    return zero_report_confirm(actor=_kg_director(c), kindergarten=c.kg, month=datetime.date(2025, 1, 1))


@recipe("safety.hazard")
def _hazard(c):
    """Found by the kindergarten's daily check, then ordered by the bureau."""
    from safety.services import hazard_issue_order, hazard_record

    hazard = hazard_record(
        actor=_kg_director(c),
        kindergarten=c.kg,
        category="surroundings",
        source="daily",
        found_on=datetime.date(2025, 3, 2),
        description="园门口占道经营摊点。",
    )
    hazard_issue_order(actor=c.bureau_admin, hazard=hazard, severity="major")
    return hazard


@recipe("indicators.residentchildren")
def _resident_children(c):
    """A township's resident children entered, then corrected as an estimate from another source."""
    from indicators.services import resident_children_save

    resident_children_save(
        user=c.bureau_staff, township=c.town_a, year=2025, children=300, source="police",
        source_date=datetime.date(2025, 1, 5),
    )  # fmt: skip
    return resident_children_save(
        user=c.bureau_staff, township=c.town_a, year=2025, children=320, source="health",
        source_date=datetime.date(2025, 2, 1), is_estimate=True, note="卫健出生登记推算",
    )  # fmt: skip


@recipe("indicators.target")
def _target(c):
    """A district plan's target set, then raised with its baseline."""
    from indicators.services import target_save

    target_save(user=c.bureau_admin, bureau=c.district_a, indicator="inclusive-coverage", year=2026, value=85)
    return target_save(
        user=c.bureau_admin, bureau=c.district_a, indicator="inclusive-coverage", year=2026, value=92,
        baseline_year=2023, baseline_value=decimal.Decimal("78.5"), plan="大洼区学前教育发展提升行动计划",
    )  # fmt: skip


@recipe("indicators.responsibilitytask")
def _responsibility_task(c):
    """A task of the district's responsibility list, then marked done."""
    from indicators.services import responsibility_task_save

    task = responsibility_task_save(
        user=c.bureau_staff, district=c.district_a, number=1, title="新建公办幼儿园，增加公办学位",
        lead_unit="区教育局", responsible_units="区发展改革局、区财政局", deadline=datetime.date(2025, 12, 31),
        indicator="public-share",
    )  # fmt: skip
    return responsibility_task_save(
        user=c.bureau_admin, district=c.district_a, task=task, done_on=datetime.date(2025, 11, 20)
    )


@recipe("safety.facilityrecord")
def _facility_record(c):
    from safety.services import facility_record_change

    return facility_record_change(
        actor=_kg_director(c),
        kindergarten=c.kg,
        effective_on=datetime.date(2025, 3, 1),
        video_public_areas=True,
        video_retention_days=30,
        video_networked=True,
        video_person="王老师",
        alarm_linked=True,
        full_time_guards=2,
        closed_campus=True,
        guard_post=False,
        clinic=True,
        medical_pairing="区妇幼保健院",
        safety_officer="李安全",
        safety_officer_trained=True,
        safety_officer_certified=False,
        note="护学岗待落实",
    )


@recipe("safety.schoolbus")
def _school_bus(c):
    from safety.services import bus_add, bus_inspect

    bus = bus_add(actor=_kg_director(c), kindergarten=c.kg, plate="辽K12345", seats=19)
    return bus_inspect(
        actor=c.bureau_admin, bus=bus, inspected_on=datetime.date(2025, 3, 1), valid_until=datetime.date(2026, 2, 28)
    )


@recipe("safety.videocheck")
def _video_check(c):
    from safety.services import video_check_record

    return video_check_record(
        actor=_kg_director(c),
        kindergarten=c.kg,
        month=datetime.date(2025, 2, 1),
        cameras_total=20,
        cameras_working=19,
        retention_days=30,
        retention_verified=True,
        faults="东门摄像头故障，已报修。",
    )


@recipe("safety.responsibilityletter")
def _responsibility_letter(c):
    from safety.services import letter_record

    return letter_record(
        actor=_kg_director(c),
        kindergarten=c.kg,
        level="director_staff",
        year=2025,
        parties="园长—保安员",
        signed_on=datetime.date(2025, 2, 1),
        files=[upload(PDF, "责任书.pdf")],
    )


@recipe("safety.drill")
def _drill(c):
    from safety.services import drill_record

    return drill_record(
        actor=_kg_director(c),
        kindergarten=c.kg,
        held_on=datetime.date(2025, 3, 5),
        kind="earthquake",
        participants=150,
        notes="疏散用时 2 分 40 秒。",
        files=[upload(PDF, "演练记录.pdf")],
    )


def audited_models() -> set[str]:
    return {m._meta.label_lower for m in apps.get_models() if issubclass(m, AuditedModel)}


def test_every_audited_model_has_a_recipe():
    missing = audited_models() - set(RECIPES)
    assert not missing, f"add a recipe to {__name__}.RECIPES for {sorted(missing)}"


def test_every_audited_model_reads_as_chinese(client, cast):
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026", full_name="平台管理员")
    first_new = (AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    records = {}
    with audit_context(source="web", actor=cast.bureau_admin):
        for label in ("kindergartens.bureau", "kindergartens.township", "kindergartens.level"):
            records[label] = RECIPES[label](cast)
    for label in sorted(set(RECIPES) - set(records), key=list(RECIPES).index):  # services: their own actor
        records[label] = RECIPES[label](cast)
    assert set(records) >= audited_models()
    new_entries = list(AuditEntry.objects.filter(id__gte=first_new).select_related("content_type"))
    assert {e.content_type.model_class()._meta.label_lower for e in new_entries} >= audited_models()

    ids = {str(pk) for e in new_entries for pk in _referenced_ids(e)}
    usernames = set(User.objects.values_list("username", flat=True))
    shown_models: set[str] = set()
    kinds: set[str] = set()

    def check_cells(cells, where):
        for entry, key, text in cells:
            model = entry.content_type.model_class()
            assert_cell_readable(model, key, text, ids=ids, where=where)
            kinds.add(_kind(field_of(model, key)))

    # 1. The history pages: the kindergarten's (with its classes, filings, assignments…) and the account's.
    by_pk = {str(e.pk): e for e in AuditEntry.objects.select_related("content_type")}
    client.force_login(cast.bureau_admin)
    for url in (
        reverse("kindergartens:history", kwargs={"pk": cast.kg.pk}),
        reverse("accounts:user-history", kwargs={"pk": cast.user.pk}),
    ):
        page = 1
        while True:
            response = client.get(url, {"page": page})
            assert response.status_code == 200
            table = read_history_page(response.content.decode())
            assert_readable(table.texts, allowed_words=usernames, where=url)
            check_cells([(by_pk[e], f, t) for e, f, t in table.cells], url)
            for pk, shown in table.times.items():
                expected = by_pk[pk].at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
                assert shown == expected, (url, shown, expected)
            shown_models |= {by_pk[pk].content_type.model_class()._meta.label_lower for pk in table.entries}
            if not response.context["page"].has_next():
                break
            page += 1

    # 2. The API: the kindergarten's history, and the same serializer over every new entry.
    api = APIClient()
    api.force_login(cast.bureau_admin)
    body = api.get(reverse("api:kindergarten-history", kwargs={"pk": cast.kg.pk}), {"page_size": 200}).json()
    from kindergartens.serializers import AuditEntrySerializer

    everything = AuditEntrySerializer(entry_views(new_entries), many=True).data
    for where, results in (("api", body["results"]), ("serializer", everything)):
        texts = []
        for item in results:
            texts += [item["at_display"], item["actor"], item["action_label"], item["source_label"]]
            texts += [item["model_label"], item["object_label"]]
            texts += [part for change in item["changes"] for part in (change["field"], change["old"], change["new"])]
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", item["at_display"])
            assert item["at"].endswith("+08:00") and item["at"][:19].replace("T", " ") == item["at_display"]
            entry = by_pk[str(item["id"])]
            check_cells([(entry, c["name"], c[side]) for c in item["changes"] for side in ("old", "new")], where)
        assert_readable([t for t in texts if t], allowed_words=usernames, where=where)

    # 3. The admin: every new entry's change view, which is where bureaus, townships and levels are read.
    client.force_login(root)
    for entry in new_entries:
        response = client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
        assert response.status_code == 200
        admin = AdminChanges()
        admin.feed(response.content.decode())
        assert admin.rows or not entry.changes, entry.changes
        assert_readable(admin.texts, allowed_words=usernames, where=f"admin {entry.pk}")
        check_cells([(entry, field, text) for field, cells in admin.rows for text in cells[1:]], "admin")
        shown_models.add(entry.content_type.model_class()._meta.label_lower)

    assert shown_models >= audited_models()
    # The recipes really touched every kind of value.
    assert kinds >= {"fk", "choice", "date", "datetime", "json", "bool", "decimal", "m2m"}, kinds
    # …and what a clerk needs to read is there.
    html = client.get(reverse("admin:core_auditentry_change", args=[new_entries[0].pk])).content.decode()
    assert "时间（北京时间）" in html


def _referenced_ids(entry) -> list:
    model = entry.content_type.model_class()
    found = []
    for key, pair in entry.changes.items():
        field = field_of(model, key)
        if field is None or not field.is_relation or not isinstance(pair, list):
            continue
        for value in pair:
            if isinstance(value, int):
                found.append(value)
            elif isinstance(value, list):
                found += [v for v in value if isinstance(v, int)]
    if entry.actor_id:
        found.append(entry.actor_id)
    return found


def _kind(field) -> str:
    if field.many_to_many:
        return "m2m"
    if field.is_relation:
        return "fk"
    if field.choices:
        return "choice"
    for cls, kind in (
        (models.DateTimeField, "datetime"),
        (models.DateField, "date"),
        (models.JSONField, "json"),
        (models.BooleanField, "bool"),
        (models.DecimalField, "decimal"),
    ):
        if isinstance(field, cls):
            return kind
    return "other"


# --- each kind of value, exactly ----------------------------------------------------------------------


def _views_for(obj):
    from core.audit import history_for

    return entry_views(history_for(obj))


def _row(view, name):
    return next(r for r in view.changes if r.name == name)


def test_foreign_keys_show_names_and_deleted_records_say_so(cast):
    group = CollaborationGroup.objects.create(district=cast.district_a, name="临时协作组")
    kindergarten_update(
        actor=cast.bureau_admin,
        kindergarten=cast.kg_a1,
        changes={"township": cast.village_a, "collaboration_group": group, "level": cast.level_ln},
    )
    group_pk = group.pk
    group.delete()
    newest = _views_for(cast.kg_a1)[0]
    assert (_row(newest, "township_id").label, _row(newest, "township_id").old) == ("街道/乡镇", "大洼街道")
    assert _row(newest, "township_id").new == "西安镇"
    assert _row(newest, "level_id").new == "四星级"
    assert _row(newest, "collaboration_group_id").new == "（已删除）"
    assert _row(newest, "collaboration_group_id").new_value == group_pk  # the stored value is kept


def test_choices_dates_decimals_and_booleans_read_as_chinese(cast):
    kindergarten_update(
        actor=cast.bureau_admin,
        kindergarten=cast.kg_a1,
        changes={
            "nature": Nature.INCLUSIVE_PRIVATE,
            "inclusive_recognised_on": datetime.date(2025, 3, 15),
            "fee_monthly": decimal.Decimal("1200.5"),
            "fee_government_guided": True,
            "credit_rating": cast.grade_a,
        },
    )
    newest = _views_for(cast.kg_a1)[0]
    shown = {r.name: (r.label, r.old, r.new) for r in newest.changes}
    assert shown["nature"] == ("办园性质", "公办", "普惠性民办")
    assert shown["inclusive_recognised_on"] == ("普惠性民办认定日期", "—", "2025-03-15")
    assert shown["fee_monthly"] == ("保教费（元/月）", "—", "1200.50")
    assert shown["fee_government_guided"] == ("执行政府指导价", "否", "是")
    assert shown["credit_rating_id"] == ("信用等级", "—", "A 级")


def test_changes_are_listed_in_the_record_field_order(cast):
    entry = AuditEntry.objects.filter(object_id=str(cast.kg_a1.pk), content_type__model="kindergarten").first()
    entry.changes = {"capacity": [0, 1], "name": ["甲", "乙"], "township_id": [None, cast.town_a.pk]}  # jsonb order
    (view,) = entry_views([entry])
    assert [r.label for r in view.changes] == ["园所名称", "街道/乡镇", "学位数"]


def test_status_change_value_shows_the_label_of_its_attribute(cast):
    changes = {c.attribute: c for c in cast.kg_a1.status_changes.all()}
    views = [_views_for(change)[0] for change in changes.values()]  # their creation
    assert {(_row(v, "attribute").new, _row(v, "value").new) for v in views} == {
        ("办园状态", "在办"),
        ("办园性质", "公办"),
    }
    # A value-only correction does not carry the attribute: the value still reads as a label.
    KindergartenStatusChange.objects.filter(pk=changes["nature"].pk).update(value=Nature.PRIVATE)
    fix = _views_for(changes["nature"])[0]
    assert (_row(fix, "value").old, _row(fix, "value").new) == ("公办", "非普惠性民办")


def test_json_of_a_filing_reads_with_the_record_labels(cast):
    filing = ChangeFiling.objects.create(
        kindergarten=cast.kg_a2,
        proposed={"capacity": 400, "principal_name": "张三", "township": cast.town_a.pk, "schedule": "half_day"},
        original={"capacity": 0, "principal_name": "", "township": cast.village_a.pk, "schedule": "full_day"},
        effective_date=datetime.date(2025, 3, 15),
        filed_by=cast.director_a2,
    )
    (view,) = entry_views(AuditEntry.objects.filter(object_id=str(filing.pk), content_type__model="changefiling"))
    assert _row(view, "proposed").label == "申请变更内容"
    # In the record's field order, whatever order the database keeps the keys in.
    assert _row(view, "proposed").new == "街道/乡镇：大洼街道；办园形式：半日制；学位数：400；园长姓名：张三"
    assert _row(view, "original").new == "街道/乡镇：西安镇；办园形式：全日制；学位数：0；园长姓名：—"


def test_times_are_beijing_times_on_the_page_and_in_the_api(client, cast):
    utc_evening = datetime.datetime(2025, 3, 14, 16, 30, tzinfo=datetime.UTC)  # 2025-03-15 00:30 in Beijing
    with time_machine.travel(utc_evening, tick=False):
        supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a2, supervisor=cast.supervisor2)
    client.force_login(cast.bureau_staff)
    table = read_history_page(
        client.get(reverse("kindergartens:history", kwargs={"pk": cast.kg_a2.pk})).content.decode()
    )
    assert "2025-03-15 00:30:00" in table.times.values()  # when the entry was written
    assert ("started_at", "2025-03-15 00:30") in {(field, text) for _, field, text in table.cells}
    assert not any("2025-03-14" in text or ISO_TIMESTAMP.search(text) for text in table.texts)
    api = APIClient()
    api.force_login(cast.bureau_staff)
    with time_machine.travel(utc_evening, tick=False):
        Kindergarten.objects.filter(pk=cast.kg_a2.pk).update(capacity=120)
    results = api.get(reverse("api:kindergarten-history", kwargs={"pk": cast.kg_a2.pk})).json()["results"]
    (update,) = [r for r in results if r["changes"] and r["changes"][0]["name"] == "capacity"]
    assert (update["at"], update["at_display"]) == ("2025-03-15T00:30:00+08:00", "2025-03-15 00:30:00")


def test_record_names_and_admin_titles_carry_beijing_dates(client, cast):
    utc_evening = datetime.datetime(2025, 3, 14, 16, 30, tzinfo=datetime.UTC)  # 2025-03-15 00:30 in Beijing
    with time_machine.travel(utc_evening, tick=False):
        filing = ChangeFiling.objects.create(
            kindergarten=cast.kg_a2,
            proposed={"capacity": 400},
            original={"capacity": 0},
            effective_date=datetime.date(2025, 4, 1),
            filed_by=cast.director_a2,
        )
    (view,) = _views_for(filing)
    assert view.object_label == "西安镇中心幼儿园 变更备案（2025-03-15）"
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026", full_name="平台管理员")
    client.force_login(root)
    html = client.get(reverse("admin:core_auditentry_change", args=[view.entry.pk])).content.decode()
    assert "@ 2025-03-15 00:30" in html and "2025-03-14" not in html


def test_actor_is_the_person_or_the_system(cast):
    nameless = UserFactory(username="wangwu", full_name="", role=Role.BUREAU_ADMIN, bureau=cast.district_a)
    with audit_context(source="web", actor=cast.bureau_admin):
        Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(capacity=100)
    with audit_context(source="web", actor=nameless):
        Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(capacity=200)
    with audit_context(source="task", path="tests.task"):
        Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(capacity=300)
    task, no_name, named = _views_for(cast.kg_a1)[:3]
    assert (named.actor, named.source_label) == (cast.bureau_admin.full_name, "网页")
    assert no_name.actor == "wangwu"  # no name: the account
    assert (task.actor, task.source_label) == ("系统", "后台任务")


def test_account_group_changes_name_the_groups(cast):
    group = Group.objects.create(name="统计员")
    cast.kg_staff.groups.add(group)
    newest = _views_for(cast.kg_staff)[0]
    assert (_row(newest, "groups").old, _row(newest, "groups").new) == ("—", "新增：统计员")
    password = User.objects.get(pk=cast.kg_staff.pk)
    password.set_password("Another-pass-2026")
    password.save()
    assert (_row(_views_for(password)[0], "password").old, _row(_views_for(password)[0], "password").new) == (
        "（已隐藏）",
        "（已隐藏）",
    )


# --- query counts ---------------------------------------------------------------------------------------


def _many_referencing_entries(cast, start: int, stop: int) -> None:
    """Updates of kg_a1, each naming another township, level, group and supervisor."""
    for i in range(start, stop):
        town = TownshipFactory(district=cast.district_a, name=f"街道{i}")
        level = Level.objects.create(province="辽宁省", name=f"等级{i}", rank=i)
        group = CollaborationGroup.objects.create(district=cast.district_a, name=f"协作组{i}")
        kindergarten_update(
            actor=UserFactory(role=Role.BUREAU_ADMIN, bureau=cast.district_a),
            kindergarten=Kindergarten.objects.get(pk=cast.kg_a1.pk),
            changes={"township": town, "level": level, "collaboration_group": group},
        )
        supervisor_assign(
            actor=cast.bureau_admin,
            kindergarten=cast.kg_a1,
            supervisor=UserFactory(role=Role.SUPERVISOR, bureau=cast.district_a),
        )


def test_history_page_names_references_in_one_query_per_model(client, cast, django_assert_max_num_queries):
    client.force_login(cast.bureau_staff)
    url = reverse("kindergartens:history", kwargs={"pk": cast.kg_a1.pk})
    _many_referencing_entries(cast, 0, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _many_referencing_entries(cast, 2, 14)
    # session, user, kindergarten, the page's includes, count, page, and one per kind of record named
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert "等级13" in response.content.decode()


def test_api_history_names_references_in_one_query_per_model(cast, django_assert_max_num_queries):
    api = APIClient()
    api.force_login(cast.bureau_staff)
    url = reverse("api:kindergarten-history", kwargs={"pk": cast.kg_a1.pk})
    _many_referencing_entries(cast, 0, 2)
    with CaptureQueriesContext(connection) as few:
        assert api.get(url).status_code == 200
    _many_referencing_entries(cast, 2, 14)
    with django_assert_max_num_queries(len(few)):
        body = api.get(url).json()
    newest = body["results"][0]["changes"]
    assert {c["new"] for c in newest} == {"街道13", "等级13", "协作组13"}


def test_datetimes_within_one_minute_show_seconds(cast):
    base = datetime.datetime(2025, 3, 14, 16, 30, 5, tzinfo=datetime.UTC)
    ChangeFiling.objects.filter(pk=cast.filing_a1.pk).update(submitted_at=base)
    ChangeFiling.objects.filter(pk=cast.filing_a1.pk).update(submitted_at=base + datetime.timedelta(seconds=20))
    row = _row(_views_for(cast.filing_a1)[0], "submitted_at")
    assert (row.old, row.new) == ("2025-03-15 00:30:05", "2025-03-15 00:30:25")


# --- the admin ----------------------------------------------------------------------------------------


def test_admin_list_shows_names_in_constant_queries(client, cast, django_assert_max_num_queries):
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026", full_name="平台管理员")
    client.force_login(root)
    url = reverse("admin:core_auditentry_changelist")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(20):
        with audit_context(source="web", actor=UserFactory(full_name=f"办事员{i}")):
            Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(capacity=i + 1)
    with django_assert_max_num_queries(len(few)):
        html = client.get(url).content.decode()
    assert "办事员19" in html and "幼儿园" in html


def test_admin_change_view_reads_like_the_history_page(client, cast):
    kindergarten_update(
        actor=cast.bureau_admin,
        kindergarten=Kindergarten.objects.get(pk=cast.kg_a1.pk),
        changes={"nature": Nature.PRIVATE, "township": cast.village_a},
    )
    entry = AuditEntry.objects.filter(object_id=str(cast.kg_a1.pk), action="update").latest("id")
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026", full_name="平台管理员")
    client.force_login(root)
    admin = AdminChanges()
    admin.feed(client.get(reverse("admin:core_auditentry_change", args=[entry.pk])).content.decode())
    assert dict(admin.rows) == {
        "nature": ["办园性质", "公办", "非普惠性民办"],
        "township_id": ["街道/乡镇", "大洼街道", "西安镇"],
    }
    assert beijing_text(entry.at) in admin.texts and "幼儿园" in admin.texts


def beijing_text(at: datetime.datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
