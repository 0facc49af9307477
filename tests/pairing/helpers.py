"""Pairing records for tests, the permission matrix and the history recipes.

``pairing_setup(cast)`` adds to the documented cast (tests/conftest.py): 辽宁省 levels with kg_a1 as a
五星级 public town kindergarten; kg_a3, a private kindergarten in district A's village (西安镇, code 220,
like kg_a2, a public one there); kg_b2 in district B and kg_c2 in district C (so each district has two
kindergartens to pair). Agreements are made straight in the database in any state (``make_agreement``);
the services are tested on their own.
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile

from kindergartens.models import Level, Nature
from pairing.models import Activity, Agreement, AgreementParty, Form, Mode, PairingFile, Side, YearPlan
from tests.factories import KindergartenFactory, TownshipFactory

START = datetime.date(2025, 9, 1)
END = datetime.date(2027, 8, 31)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

TEXTS = {
    "rights_obligations": "帮扶园派骨干教师入园指导；被帮扶园按计划派员跟岗，落实改进措施。",
    "content": "一日活动组织、游戏化教学、环境创设。",
    "goals": "两年内保教质量评估达到合格以上。",
}


def pairing_setup(c):
    """Idempotent within one test; the matrix's module-wide cast is rolled back after each test, so the
    rows are looked for, not the attributes."""
    from kindergartens.models import Kindergarten

    kg_a3 = getattr(c, "kg_a3", None)
    if kg_a3 is not None and Kindergarten.objects.filter(pk=kg_a3.pk).exists():
        return c
    five = Level.objects.get_or_create(province="辽宁省", name="五星级", defaults={"rank": 5})[0]
    two = Level.objects.get_or_create(province="辽宁省", name="二星级", defaults={"rank": 2})[0]
    c.level_five, c.level_two = five, two
    Kindergarten.objects.filter(pk=c.kg_a1.pk).update(level=five)
    Kindergarten.objects.filter(pk=c.kg_a2.pk).update(level=two)
    c.kg_a1.refresh_from_db()
    c.kg_a2.refresh_from_db()
    c.kg_a3 = KindergartenFactory(
        name="西安镇育苗幼儿园", township=c.village_a, nature=Nature.INCLUSIVE_PRIVATE,
        inclusive_recognised_on=datetime.date(2020, 1, 1),
    )  # fmt: skip
    c.town_b2 = TownshipFactory(district=c.district_b, name="陆家镇", urban_rural_code="220")
    c.kg_b2 = KindergartenFactory(name="陆家镇春苗幼儿园", township=c.town_b2, nature=Nature.PRIVATE)
    c.kg_c2 = KindergartenFactory(name="东城区第二幼儿园", township=c.town_c)
    return c


def agreement_fields(**overrides) -> dict:
    fields = {
        "title": "结对帮扶协议",
        "mode": Mode.CROSS_DISTRICT,
        "start_date": START,
        "end_date": END,
        "forms": [Form.ON_SITE, Form.SEND_TEACHING],
        **TEXTS,
    }
    fields.update(overrides)
    return fields


def make_agreement(helping, helped, *, state=Agreement.State.DRAFT, created_by=None, title="结对帮扶协议", **extra):
    helping = helping if isinstance(helping, list | tuple) else [helping]
    helped = helped if isinstance(helped, list | tuple) else [helped]
    districts = {k.district_id for k in (*helping, *helped)}
    mode = extra.pop("mode", Mode.CROSS_DISTRICT if len(districts) > 1 else Mode.TOWN_PUBLIC)
    if created_by is None:
        from accounts.models import User

        created_by = User.objects.filter(kindergarten=helping[0]).first() or User.objects.order_by("pk").first()
    agreement = Agreement.objects.create(
        title=title,
        mode=mode,
        start_date=extra.pop("start_date", START),
        end_date=extra.pop("end_date", END),
        forms=[Form.ON_SITE, Form.SEND_TEACHING],
        state=state,
        district=helping[0].district,
        created_by=created_by,
        **TEXTS,
        **extra,
    )
    for kg in helping:
        AgreementParty.objects.create(agreement=agreement, kindergarten=kg, side=Side.HELPING)
    for kg in helped:
        AgreementParty.objects.create(agreement=agreement, kindergarten=kg, side=Side.HELPED)
    return agreement


def make_activity(agreement, kindergarten, user, *, day=datetime.date(2025, 10, 15), hours="3.0"):
    return Activity.objects.create(
        agreement=agreement,
        date=day,
        form=Form.ON_SITE,
        helping_people=3,
        helped_people=6,
        hours=hours,
        content="入园指导：区域游戏材料投放",
        kindergarten=kindergarten,
        logged_by=user,
    )


def make_file(agreement, user):
    item = PairingFile(
        agreement=agreement,
        kind=PairingFile.Kind.SIGNED,
        original_name="协议.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=user,
    )
    item.file.save("upload", ContentFile(PDF), save=False)
    item.save()
    return item


def make_plan(district, year=2025, **kwargs):
    return YearPlan.objects.create(
        district=district, year=year, helping_count=kwargs.pop("helping_count", 1),
        helped_count=kwargs.pop("helped_count", 1), **kwargs,
    )  # fmt: skip
