"""The registry's indicators (DOMAIN §8): enrolment against resident children, 普惠 and 公办 shares,
class sizes and places, each computed over the frame's kindergarten-months.

Registered with core.indicators from IndicatorsConfig.ready(): the registry's enrolment history (the
month-end snapshot) and the resident children are this app's data.
"""

from __future__ import annotations

from core.indicators import HIGHER, PERCENT, Indicator, Measures, Part, SqlPart, register_indicator
from kindergartens.models import Nature
from kindergartens.selectors import COUNTED_DEFINITION, INCLUSIVE_VALUES

REGISTRY = "幼儿园名册（月末在园）"
COMMUNITY_RULE = "社区办园点计入在园幼儿总数，不计入普惠性（公办、普惠性民办）幼儿数。"
OUTSIDE_RULE = (
    "在园幼儿按幼儿园所在区县统计，含户籍或居住地在外区县的幼儿；分母为本区县常住 3–5 岁儿童，"
    "因此毛入园率可能超过 100%（毛入园率口径）。"
)


def _parts(frame, fn) -> Measures:
    """Measures from a function of one counted kindergarten-month with enrolment: (numerator, denominator)."""
    measures = Measures()
    for row in frame.counted_rows():
        if not row.has_enrolment:
            measures.parts[(row.kg_id, row.month)] = Part(None, None, "缺少本月在园数据")
            continue
        numerator, denominator = fn(row)
        measures.parts[(row.kg_id, row.month)] = Part(numerator, denominator)
    return measures


def resident_denominators(frame) -> dict:
    """(township id, month) -> (resident children 3–5, notes): the month's year, or else last year's."""
    from indicators.models import ResidentChildren

    years = {m.year for m in frame.months} | {m.year - 1 for m in frame.months}
    cached = frame.shared.get("resident_children")  # read once per computation (indicators.selectors)
    if cached is not None and cached[0] == tuple(frame.district_ids) and years <= cached[1]:
        figures = cached[2]
    else:
        figures = {
            (r["township_id"], r["year"]): r
            for r in ResidentChildren.objects.filter(district_id__in=frame.district_ids, year__in=years).values(
                "township_id", "year", "children", "is_estimate"
            )
        }
        frame.shared["resident_children"] = (tuple(frame.district_ids), years, figures)
    result = {}
    for township_id in frame.townships:
        for month in frame.months:
            row = figures.get((township_id, month.year))
            notes = []
            if row is None:
                row = figures.get((township_id, month.year - 1))
                if row is None:
                    continue
                notes.append(f"部分街道/乡镇沿用 {month.year - 1} 年常住儿童数")
            if row["is_estimate"]:
                notes.append("常住儿童数含估算数")
            result[(township_id, month)] = (row["children"], tuple(notes))
    return result


def gross_enrolment(frame) -> Measures:
    measures = _parts(frame, lambda r: (r.children, None))
    measures.township_denominators = resident_denominators(frame)
    return measures


def inclusive_coverage(frame) -> Measures:
    return _parts(frame, lambda r: (r.children if r.nature in INCLUSIVE_VALUES else 0, r.children))


def public_share(frame) -> Measures:
    return _parts(frame, lambda r: (r.children if r.nature == Nature.PUBLIC else 0, r.children))


def class_size(frame) -> Measures:
    return _parts(frame, lambda r: (r.compliant_classes, r.classes))


def places_filled(frame) -> Measures:
    return _parts(frame, lambda r: (r.children, r.capacity))


# The same parts as SQL over one counted kindergarten-month ``b`` (indicators.totals): a month
# without a snapshot has no part ("缺少本月在园数据"), as above.
def _snapshot_sql(numerator: str, denominator: str, params: tuple = ()):
    part = SqlPart(numerator=(numerator, params), denominator=(denominator, ()), has_data=("b.has_snapshot", ()))
    return lambda frame: part


_INCLUSIVE_IN = ", ".join(["%s"] * len(INCLUSIVE_VALUES))
gross_enrolment_sql = _snapshot_sql("b.children", "0")  # the denominators are the townships
inclusive_coverage_sql = _snapshot_sql(
    f"CASE WHEN b.nature IN ({_INCLUSIVE_IN}) THEN b.children ELSE 0 END", "b.children", INCLUSIVE_VALUES
)
public_share_sql = _snapshot_sql(
    "CASE WHEN b.nature = %s THEN b.children ELSE 0 END", "b.children", (Nature.PUBLIC.value,)
)
class_size_sql = _snapshot_sql("b.compliant_classes", "b.classes")
places_filled_sql = _snapshot_sql("b.children", "b.capacity")


INDICATORS = (
    Indicator(
        code="gross-enrolment",
        name="学前三年毛入园率",
        formula="在园幼儿数 ÷ 3–5 岁常住适龄儿童数 × 100%",
        numerator_label="在园幼儿数",
        denominator_label="3–5 岁常住适龄儿童数",
        unit=PERCENT,
        direction=HIGHER,
        source=REGISTRY,
        compute=gross_enrolment,
        sql=gross_enrolment_sql,
        township_denominators=resident_denominators,
        rule=f"{COUNTED_DEFINITION}{OUTSIDE_RULE}常住儿童数取当年数据，当年未录入的沿用上一年。",
        order=10,
    ),
    Indicator(
        code="inclusive-coverage",
        name="普惠性幼儿园覆盖率",
        formula="公办园和普惠性民办园在园幼儿数 ÷ 在园幼儿总数 × 100%",
        numerator_label="普惠性幼儿园在园幼儿数",
        denominator_label="在园幼儿总数",
        unit=PERCENT,
        direction=HIGHER,
        source=REGISTRY,
        compute=inclusive_coverage,
        sql=inclusive_coverage_sql,
        rule=f"{COUNTED_DEFINITION}{COMMUNITY_RULE}普惠性以月末当天的办园性质为准（月中认定的当月即计入）。",
        order=20,
    ),
    Indicator(
        code="public-share",
        name="公办园在园幼儿占比",
        formula="公办园在园幼儿数 ÷ 在园幼儿总数 × 100%",
        numerator_label="公办园在园幼儿数",
        denominator_label="在园幼儿总数",
        unit=PERCENT,
        direction=HIGHER,
        source=REGISTRY,
        compute=public_share,
        sql=public_share_sql,
        rule=f"{COUNTED_DEFINITION}社区办园点不计入公办园。",
        order=30,
    ),
    Indicator(
        code="class-size",
        name="班额达标率",
        formula="班额不超过标准的班级数 ÷ 班级总数 × 100%",
        numerator_label="班额达标班级数",
        denominator_label="班级总数",
        unit=PERCENT,
        direction=HIGHER,
        source=REGISTRY,
        compute=class_size,
        sql=class_size_sql,
        rule=f"{COUNTED_DEFINITION}标准：小班 25 人、中班 30 人、大班 35 人、混合班 30 人（寄宿制按本地设置）。",
        order=40,
    ),
    Indicator(
        code="places-filled",
        name="学位使用率",
        formula="在园幼儿数 ÷ 学位数 × 100%",
        numerator_label="在园幼儿数",
        denominator_label="学位数",
        unit=PERCENT,
        direction=HIGHER,
        source=REGISTRY,
        compute=places_filled,
        sql=places_filled_sql,
        rule=f"{COUNTED_DEFINITION}超过 100% 表示在园幼儿多于核定学位。",
        order=50,
    ),
)


def register() -> None:
    for indicator in INDICATORS:
        register_indicator(indicator)
