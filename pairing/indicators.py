"""Pairing's indicator (DOMAIN §7, §8): rural kindergartens' participation in pairing, as of each
month's last day (today for the current month).

Registered with core.indicators from PairingConfig.ready(). A counted kindergarten in a rural
township (城乡分类代码 2xx, the township of its month's snapshot) takes part when it is a party to an
agreement running on the day: ``pairing.selectors.running_on``'s rule (the one the plan checks and
the home page use), here in its per-agreement (``runs_on``) and SQL (``running_on_sql``) forms.
Kindergartens in urban townships have a part of 0 / 0: a group with no rural kindergarten (an urban
township, the urban part of a district) is 暂无数据.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from core.indicators import HIGHER, PERCENT, ExternalTarget, Indicator, Measures, Part, SqlPart, register_indicator
from kindergartens.models import Township
from pairing.models import Agreement, AgreementParty
from pairing.selectors import TOOK_EFFECT_STATES, running_on_sql, runs_on

RURAL_PREFIX = "2"  # 城乡分类代码 2xx: rural (indicators.frame's ``rural``)


def rural_participation(frame) -> Measures:
    """Per counted kindergarten-month: rural: (1 if in an agreement running on the day, else 0; 1);
    urban: (0, 0). One query."""
    measures = Measures()
    if not frame.months:
        return measures
    first, last = frame.months[0], frame.day(frame.months[-1])
    rural_rows = [row for row in frame.counted_rows() if frame.townships.get(row.township_id, {}).get("rural", False)]
    agreements = defaultdict(list)
    if rural_rows:
        for kg_id, *agreement in AgreementParty.objects.filter(
            kindergarten_id__in=sorted({row.kg_id for row in rural_rows}),
            agreement__state__in=TOOK_EFFECT_STATES,
            agreement__start_date__lte=last,
            agreement__end_date__gte=first,
        ).values_list(
            "kindergarten_id", "agreement__state", "agreement__start_date", "agreement__end_date", "agreement__ended_at"
        ):
            agreements[kg_id].append(agreement)
    for row in frame.counted_rows():
        measures.parts[(row.kg_id, row.month)] = Part(0, 0, "非农村幼儿园")
    for row in rural_rows:
        day = frame.day(row.month)
        taking_part = any(runs_on(*agreement, day) for agreement in agreements.get(row.kg_id, ()))
        measures.parts[(row.kg_id, row.month)] = Part(
            int(taking_part), 1, "" if taking_part else "当日无进行中的帮扶协议"
        )
    return measures


def rural_participation_sql(frame) -> SqlPart:
    running, running_params = running_on_sql("a", "b.day")
    select = f"""
        SELECT b.kg_id, b.month, MAX(CASE WHEN a.id IS NULL THEN 0 ELSE 1 END) AS taking_part
          FROM b JOIN {Township._meta.db_table} t ON t.id = b.township_id AND SUBSTR(t.urban_rural_code, 1, 1) = %s
          LEFT JOIN {AgreementParty._meta.db_table} p ON p.kindergarten_id = b.kg_id
          LEFT JOIN {Agreement._meta.db_table} a ON a.id = p.agreement_id AND {running}
         GROUP BY b.kg_id, b.month
    """  # noqa: S608 - table names from the models
    return SqlPart(
        numerator=("COALESCE(pairing_rural.taking_part, 0)", ()),
        denominator=("CASE WHEN pairing_rural.kg_id IS NULL THEN 0 ELSE 1 END", ()),
        joins=(("pairing_rural", select, (RURAL_PREFIX, *running_params)),),
    )


def city_targets(bureau_ids: list[int]) -> dict[int, list[ExternalTarget]]:
    """The year's rural participation share the city set for pairing (CityTarget.rural_share), for
    the city and for each of its districts: the target the pairing overview shows. One query."""
    from django.db import connection

    from kindergartens.models import Bureau
    from pairing.models import CityTarget

    ids = sorted({int(pk) for pk in bureau_ids})
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT b.id, t.year, t.rural_share
                  FROM {Bureau._meta.db_table} b
                  JOIN {CityTarget._meta.db_table} t ON t.city_id = COALESCE(b.parent_id, b.id)
                 WHERE b.id IN ({", ".join(["%s"] * len(ids))})
                 ORDER BY b.id, t.year""",  # noqa: S608 - table names from the models, values as parameters
            ids,
        )
        rows = cursor.fetchall()
    targets = defaultdict(list)
    for bureau_id, year, share in rows:
        targets[bureau_id].append(
            ExternalTarget(year=year, value=Decimal(str(share)), plan=f"{year}年结对帮扶年度目标")
        )
    return dict(targets)


INDICATORS = (
    Indicator(
        code="pairing-rural",
        name="农村园结对帮扶参与率",
        formula="参与结对帮扶的农村幼儿园数 ÷ 计入统计的农村幼儿园数 × 100%",
        numerator_label="参与结对帮扶的农村幼儿园数",
        denominator_label="计入统计的农村幼儿园数",
        unit=PERCENT,
        direction=HIGHER,
        source="结对帮扶",
        compute=rural_participation,
        sql=rural_participation_sql,
        rule=(
            "农村幼儿园：当月所在乡镇（街道）的城乡分类代码为 2 开头。参与：月末当天是某份帮扶协议的结对方"
            "（帮扶园或被帮扶园），且该协议当天在帮扶期内、已生效（帮扶中，或此后才完成、提前终止）。"
            "城镇幼儿园不计入。"
        ),
        order=95,
        targets=city_targets,
        targets_source="结对帮扶的“年度帮扶目标”（市教育局设定，各区县同用）",
    ),
)


def register() -> None:
    for indicator in INDICATORS:
        register_indicator(indicator)
