"""双随机、一公开: draw kindergartens and inspectors at random, reproducibly, and plan the visits.

The algorithm (``draw_select``), so that anyone holding the published seed and pools can repeat it
(in any language with SHA-256):

0. Each kindergarten of the pool is named by its public identifier, recorded with the draw: its
   统一社会信用代码, or its name when it has none (a second kindergarten of the same name gets
   "（2）" appended, and so on, so identifiers are unique). Record numbers are never published.
1. A kindergarten's key is ``SHA-256("<seed>|<identifier>")``; an inspector considered for a
   kindergarten gets ``SHA-256("<seed>|<identifier>|<n>")``, where ``<n>`` is the inspector's
   number in the pool (1 for the first, as the public page lists them). Keys are lowercase hex;
   candidates are ordered by key (ties, which SHA-256 makes practically impossible, by identifier).
2. Kindergartens: the first *n* of the pool in that order, where *n* is the number asked, or
   ceil(pool size × share ÷ 100) for a share (at least 1), never more than the pool.
3. Inspectors, kindergarten by kindergarten in the drawn order: the pool without the
   kindergarten's responsible supervisor (回避, recorded with the draw), ordered by how many visits
   the inspector has already been given in this draw, then by key; the first *m* (inspectors per
   visit). Visits are thus spread evenly over the inspectors.

The seed is chosen at random (``secrets``) unless the bureau gives one, and is recorded with the
pools and the identifiers, so the result depends on nothing that changes later.

Draws made before the identifiers were recorded (``RandomDraw.method`` 1) keyed kindergartens by
their record numbers (``seed|kg|<id>``, ``seed|kg<id>|<n>``); ``draw_repeat`` still repeats them
that way, and the public page says so without publishing the numbers.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Kindergarten
from supervision.access import draw_run_district, templates_visible_to
from supervision.inspections import inspection_plan
from supervision.models import ChecklistTemplate, InspectionKind, RandomDraw, SupervisorAssignment

INSPECTOR_ROLES = (Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF)


def draw_key(*parts) -> str:
    """SHA-256 of the parts joined by ``|``, as lowercase hex (the documented key)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def draw_identifiers(kindergartens) -> dict[str, str]:
    """Each kindergarten's public identifier for a draw (step 0), keyed by record number as text."""
    identifiers: dict[str, str] = {}
    taken: set[str] = set()
    for kg in sorted(kindergartens, key=lambda k: k.pk):
        base = (kg.credit_code or "").strip() or kg.name.strip()
        label, n = base, 1
        while label in taken:
            n += 1
            label = f"{base}（{n}）"
        taken.add(label)
        identifiers[str(kg.pk)] = label
    return identifiers


def draw_size(pool_size: int, *, share_percent: int | None = None, count: int | None = None) -> int:
    if count is not None:
        return min(count, pool_size)
    return min(pool_size, max(1, math.ceil(pool_size * share_percent / 100))) if pool_size else 0


@dataclass(frozen=True)
class Visit:
    kindergarten_id: int
    inspector_ids: tuple[int, ...]


def draw_select(
    *,
    seed: str,
    kindergarten_pool,
    inspector_pool,
    size: int,
    inspectors_per_visit: int,
    avoid: dict | None = None,
    identifiers: dict | None = None,
) -> list[Visit]:
    """The documented algorithm (module docstring): the same inputs always give the same visits.

    ``identifiers`` maps each kindergarten (record number, as text) to its public identifier; without
    it the draw is keyed the old way, by record number (method 1).
    """
    avoid = {int(k): int(v) for k, v in (avoid or {}).items()}
    if identifiers is not None:
        name = {int(k): v for k, v in identifiers.items()}

        def kg_key(pk):
            return (draw_key(seed, name[pk]), name[pk])

        def inspector_key(kg, n):
            return draw_key(seed, name[kg], n)

    else:

        def kg_key(pk):
            return (draw_key(seed, "kg", pk), str(pk))

        def inspector_key(kg, n):
            return draw_key(seed, f"kg{kg}", n)

    kindergartens = sorted(set(kindergarten_pool), key=kg_key)[:size]
    load = dict.fromkeys(sorted(set(inspector_pool)), 0)
    number = {u: n for n, u in enumerate(load, start=1)}
    visits = []
    for kg in kindergartens:
        candidates = [u for u in load if u != avoid.get(kg)]
        chosen = sorted(candidates, key=lambda u: (load[u], inspector_key(kg, number[u]), u))[:inspectors_per_visit]
        for u in chosen:
            load[u] += 1
        visits.append(Visit(kg, tuple(sorted(chosen))))
    return visits


