"""The staff roster in Excel (教职工名册): one column list serves the template, the importer and the export.

The import standards (core.xlsx, shared with the registry's roster) apply unchanged: the same
archive checks before openpyxl sees a byte (type, size, macros, zip bombs), the same one message for
a damaged or crafted file, formulas and formula-like text (= + - @ once trimmed) reported as
problems of their rows, the same ``'`` prefix on export so text stays text. What is the roster's own:
the columns, the cleaning of a row and the workbook (sheets 教职工名册, 选项 with the dropdown lists,
说明).

ID numbers are personal data: a problem message never repeats one, and the export writes them
masked unless the caller decided the user may see them (``staffing.imports.run_roster_export``).
A masked number (``110101********1234``) is accepted on import for someone already on this
kindergarten's roster, so a masked export is a valid template too.

Nothing here touches the database; ``staffing.imports`` does the look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import models
from openpyxl.utils import get_column_letter

# The shared reading standards (core.xlsx): every import refuses exactly the same files.
from core.xlsx import (
    TEXT_PREFIX,
    UNREADABLE,
    XLSX_CONTENT_TYPE,
    Problem,
    RawRow,
    RosterFileError,
    SheetSpec,
    blank,
    check_archive,
    formula_like,
    header_key,
    limit,
    read_sheet,
)
from kindergartens.excel import _date as parse_date
from kindergartens.excel import _text as as_text
from staffing import idcard
from staffing.models import Backbone, Education, Person, Post, PostType, Title

__all__ = ["UNREADABLE", "XLSX_CONTENT_TYPE", "Problem", "RawRow", "RosterFileError", "check_archive", "limit"]

SHEET_ROSTER = "教职工名册"
SHEET_HELP = "说明"
SHEET_LISTS = "选项"
TEXT, ID_NUMBER, CHOICE, DATE, BOOL = "text", "id_number", "choice", "date", "bool"
YES, NO = "是", "否"
MASKED = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
PROBLEMS_HEADER = "检查问题"
INFO_HEADERS = ("所属幼儿园", PROBLEMS_HEADER)  # written for readers, skipped on import


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    kind: str
    required: bool = False
    choices: type[models.TextChoices] | None = None
    width: int = 14
    note: str = ""
    max_length: int | None = None

    @property
    def header(self) -> str:
        return f"{self.label}*" if self.required else self.label


def _max(field: str) -> int:
    return Person._meta.get_field(field).max_length


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", TEXT, required=True, width=12, max_length=_max("name")),
    Column(
        "id_number",
        "身份证号码",
        ID_NUMBER,
        required=True,
        width=22,
        note="18 位居民身份证号码（最后一位可为 X），用于识别人员；请把本列设为“文本”格式。"
        "本园名册中已有的人员也可填写导出文件中部分隐藏的号码。",
    ),
    Column("post", "岗位", CHOICE, required=True, choices=Post, width=20),
    Column("post_type", "编制情况", CHOICE, required=True, choices=PostType, width=12),
    Column("hire_date", "入职日期", DATE, required=True, width=12, note="日期写作 2024-09-01，不能晚于今天。"),
    Column("is_safety_officer", "兼任安全员", BOOL, width=12, note="不填为“否”。"),
    Column("social_insurance", "已缴纳社会保险", BOOL, width=14, note="不填为“否”。"),
    Column("phone", "联系电话", TEXT, width=14, max_length=_max("phone")),
    Column("education", "学历", CHOICE, choices=Education, width=12),
    Column("title", "职称", CHOICE, choices=Title, width=12),
    Column("backbone", "骨干教师", CHOICE, choices=Backbone, width=14, note="不填为“无”。"),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}
HEADER_KEYS = {header_key(c.header): c for c in COLUMNS}
INFO_KEYS = {header_key(h) for h in INFO_HEADERS}


def choice_labels(column: Column) -> list[str]:
    return [str(label) for value, label in column.choices.choices if value] if column.choices else []


def _lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    found: dict[str, str] = {}
    for value, label in choices.choices:
        for alias in (str(label), str(value)):
            found["".join(alias.split()).upper()] = value
    return found


CHOICE_LOOKUPS = {c.field: _lookup(c.choices) for c in COLUMNS if c.choices is not None}


# --- reading ----------------------------------------------------------------------------------


def read_roster(data: bytes, *, filename: str) -> list[RawRow]:
    """The data rows of an uploaded staff roster, or ``RosterFileError`` saying why it is refused:
    the same reader, checks and messages as every import (core.xlsx)."""
    return read_sheet(data, filename=filename, spec=ROSTER_SHEET)


ROSTER_SHEET = SheetSpec(
    sheet_name=SHEET_ROSTER,
    columns=COLUMNS,
    empty_message="文件中没有数据：请从第 2 行起每行填写一名教职工。",
    info_headers=tuple(INFO_HEADERS),
)


# --- cleaning one row -----------------------------------------------------------------------


def clean_row(raw: RawRow) -> tuple[dict[str, Any], list[Problem]]:
    """Values of one row and its problems. ``id_number`` becomes ``id_facts`` (a valid number) or
    ``id_masked`` (a masked one, matched later against the kindergarten's roster)."""
    values: dict[str, Any] = {}
    problems: list[Problem] = list(raw.problems)
    refused = {p.column for p in raw.problems}

    def problem(column: Column, message: str) -> None:
        problems.append(Problem(raw.number, column.header, message))

    for column in COLUMNS:
        if column.header in refused:
            continue
        if column.field in raw.errors:
            problem(column, f"单元格为错误值 {raw.errors[column.field][:10]}，请填写正确的内容。")
            continue
        value = raw.cells.get(column.field)
        if blank(value):
            if column.required:
                problem(column, "必填项，不能为空。")
            else:
                values[column.field] = False if column.kind == BOOL else ""
            continue
        try:
            _convert(column, value, values)
        except ValueError as exc:
            problem(column, str(exc))
    problems.sort(key=lambda p: COLUMN_ORDER.get(p.column, -1))
    return values, problems


def _convert(column: Column, value: Any, values: dict[str, Any]) -> None:
    kind = column.kind
    if kind == TEXT:
        text = as_text(value)
        if column.max_length and len(text) > column.max_length:
            raise ValueError(f"内容过长（{len(text)} 字），最多 {column.max_length} 字。")
        values[column.field] = text
    elif kind == ID_NUMBER:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(
                "该单元格被 Excel 存成了数字，末几位已丢失。请把本列设置为“文本”格式后重新填写身份证号码。"
            )
        text = idcard.normalise(str(value))
        if MASKED.match(text):
            values["id_masked"] = text
            return
        try:
            values["id_facts"] = idcard.parse(text)  # its messages never repeat the number
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None
    elif kind == CHOICE:
        text = "".join(as_text(value).split()).upper()
        found = CHOICE_LOOKUPS[column.field].get(text)
        if found is None:
            shown = as_text(value)[:20]
            raise ValueError(f"“{shown}”不是有效的{column.label}，可选：{'、'.join(choice_labels(column))}。")
        values[column.field] = found
    elif kind == DATE:
        values[column.field] = parse_date(value)
    elif kind == BOOL:
        text = "".join(as_text(value).split())
        if value is True or text == YES:
            values[column.field] = True
        elif value is False or text == NO:
            values[column.field] = False
        else:
            raise ValueError("请填写“是”或“否”。")
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(kind)


def display(field: str, value: Any) -> str:
    """How a value reads in the preview and the export ("" when empty)."""
    column = COLUMN_BY_FIELD[field]
    if value is None or value == "":
        return ""
    if column.kind == CHOICE:
        return str(dict(column.choices.choices).get(value, value))
    if column.kind == BOOL:
        return YES if value else NO
    if column.kind == DATE:
        return value.strftime("%Y-%m-%d")
    return str(value)


# --- writing: template, export, problems file ----------------------------------------------------

HEADER_FILL = "#DDEBF7"
PROBLEM_FILL = "#FFC7CE"


class StaffRosterWriter:
    """A staff roster workbook: 教职工名册 (headers, text/date formats, dropdowns), 选项 (hidden), 说明.

    ``write_row(number, values)`` takes the values of ``COLUMNS`` (then ``extra_headers``) in order.
    Text is always written as text; text a spreadsheet would run as a formula gets ``TEXT_PREFIX``
    (the importer removes it).
    """

    def __init__(self, fileobj: IO[bytes], *, kindergarten_name: str = "", extra_headers: Iterable[str] = ()):
        import xlsxwriter

        self.workbook = wb = xlsxwriter.Workbook(
            fileobj,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.header_format = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "align": "center"})
        self.required_format = wb.add_format(
            {"bold": True, "font_color": "#C00000", "bg_color": HEADER_FILL, "align": "center"}
        )
        self.text_format = wb.add_format({"num_format": "@"})
        self.date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.problem_format = wb.add_format({"bg_color": PROBLEM_FILL, "num_format": "@"})
        self.wrap_format = wb.add_format({"text_wrap": True, "valign": "top"})
        self.sheet = wb.add_worksheet(SHEET_ROSTER)
        self.lists = wb.add_worksheet(SHEET_LISTS)
        self.help = wb.add_worksheet(SHEET_HELP)
        self.extra_headers = tuple(extra_headers)
        self.last_row = 1
        for index, column in enumerate(COLUMNS):
            fmt = self.date_format if column.kind == DATE else self.text_format
            self.sheet.set_column(index, index, column.width, fmt)
            self.sheet.write_string(
                0, index, column.header, self.required_format if column.required else self.header_format
            )
        for offset, title in enumerate(self.extra_headers, start=len(COLUMNS)):
            self.sheet.set_column(offset, offset, 60 if title == PROBLEMS_HEADER else 24)
            self.sheet.write_string(0, offset, title, self.header_format)
        self.sheet.freeze_panes(1, 0)
        self.sheet.activate()
        self.dropdowns: list[tuple[int, Column, str]] = []
        lists: list[list[str]] = []
        for index, column in enumerate(COLUMNS):
            options = [YES, NO] if column.kind == BOOL else choice_labels(column)
            if not options:
                continue
            lists.append([column.label, *options])
            letter = get_column_letter(len(lists))
            name = f"list_{column.field}"
            wb.define_name(name, f"='{SHEET_LISTS}'!${letter}$2:${letter}${len(options) + 1}")
            self.dropdowns.append((index, column, name))
        for row in range(max(len(v) for v in lists)):  # row by row: constant_memory
            for col, options in enumerate(lists):
                if row < len(options):
                    self.lists.write_string(row, col, options[row])
        self.lists.hide()
        self._write_help(kindergarten_name)

    def write_row(self, number: int, values: list[Any], *, problem_columns: set[int] = frozenset()) -> None:
        row = number - 1
        for col, value in enumerate(values):
            problem = col in problem_columns
            if value is None or value == "":
                if problem:
                    self.sheet.write_blank(row, col, None, self.problem_format)
                continue
            fmt = self.problem_format if problem else None
            if hasattr(value, "year") and not isinstance(value, str):
                self.sheet.write_datetime(row, col, value, fmt or self.date_format)
            else:
                text = str(value)
                self.sheet.write_string(row, col, TEXT_PREFIX + text if formula_like(text) else text, fmt)
        self.last_row = max(self.last_row, number)

    def _write_help(self, kindergarten_name: str) -> None:
        sheet = self.help
        sheet.set_column(0, 0, 20)
        sheet.set_column(1, 1, 10)
        sheet.set_column(2, 2, 70)
        title = self.workbook.add_format({"bold": True, "font_size": 14})
        bold = self.workbook.add_format({"bold": True})
        lines = [
            f"教职工名册导入说明{f'（{kindergarten_name}）' if kindergarten_name else ''}",
            f"1. 在“{SHEET_ROSTER}”工作表中从第 2 行起每行填写一名在职教职工；第 1 行为表头，请勿修改、删除或调换列名。",
            "2. 带 * 的列为必填。身份证号码用于识别人员：本园名册中已有的人员更新其信息，其他人员办理入职。",
            "3. 名册导入不办理离职、不变更岗位和入职日期：这些请在人员页面办理。文件中没有的在职人员保持不变。",
            "4. 列入师德师风黑名单或入职查询不符合要求的人员不能入职；仍在其他幼儿园在职的人员须原单位先办理离职。",
            "5. 上传后系统先逐行检查并列出所有问题；没有问题时显示预览，确认后一次性全部保存，有任何错误则什么都不保存。"
            "同一文件重复导入不会改变任何数据。",
            "6. 请直接填写数值或文字，不要使用公式；以 =、+、-、@ 开头的文字会被表格软件当作公式，因此不能导入。"
            f"导出时这类文字前加了英文单引号（{TEXT_PREFIX}），导入时会自动去掉。只接受 .xlsx 格式，不接受含宏的文件。",
            f"7. 导出的名册可直接修改后导入；“{'”“'.join(INFO_HEADERS)}”列仅供查看，导入时忽略。",
            "",
        ]
        for row, line in enumerate(lines):
            sheet.write_string(row, 0, line, title if row == 0 else None)
        header_row = len(lines)
        for index, heading in enumerate(("列名", "是否必填", "填写说明")):
            sheet.write_string(header_row, index, heading, self.header_format)
        for row, column in enumerate(COLUMNS, start=header_row + 1):
            options = [YES, NO] if column.kind == BOOL else choice_labels(column)
            note = column.note
            if options:
                note = f"{note}可选：{'、'.join(options)}。"
            sheet.write_string(row, 0, column.header, bold if column.required else None)
            sheet.write_string(row, 1, "必填" if column.required else "选填")
            if note:
                sheet.write_string(row, 2, note, self.wrap_format)
        sheet.freeze_panes(header_row + 1, 0)

    def close(self) -> None:
        last = max(self.last_row, limit("ROSTER_IMPORT_MAX_ROWS") + 1)
        for index, column, name in self.dropdowns:
            self.sheet.data_validation(
                1,
                index,
                last - 1,
                index,
                {
                    "validate": "list",
                    "source": f"={name}",
                    "ignore_blank": not column.required,
                    "error_title": "输入无效",
                    "error_message": f"请从下拉列表中选择{column.label}。",
                },
            )
        self.workbook.close()


def write_template(fileobj: IO[bytes], *, kindergarten_name: str = "") -> None:
    StaffRosterWriter(fileobj, kindergarten_name=kindergarten_name).close()


def write_problems(
    fileobj: IO[bytes], rows: list[RawRow], problems: list[Problem], *, kindergarten_name: str = ""
) -> None:
    """The uploaded rows at their own row numbers, each row's problems beside it (cells filled red);
    "检查问题" is ignored on import, so the corrected file can be uploaded as it is."""
    writer = StaffRosterWriter(fileobj, kindergarten_name=kindergarten_name, extra_headers=(PROBLEMS_HEADER,))
    by_row: dict[int, list[Problem]] = {}
    for problem in problems:
        by_row.setdefault(problem.row or 0, []).append(problem)
    for raw in rows:
        found = by_row.get(raw.number, [])
        text = "；".join(f"{p.column}：{p.message}" if p.column else p.message for p in found)
        values = [_raw_cell(raw.cells.get(c.field)) for c in COLUMNS] + [text]
        problem_columns = {COLUMN_ORDER[p.column] for p in found if p.column in COLUMN_ORDER}
        writer.write_row(raw.number, values, problem_columns=problem_columns)
    writer.close()


def _raw_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value
