"""Parameters of hand-written SQL as each database receives them."""

from __future__ import annotations

import datetime


def adapt(connection, value):
    """A date or time as the backend stores it (SQLite: text; datetimes in naive UTC), anything else
    as it is: what the ORM does to a DateField's or DateTimeField's value before it reaches the SQL."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def adapt_all(params, connection=None) -> list:
    if connection is None:
        from django.db import connection
    return [adapt(connection, p) for p in params]