def draw_repeat(draw: RandomDraw) -> list[Visit]:
    """Run the recorded draw again from its seed and pools (what the public page lets anyone check)."""
    return draw_select(
        seed=draw.seed,
        kindergarten_pool=draw.kindergarten_pool,
        inspector_pool=draw.inspector_pool,
        size=draw.drawn_count,
        inspectors_per_visit=draw.inspectors_per_visit,
        avoid=draw.avoid,
        identifiers=draw.identifiers if draw.method == RandomDraw.Method.IDENTIFIER else None,
    )


@transaction.atomic
def draw_run(
    *,
    actor: User,
    title: str,
    template: ChecklistTemplate,
    planned_on: datetime.date,
    kindergartens,
    inspectors,
    share_percent: int | None = None,
    count: int | None = None,
    inspectors_per_visit: int | None = None,
    seed: str = "",
) -> RandomDraw:
    """Draw and plan: one 双随机抽查 inspection per drawn kindergarten with its drawn inspectors."""
    district = draw_run_district(actor)
    if district is None:
        raise PermissionDenied("只有区县教育局可以组织双随机抽查。")
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "请填写抽查名称。"
    kg_ids = sorted({kg.pk for kg in kindergartens})
    visible = set(
        kindergartens_visible_to(actor).filter(pk__in=kg_ids, district_id=district.pk).values_list("pk", flat=True)
    )
    if not kg_ids:
        errors["kindergartens"] = "请选择参加抽取的幼儿园。"
    elif visible != set(kg_ids):
        errors["kindergartens"] = "只能从本区县的幼儿园中抽取。"
    inspector_ids = sorted({u.pk for u in inspectors})
    valid_inspectors = set(
        User.objects.filter(
            pk__in=inspector_ids, bureau_id=district.pk, is_active=True, role__in=INSPECTOR_ROLES
        ).values_list("pk", flat=True)
    )
    per_visit = inspectors_per_visit or settings.RANDOM_DRAW_MIN_INSPECTORS
    if valid_inspectors != set(inspector_ids):
        errors["inspectors"] = "检查人员须为本区县在职的督学或教育局工作人员。"
    elif per_visit < settings.RANDOM_DRAW_MIN_INSPECTORS:
        errors["inspectors_per_visit"] = f"每组至少 {settings.RANDOM_DRAW_MIN_INSPECTORS} 名检查人员。"
    elif len(inspector_ids) < per_visit + 1:
        # one more than a visit needs, so the responsible supervisor can always step aside (回避)
        errors["inspectors"] = f"检查人员名单至少需要 {per_visit + 1} 人。"
    if (share_percent is None) == (count is None):
        errors["share_percent"] = "请填写抽取比例或抽取数量（二选一）。"
    elif share_percent is not None and not 1 <= share_percent <= 100:
        errors["share_percent"] = "抽取比例应为 1 至 100。"
    elif count is not None and count < 1:
        errors["count"] = "抽取数量至少为 1。"
    template_ok = templates_visible_to(actor).filter(pk=template.pk, is_current=True, is_active=True).exists()
    if not template_ok or template.district_id not in (None, district.pk):
        errors["template"] = "请选择当前启用的模板版本。"
    if planned_on is None:
        errors["planned_on"] = "请填写计划检查日期。"
    if errors:
        raise ValidationError(errors)
    seed = (seed or "").strip()[:64] or secrets.token_hex(8)
    avoid = {
        str(kg): user
        for kg, user in SupervisorAssignment.objects.filter(
            kindergarten_id__in=kg_ids, ended_at__isnull=True
        ).values_list("kindergarten_id", "supervisor_id")
    }
    size = draw_size(len(kg_ids), share_percent=share_percent, count=count)
    draw = RandomDraw(
        district=district,
        title=title[:100],
        template=template,
        planned_on=planned_on,
        seed=seed,
        kindergarten_pool=kg_ids,
        identifiers=draw_identifiers(Kindergarten.objects.filter(pk__in=kg_ids).only("id", "name", "credit_code")),
        method=RandomDraw.Method.IDENTIFIER,
        inspector_pool=inspector_ids,
        avoid=avoid,
        share_percent=share_percent,
        requested_count=count,
        drawn_count=size,
        inspectors_per_visit=per_visit,
        created_by=actor,
        created_at=timezone.now(),
    )
    draw.full_clean()
    draw.save()
    kindergartens_by_id = Kindergarten.objects.in_bulk([v.kindergarten_id for v in draw_repeat(draw)])
    users = User.objects.in_bulk(inspector_ids)
    for visit in draw_repeat(draw):
        inspection_plan(
            actor=None,  # checked above: the bureau editor, the district's kindergartens and inspectors
            kindergarten=kindergartens_by_id[visit.kindergarten_id],
            kind=InspectionKind.RANDOM,
            template=template,
            planned_on=planned_on,
            supervisors=[users[u] for u in visit.inspector_ids],
            draw=draw,
            created_by=actor,
        )
    return draw
