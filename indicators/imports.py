"""Resident children from Excel, to the registry import's standards: the file checked before openpyxl
reads it (kindergartens.excel.check_archive: size, zip bombs, macros), the whole read guarded, every
problem of every row listed in one pass, and nothing saved unless every row is right."""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

from kindergartens.excel import UNREADABLE, RosterFileError, _date, check_archive

SHEET = "常住适龄儿童数"
MAX_ROWS = 2000
MAX_COLUMNS = 20
MAX_CHILDREN = 10_000_000


class ResidentFileError(Exception):
    pass


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("township", "街道/乡镇", True, ("街道", "乡镇", "街道乡镇")),
    Column("year", "年度", True, ("年份",)),
    Column("children", "3–5 岁常住适龄儿童数", True, ("常住适龄儿童数", "3-5岁常住适龄儿童数", "适龄儿童数")),
    Column("source", "数据来源", True, ("来源",)),
    Column("source_date", "数据日期", True, ()),
    Column("is_estimate", "是否估算", False, ("估算",)),
    Column("note", "说明", False, ("备注",)),
)
SOURCES = {
    "公安": "police",
    "公安（户籍/居住登记）": "police",
    "卫健": "health",
    "卫健（出生登记）": "health",
    "卫生健康": "health",
    "统计": "statistics",
    "统计部门": "statistics",
    "统计局": "statistics",
}


def _key(text: Any) -> str:
    return re.sub(r"[\s\-–—~～/（）()]", "", str(text or "")).replace("至", "")


HEADERS = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADERS[_key(_name)] = _column


@dataclass
class Problem:
    row: int | None
    column: str
    message: str


def read_residents(data: bytes, *, filename: str) -> list[tuple[int, dict[str, Any], list[Problem]]]:
    """(row number as Excel shows it, field -> value, problems found reading it) per data row, or
    ``ResidentFileError`` saying why the whole file is refused (not a workbook, headers wrong…)."""
    from openpyxl import load_workbook

    workbook = None
    try:
        check_archive(data, filename=filename)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
            return _read(workbook)
    except RosterFileError as exc:
        raise ResidentFileError(exc.message) from exc
    except ResidentFileError:
        raise
    except Exception as exc:  # whatever openpyxl or zlib raised: not a usable workbook
        raise ResidentFileError(UNREADABLE) from exc
    finally:
        if workbook is not None:
            with contextlib.suppress(Exception):
                workbook.close()


def _read(workbook):
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else (workbook.worksheets or [None])[0]
    if sheet is None:
        raise ResidentFileError("文件中没有工作表。")
    sheet.reset_dimensions()
    rows = sheet.iter_rows(max_col=MAX_COLUMNS)
    header = next(rows, None)
    if header is None:
        raise ResidentFileError(
            "工作表是空的：第 1 行应为表头（街道/乡镇、年度、3–5 岁常住适龄儿童数、数据来源、数据日期）。"
        )
    columns: dict[int, Column] = {}
    unknown = []
    for index, cell in enumerate(header):
        if cell.value is None or not str(cell.value).strip():
            continue
        column = HEADERS.get(_key(cell.value))
        if column is None:
            unknown.append(str(cell.value).strip())
        elif column in columns.values():
            raise ResidentFileError(f"表头“{column.header}”出现了两次，请删除重复的列。")
        else:
            columns[index] = column
    missing = [c.header for c in COLUMNS if c.required and c not in columns.values()]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("缺少列：" + "、".join(missing))
        if unknown:
            parts.append("无法识别的列：" + "、".join(unknown))
        raise ResidentFileError("表头不正确（" + "；".join(parts) + "）。请下载导入模板，按模板的表头填写后再上传。")
    result = []
    seen = 0
    for number, cells in enumerate(rows, start=2):
        seen += 1
        if seen > MAX_ROWS * 5:
            break
        values, problems = {}, []
        for index, column in columns.items():
            if index >= len(cells):
                continue
            cell = cells[index]
            value = cell.value
            if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                problems.append(Problem(number, column.header, "单元格含公式，请直接填写数值或文字。"))
                continue
            values[column.field] = value
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()) and not problems:
            continue
        result.append((number, values, problems))
        if len(result) > MAX_ROWS:
            raise ResidentFileError(f"数据行过多（上限 {MAX_ROWS} 行），请拆分后分批导入。")
    if not result:
        raise ResidentFileError("文件中没有数据行。")
    return result


