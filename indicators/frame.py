"""The kindergarten-months an indicator is computed over, from the registry's dated history.

For each month asked, each kindergarten's status and nature on the month's last day come from the
registry's as-of machinery (``kindergartens.selectors.with_values_on``) and whether it counts from
its one definition (``not_counted_reason``); district, township and enrolment from the month's
snapshot (``EnrolmentSnapshot``), or, for the current month, from today's classes. A past month
without a snapshot has no enrolment: indicators built on it say 暂无数据 for that month.

Queries: a fixed handful whatever the number of kindergartens or months: the dated status and
nature of every month come in one query (``with_values_on_days``: the registry's as-of expressions,
one pair per month).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from kindergartens.models import Kindergarten, Township
from kindergartens.selectors import month_bounds, not_counted_reason, with_enrolment, with_values_on_days


@dataclass(slots=True)
class KgMonth:
    kg_id: int
    month: datetime.date
    district_id: int
    township_id: int
    status: str | None
    nature: str | None
    reason: str | None  # why it does not count (None: it counts)
    has_enrolment: bool = False
    children: int = 0
    classes: int = 0
    compliant_classes: int = 0
    capacity: int = 0

    @property
    def counted(self) -> bool:
        return self.reason is None


@dataclass
class Frame:
    district_ids: list[int]
    months: list[datetime.date]  # first days, oldest first
    today: datetime.date
    townships: dict[int, dict] = field(default_factory=dict)  # id -> {district_id, name, rural}
    # What a computation reads once for all its frames (the past months' and the current month's).
    shared: dict = field(default_factory=dict)
    # The kindergarten-months and their names, read on first use: the figures of past months come
    # from one set-based query (indicators.totals) and never need them; a drill-down or a
    # definition without SQL does.
    _rows: dict[tuple[int, datetime.date], KgMonth] | None = None
    _names: dict[int, str] = field(default_factory=dict)

    @property
    def rows(self) -> dict[tuple[int, datetime.date], KgMonth]:
        if self._rows is None:
            self._rows = {}
            _fill_rows(self)
        return self._rows

    @property
    def names(self) -> dict[int, str]:
        self.rows  # noqa: B018 - loads the names with the rows
        return self._names

    def month_end(self, month: datetime.date) -> datetime.date:
        return month_bounds(month)[1]

    def day(self, month: datetime.date) -> datetime.date:
        """The day a month is judged by: its last day, or today for the current month."""
        days = self.__dict__.setdefault("_days", {})
        if month not in days:
            days[month] = min(self.month_end(month), self.today)
        return days[month]

    def kindergarten_ids(self) -> set[int]:
        return {kg_id for kg_id, _month in self.rows}

    def counted_rows(self):
        return (r for r in self.rows.values() if r.counted)


def first_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def months_back(month: datetime.date, n: int) -> list[datetime.date]:
    """The ``n`` months ending with ``month`` (first days), oldest first."""
    months = [first_of(month)]
    while len(months) < n:
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return months[::-1]


def build_frame(district_ids: list[int], months: list[datetime.date], *, today: datetime.date) -> Frame:
    """The frame of the districts and months (those after today's month dropped): its townships now,
    its kindergarten-months when first read (``Frame.rows``)."""
    current = first_of(today)
    months = sorted({first_of(m) for m in months if first_of(m) <= current})
    frame = Frame(district_ids=list(district_ids), months=months, today=today)
    if not months or not district_ids:
        frame._rows = {}
        return frame
    frame.townships = {
        t["pk"]: {"district_id": t["district_id"], "name": t["name"], "rural": t["urban_rural_code"].startswith("2")}
        for t in Township.objects.filter(district_id__in=district_ids).values(
            "pk", "district_id", "name", "urban_rural_code"
        )
    }
    return frame


def _fill_rows(frame: Frame) -> None:
    from indicators.models import EnrolmentSnapshot

    district_ids, months, today = frame.district_ids, frame.months, frame.today
    current = first_of(today)
    past = [m for m in months if m < current]
    snapshots = {}
    if past:
        # Snapshots in these districts, and those of their kindergartens when they were elsewhere: one
        # query with a union (an OR over the join kept PostgreSQL from both indexes).
        columns = (
            "kindergarten_id",
            "month",
            "district_id",
            "township_id",
            "children",
            "classes",
            "compliant_classes",
            "capacity",
        )
        here = EnrolmentSnapshot.objects.filter(month__in=past, district_id__in=district_ids).order_by()
        theirs = EnrolmentSnapshot.objects.filter(month__in=past, kindergarten__district_id__in=district_ids).order_by()
        for s in here.values_list(*columns).union(theirs.values_list(*columns)):
            snapshots[(s[0], s[1])] = s[2:]
    snapshot_kgs = {kg_id for kg_id, _month in snapshots}
    scope = Kindergarten.objects.filter(Q(district_id__in=district_ids) | Q(pk__in=list(snapshot_kgs))).order_by()
    kgs = {k["pk"]: k for k in scope.values("pk", "name", "district_id", "township_id")}
    frame._names = {pk: k["name"] for pk, k in kgs.items()}
    live = {}
    if current in months:
        live = {
            k["pk"]: k
            for k in with_enrolment(Kindergarten.objects.filter(district_id__in=district_ids).order_by()).values(
                "pk", "enrolled", "class_count", "compliant_classes", "capacity"
            )
        }
    wanted = set(district_ids)
    days = [frame.month_end(month) if month < current else today for month in months]
    # Every month's status and nature in one query (the registry's as-of expressions, one pair per day).
    dated, names = with_values_on_days(Kindergarten.objects.filter(pk__in=list(kgs)).order_by(), days)
    columns = [name for pair in names for name in pair]
    values = list(dated.values_list("pk", *columns))
    reasons: dict[tuple, str | None] = {}
    for index, month in enumerate(months):
        for value_row in values:
            pk, status, nature = value_row[0], value_row[1 + 2 * index], value_row[2 + 2 * index]
            if status is None:  # not yet registered that day
                continue
            kg = kgs[pk]
            snap = snapshots.get((pk, month))
            if month == current:
                if kg["district_id"] not in wanted:
                    continue
                row = KgMonth(pk, month, kg["district_id"], kg["township_id"], status, nature, None)
                figures = live.get(pk)
                if figures is not None:
                    row.has_enrolment = True
                    row.children, row.classes = figures["enrolled"], figures["class_count"]
                    row.compliant_classes, row.capacity = figures["compliant_classes"], figures["capacity"]
            elif snap is not None:
                district_id, township_id, children, classes, compliant, capacity = snap
                if district_id not in wanted:  # it was in another district that month
                    continue
                row = KgMonth(
                    pk,
                    month,
                    district_id,
                    township_id,
                    status,
                    nature,
                    None,
                    True,
                    children,
                    classes,
                    compliant,
                    capacity,
                )
            else:
                if kg["district_id"] not in wanted:
                    continue
                row = KgMonth(pk, month, kg["district_id"], kg["township_id"], status, nature, None)
            if (status, nature) not in reasons:
                reasons[(status, nature)] = not_counted_reason(status, nature)
            row.reason = reasons[(status, nature)]
            frame._rows[(pk, month)] = row
