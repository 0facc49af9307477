"""幼儿园教职工配备标准（暂行）(2013) and the related rules, as pure arithmetic (DOMAIN §4).

``shortfalls`` takes a kindergarten's figures and its staff counts by post and returns, for each
rule that is not met, the rule in words, what it requires, what there is and how many are missing.
Minimums use the lenient end of each range (full day 1:7 staff, 1:9 care-and-teaching staff; half
day 1:10 and 1:13; one cook per 45 children): a kindergarten below them is short by any reading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from kindergartens.models import Schedule
from staffing.models import CARE_TEACHING_POSTS, HEALTH_POSTS, PRINCIPAL_POSTS, Post

# Plain strings: 3,000 kindergartens × 9 rules look these up in dicts keyed by the stored values,
# and an enum member's hashing and comparison run in Python (half the district page's time).
_CARE = tuple(str(p.value) for p in CARE_TEACHING_POSTS)
_TEACHER = (str(Post.TEACHER.value),)
_HEALTH = tuple(str(p.value) for p in HEALTH_POSTS)
_COOK = (str(Post.COOK.value),)
_PRINCIPAL = (str(Post.PRINCIPAL.value),)
_PRINCIPALS = tuple(str(p.value) for p in PRINCIPAL_POSTS)

# Schedules with meals (a cook per 40–45 children with 3 meals and 1 snack) and the full-day ratios.
FULL_DAY_SCHEDULES = frozenset({str(Schedule.FULL_DAY.value), str(Schedule.BOARDING.value)})


@dataclass(frozen=True)
class Shortfall:
    code: str
    rule: str  # the rule, in the words a clerk reads
    required: int
    actual: int

    @property
    def missing(self) -> int:
        return self.required - self.actual


def max_principals(classes: int) -> int:
    """园长 and 副园长 by class count: under 6 classes 1; 6–9 at most 2; 10 or more at most 3."""
    if classes < 6:
        return 1
    if classes < 10:
        return 2
    return 3


def requirements(*, children: int, classes: int, schedule: str) -> list[tuple[str, str, int, tuple[str, ...] | None]]:
    """(code, rule, required count, posts counted; None = all staff) for a kindergarten's figures."""
    full_day = schedule in FULL_DAY_SCHEDULES
    rules: list[tuple[str, str, int, tuple[str, ...] | None]] = []
    if children > 0:
        if full_day:
            rules.append(("staff_ratio", "全日制教职工与幼儿比不低于 1:7", math.ceil(children / 7), None))
            rules.append(("care_ratio", "全日制保教人员与幼儿比不低于 1:9", math.ceil(children / 9), _CARE))
        else:
            rules.append(("staff_ratio", "半日制教职工与幼儿比不低于 1:10", math.ceil(children / 10), None))
            rules.append(("care_ratio", "半日制保教人员与幼儿比不低于 1:13", math.ceil(children / 13), _CARE))
        rules.append(("teacher_ratio", "专任教师与幼儿比不低于 1:15", math.ceil(children / 15), _TEACHER))
        rules.append(
            (
                "health",
                "每 150 名幼儿配备 1 名卫生保健人员（不足 150 名的至少 1 名）",
                max(1, math.ceil(children / 150)),
                HEALTH_POSTS,
            )
        )
        if full_day:
            rules.append(("cook", "提供三餐一点的每 40–45 名幼儿配备 1 名炊事员", math.ceil(children / 45), _COOK))
    if classes > 0:
        rules.append(("class_teachers", "每班配备 2 名专任教师", 2 * classes, _TEACHER))
        if full_day:
            rules.append(
                (
                    "class_staff",
                    "全日制每班配备 2 名专任教师和 1 名保育员（或 3 名专任教师）",
                    3 * classes,
                    CARE_TEACHING_POSTS,
                )
            )
    rules.append(("principal", "配备园长 1 名", 1, _PRINCIPAL))
    return rules


def shortfalls(*, children: int, classes: int, schedule: str, staff: Mapping[str, int]) -> list[Shortfall]:
    """The rules not met, each with the number missing. ``staff``: open employments by post."""
    result = []
    total = sum(staff.values())
    for code, rule, required, posts in requirements(children=children, classes=classes, schedule=schedule):
        actual = total if posts is None else sum(staff.get(p, 0) for p in posts)
        if actual < required:
            result.append(Shortfall(code=code, rule=rule, required=required, actual=actual))
    return result


def principals_over(*, classes: int, staff: Mapping[str, int]) -> int:
    """How many 园长/副园长 above the number the class count allows (not a shortfall, shown apart)."""
    return max(0, sum(staff.get(p, 0) for p in _PRINCIPALS) - max_principals(classes))
