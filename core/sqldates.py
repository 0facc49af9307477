"""A stored moment's date in Beijing time, in SQL (PostgreSQL and SQLite alike).

The set-based indicators (``indicators.totals``) compare moments (an incident's occurrence, an
order's acceptance) with dates (a month, a deadline): the date is the one in ``settings.TIME_ZONE``
(Asia/Shanghai), as ``django.utils.timezone.localdate`` gives it in Python.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import connection


def local_date_sql(column: str) -> tuple[str, tuple]:
    """(SQL, params): the date of ``column`` (a timestamp) in the site's time zone."""
    if connection.vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE %s) AS date)", (settings.TIME_ZONE,)
    # SQLite stores UTC text; the site's zone has had a fixed offset since 1991 (no summer time).
    offset = datetime.datetime(2000, 1, 1, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    return f"date({column}, '{minutes:+d} minutes')", ()
