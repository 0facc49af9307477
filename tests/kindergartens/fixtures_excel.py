"""Build roster workbooks for tests: good ones, and each kind of file the importer must refuse.

Rows are dicts keyed by Kindergarten field (``credit_code``, ``name``, ``township``…) and are
written under the template's headers, so a test says what it means, not where a column is.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook

from kindergartens.excel import COLUMN_BY_FIELD, COLUMNS, SHEET_ROSTER
from kindergartens.validators import credit_code_check_char


def credit_code(n: int, prefix: str = "5221") -> str:
    """A valid GB 32100 code, different for every ``n``."""
    first17 = f"{prefix}{n:0{17 - len(prefix)}d}"
    return first17 + credit_code_check_char(first17)


def row(n: int, *, township: str = "大洼街道", **values: Any) -> dict[str, Any]:
    """A valid row for district A of the cast: kindergarten number ``n``, overridden by ``values``."""
    base = {
        "credit_code": credit_code(n),
        "name": f"导入测试幼儿园{n}",
        "township": township,
        "nature": "公办",
        "status": "在办",
        "sponsor": "教育部门办",
        "schedule": "全日制",
        "address": f"测试路{n}号",
        "capacity": 180,
        "fee_monthly": 800,
        "fee_government_guided": "是",
        "has_parent_committee": "否",
    }
    base.update(values)
    return base


def build_roster(
    rows: list[dict[str, Any]],
    *,
    headers: list[str] | None = None,
    title: str = SHEET_ROSTER,
    raw_formulas: bool = False,
) -> bytes:
    """An .xlsx with the template's headers (or ``headers``) and ``rows`` from row 2.

    openpyxl writes a string that starts with "=" as a formula: that is how a test makes a
    formula cell. ``raw_formulas=False`` keeps such strings as text unless the test asks.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    header_list = headers if headers is not None else [c.header for c in COLUMNS]
    sheet.append(header_list)
    by_header = {c.header: c.field for c in COLUMNS}
    for number, values in enumerate(rows, start=2):
        for index, header in enumerate(header_list, start=1):
            field = by_header.get(header, header)
            if field not in values:
                continue
            cell = sheet.cell(row=number, column=index, value=values[field])
            if isinstance(values[field], str) and values[field].startswith("=") and not raw_formulas:
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def header(field: str) -> str:
    return COLUMN_BY_FIELD[field].header


def add_entry(data: bytes, name: str, content: bytes) -> bytes:
    """The same workbook with one more file inside the zip (a macro project, say)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr(name, content)
    return buffer.getvalue()


def replace_entry(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


def macro_enabled(data: bytes) -> bytes:
    """The workbook declared as macro-enabled in [Content_Types].xml (what Excel writes for .xlsm)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    types = source.read("[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert b"macroEnabled" in types
    return replace_entry(data, "[Content_Types].xml", types)


def zip_bomb(megabytes: int) -> bytes:
    """A zip that looks like a workbook and inflates a run of zeros to ``megabytes`` MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                entry.write(chunk)
    return buffer.getvalue()


def read_sheet(data: bytes) -> list[list[Any]]:
    """All values of the roster sheet (for checking exports)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[SHEET_ROSTER]
    return [list(r) for r in sheet.iter_rows(values_only=True)]
