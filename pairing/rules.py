"""The rules an agreement must meet (seed 004), each refusal saying why, every problem in one pass.

- 三种方式: (1) a town's public kindergarten helps a village private one in the same township;
  (2) a four- or five-star kindergarten of the district helps a weak town one; (3) across districts,
  with both districts' bureaus confirming. Rural comes from the township's urban-rural code (2xx),
  stars from the registry's level, "operating" from the registry's status.
- "一对多" or "多对一"; at least two years; rights and obligations, forms, contents and goals stated.
- No fee: a text mentioning a 品牌费 or 挂钩费 is refused with the rule quoted.
"""

from __future__ import annotations

import datetime
import re

from kindergartens.models import OPERATING_STATUSES, Nature
from pairing.models import Form, Mode, Side

FEE_RULE = "《盘锦市农村幼儿园帮扶工作方案》五、工作要求第1条：“开展帮扶工作要坚持教育公益性原则，不得收取‘品牌费’，不得额外收取帮扶挂钩费。”"
FEE_WORDS = ("品牌费", "挂钩费")
DURATION_RULE = "“帮扶不少于两年”（《盘锦市农村幼儿园帮扶工作方案》三、（二））"
PRIVATE_NATURES = (Nature.PRIVATE, Nature.INCLUSIVE_PRIVATE)
_STAR_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def min_end_date(start: datetime.date) -> datetime.date:
    """The earliest end date of a two-year agreement (2024-09-01 → 2026-08-31)."""
    return add_years(start, 2) - datetime.timedelta(days=1)


def stars(level) -> int | None:
    """The star count of a 星级 level (辽宁省: 一星级…五星级), None for another vocabulary or no level."""
    if level is None:
        return None
    match = re.search(r"([一二三四五1-5])星", level.name)
    if not match:
        return None
    ch = match.group(1)
    return int(ch) if ch.isdigit() else _STAR_DIGITS[ch]


def fee_mentions(texts) -> list[str]:
    return sorted({word for text in texts for word in FEE_WORDS if word in (text or "")})


def agreement_problems(
    *,
    mode: str,
    start_date: datetime.date | None,
    end_date: datetime.date | None,
    forms: list[str],
    texts: dict[str, str],
    helping: list,
    helped: list,
) -> dict[str, list[str]]:
    """Every problem of an agreement, by field ("" for the whole agreement). ``helping``/``helped``:
    Kindergarten objects with district, township and level loaded."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    labels = {
        "rights_obligations": "双方权利义务",
        "content": "帮扶内容",
        "goals": "帮扶目标与措施",
        "title": "协议名称",
    }
    for key, label in labels.items():
        if not (texts.get(key) or "").strip():
            add(key, f"请填写{label}。")
    found = fee_mentions(texts.values())
    if found:
        add("", f"协议文本中出现“{'”“'.join(found)}”，不能提交：{FEE_RULE}")
    valid_forms = {v for v, _ in Form.choices}
    if not forms:
        add("forms", "请至少选择一种帮扶形式（送教下乡、名师工作室、入园指导、跟岗研修、网络在线学习）。")
    elif set(forms) - valid_forms:
        add("forms", "帮扶形式只能从送教下乡、名师工作室、入园指导、跟岗研修、网络在线学习中选择。")
    if start_date and end_date:
        if end_date <= start_date:
            add("end_date", "结束日期应晚于开始日期。")
        elif end_date < min_end_date(start_date):
            months = (end_date.year - start_date.year) * 12 + end_date.month - start_date.month
            add(
                "end_date",
                f"帮扶期限约 {months} 个月，不足两年：结束日期最早为 {min_end_date(start_date):%Y年%m月%d日}。"
                f"依据：{DURATION_RULE}",
            )
    if mode not in {v for v, _ in Mode.choices}:
        add("mode", "请选择帮扶方式。")
        return errors
    if not helping:
        add("helping", "请至少选择一所帮扶园。")
    if not helped:
        add("helped", "请至少选择一所被帮扶园。")
    if len(helping) > 1 and len(helped) > 1:
        add("", "协议应为“一对多”或“多对一”：帮扶园和被帮扶园不能同时多于一所，请拆分为多份协议。")
    both = {k.pk for k in helping} & {k.pk for k in helped}
    if both:
        add("", "同一所幼儿园不能既是帮扶园又是被帮扶园。")
    everyone = [*helping, *helped]
    for kg in everyone:
        if kg.status not in OPERATING_STATUSES:
            add("", f"“{kg.name}”在名录中不是在办状态（{kg.get_status_display()}），不能结对。")
    cities = {kg.district.parent_id for kg in everyone}
    districts = {kg.district_id for kg in everyone}
    if len(cities) > 1:
        add("", "结对幼儿园应属于同一市。")
    if mode == Mode.CROSS_DISTRICT:
        if everyone and len(districts) < 2:
            add("mode", "方式三为跨区域结对：帮扶园与被帮扶园应在不同区县；同一区县内请选择方式一或方式二。")
        return errors
    if len(districts) > 1:
        add("mode", "结对幼儿园分属不同区县，应选择方式三（跨区域结对，须经双方教育局同意）。")
    if mode == Mode.TOWN_PUBLIC:
        for kg in helping:
            if kg.nature != Nature.PUBLIC:
                add("helping", f"方式一的帮扶园应为公办园：“{kg.name}”是{kg.get_nature_display()}。")
        for kg in helped:
            if kg.nature not in PRIVATE_NATURES:
                add("helped", f"方式一的被帮扶园应为民办园：“{kg.name}”是{kg.get_nature_display()}。")
            if not kg.township.is_rural:
                add(
                    "helped",
                    f"方式一的被帮扶园应为村（屯）幼儿园：“{kg.name}”所在的{kg.township.name}"
                    f"城乡分类代码为 {kg.township.urban_rural_code}（城镇）。",
                )
        townships = {kg.township_id for kg in everyone}
        if len(townships) > 1:
            add("", "方式一为镇内帮扶：帮扶园与被帮扶园应在同一街道/乡镇。")
    elif mode == Mode.STARRED:
        for kg in helping:
            count = stars(kg.level)
            if count is None or count < 4:
                shown = kg.level.name if kg.level else "未定级"
                add("helping", f"方式二的帮扶园应为四星级或五星级幼儿园：“{kg.name}”在名录中为{shown}。")
        for kg in helped:
            count = stars(kg.level)
            if count is not None and count >= 4:
                add("helped", f"方式二的被帮扶园应为薄弱园：“{kg.name}”已是{kg.level.name}。")
    return errors


def sides(parties) -> tuple[list, list]:
    helping = [p.kindergarten for p in parties if p.side == Side.HELPING]
    helped = [p.kindergarten for p in parties if p.side == Side.HELPED]
    return helping, helped