def _int(value: Any, *, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what}应为整数。")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{what}应为整数，不能有小数。")
        value = int(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        if re.fullmatch(r"-\d+", text):
            raise ValueError(f"{what}不能为负数。")
        if re.fullmatch(r"\d+\.\d*", text):
            if float(text).is_integer():
                text = text.split(".")[0]
            else:
                raise ValueError(f"{what}应为整数，不能有小数。")
        if not re.fullmatch(r"\d+", text):
            raise ValueError(f"{what}应为整数。")
        value = int(text)
    if not isinstance(value, int):
        raise ValueError(f"{what}应为整数。")
    if value < 0:
        raise ValueError(f"{what}不能为负数。")
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_rows(raw, *, townships) -> tuple[list[dict], list[Problem]]:
    """Rows ready for the service, and every problem of every row. ``townships``: the ones the user may
    enter (their district's); a township of another district is named as such."""
    from kindergartens.models import Township

    by_name = {t.name: t for t in townships}
    others = set(Township.objects.exclude(pk__in=[t.pk for t in by_name.values()]).values_list("name", flat=True))
    rows, problems, seen = [], [], {}
    for number, values, read_problems in raw:
        problems.extend(read_problems)
        row: dict[str, Any] = {}
        row_problems = []

        def problem(header: str, message: str, number=number, row_problems=row_problems) -> None:
            row_problems.append(Problem(number, header, message))

        name = str(values.get("township") or "").strip()
        if not name:
            problem("街道/乡镇", "请填写街道/乡镇名称。")
        elif name in by_name:
            row["township"] = by_name[name]
        elif name in others:
            problem("街道/乡镇", f"“{name}”不是本区县的街道/乡镇，不能导入。")
        else:
            problem("街道/乡镇", f"本区县没有名为“{name}”的街道/乡镇。")
        for field, header, what, low, high in (
            ("year", "年度", "年度", 2000, 2100),
            ("children", "3–5 岁常住适龄儿童数", "常住适龄儿童数", 0, MAX_CHILDREN),
        ):
            value = values.get(field)
            if _blank(value):
                problem(header, f"请填写{what}。")
                continue
            try:
                number_value = _int(value, what=what)
            except ValueError as exc:
                problem(header, str(exc))
                continue
            if not low <= number_value <= high:
                problem(header, f"{what}应在 {low}–{high} 之间。")
            else:
                row[field] = number_value
        source = str(values.get("source") or "").strip()
        if not source:
            problem("数据来源", "请填写数据来源（公安、卫健或统计）。")
        elif source not in SOURCES:
            problem("数据来源", f"数据来源“{source}”无法识别，应为公安、卫健或统计。")
        else:
            row["source"] = SOURCES[source]
        day = values.get("source_date")
        if _blank(day):
            problem("数据日期", "请填写数据日期。")
        else:
            try:
                row["source_date"] = _date(day)
            except ValueError as exc:
                problem("数据日期", str(exc))
        estimate = str(values.get("is_estimate") or "").strip()
        if estimate in ("", "否", "N", "n", "no"):
            row["is_estimate"] = False
        elif estimate in ("是", "Y", "y", "yes", "估算"):
            row["is_estimate"] = True
        else:
            problem("是否估算", "“是否估算”应填“是”或“否”（或留空）。")
        note = str(values.get("note") or "").strip()
        if len(note) > 200:
            problem("说明", "说明不能超过 200 字。")
        row["note"] = note
        if "township" in row and "year" in row:
            key = (row["township"].pk, row["year"])
            if key in seen:
                problem("街道/乡镇", f"与第 {seen[key]} 行重复（同一街道/乡镇同一年度只能有一行）。")
            else:
                seen[key] = number
        problems.extend(row_problems)
        if not row_problems and not read_problems:
            rows.append(row)
    return rows, problems


def template_xlsx(townships) -> bytes:
    """The blank import workbook: the headers, one row per township of the district, and an example."""
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({"num_format": "@"})
    ws = wb.add_worksheet(SHEET)
    for index, column in enumerate(COLUMNS):
        ws.write_string(0, index, column.header, head)
        ws.set_column(index, index, 18 if index != 2 else 22)
    year = datetime.date.today().year  # noqa: DTZ011 - only the template's suggested year
    for row, township in enumerate(townships, start=1):
        ws.write_string(row, 0, township.name, text)
        ws.write_number(row, 1, year)
    ws.data_validation(1, 3, MAX_ROWS, 3, {"validate": "list", "source": ["公安", "卫健", "统计"]})
    ws.data_validation(1, 5, MAX_ROWS, 5, {"validate": "list", "source": ["是", "否"]})
    help_ws = wb.add_worksheet("说明")
    for row, line in enumerate(
        (
            "每行一个街道/乡镇一个年度的 3–5 岁常住适龄儿童数（毛入园率的分母）。",
            "数据来源填“公安”“卫健”或“统计”；数据日期为该数据的统计或提供日期，如 2025-01-15。",
            "尚无正式统计、先填估计值时，“是否估算”填“是”，指标页面会注明。",
            "同一街道/乡镇同一年度已有数据的，导入会更新为新数据；任何一行有错误时整个文件都不会导入。",
        )
    ):
        help_ws.write_string(row, 0, line)
    help_ws.set_column(0, 0, 90)
    wb.close()
    return buffer.getvalue()
