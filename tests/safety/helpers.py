"""Shared helpers of the safety tests."""

import datetime
import zoneinfo

from safety.services import incident_report

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def beijing(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


def report(cast, *, occurred_at, actor=None, kind="injury", grade="general", written=False, kg=None, **kwargs):
    return incident_report(
        actor=actor or cast.kg_director,
        kindergarten=kg or cast.kg_a1,
        occurred_at=occurred_at,
        kind=kind,
        grade=grade,
        children_affected=kwargs.pop("children_affected", 1),
        staff_affected=kwargs.pop("staff_affected", 0),
        text=kwargs.pop("text", "户外活动时一名幼儿摔倒，额头擦伤，保健医已处理并通知家长。"),
        written=written,
    )
