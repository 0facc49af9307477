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


def staff_row(seq: int, **values) -> dict:
    """One valid roster row (a new teacher) for ``build_staff_roster``; ``values`` override by field."""
    return {
        "name": f"教师{seq}",
        "id_number": id_number(seq),
        "post": "专任教师",
        "post_type": "非在编",
        "hire_date": "2025-09-01",
        **values,
    }


def build_staff_roster(rows: list[dict], *, headers: list[str] | None = None, raw_formulas: bool = False) -> bytes:
    """An .xlsx with the staff template's headers (or ``headers``) and ``rows`` (field -> value) from row 2.
    openpyxl writes text starting with "=" as a formula: kept as text unless ``raw_formulas``."""
    import io

    from openpyxl import Workbook

    from staffing.excel import COLUMNS, SHEET_ROSTER

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_ROSTER
    header_list = headers if headers is not None else [c.header for c in COLUMNS]
    sheet.append(header_list)
    by_header = {c.header: c.field for c in COLUMNS}
    for number, values in enumerate(rows, start=2):
        for index, header in enumerate(header_list, start=1):
            field = by_header.get(header, header)
            if field in values:
                cell = sheet.cell(row=number, column=index, value=values[field])
                if isinstance(values[field], str) and values[field].startswith("=") and not raw_formulas:
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
