"""Shared pieces of the staffing tests: valid ID numbers, a frozen day, hiring through the service."""

import datetime
import zoneinfo

from staffing.idcard import make_number
from staffing.models import Post, PostType
from staffing.services import person_hire

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 3, 16)
NOW = datetime.datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI)


def id_number(seq: int, birth: str = "19900307", region: str = "110101") -> str:
    """A valid 18-digit number: region, birth date, 3-digit sequence (odd: male), check digit."""
    return make_number(f"{region}{birth}{seq % 1000:03d}")


def hire(actor, kindergarten, seq, *, post=Post.TEACHER, name=None, hire_date=datetime.date(2025, 9, 1), **extra):
    return person_hire(
        actor=actor,
        kindergarten=kindergarten,
        id_number=id_number(seq),
        name=name or f"教师{seq}",
        post=post,
        post_type=extra.pop("post_type", PostType.NOT_ESTABLISHED),
        hire_date=hire_date,
        **extra,
    )
