"""The kindergarten roster in Excel: one column list serves the template, the importer and the export.

- ``COLUMNS``: the columns, in order, with their Chinese headers (``*`` marks required ones).
- ``read_roster``: refuses anything that is not a plain .xlsx of sane size (magic bytes, macros,
  zip bombs, wrong headers) and any damaged or crafted file (one message, never an exception),
  then returns the raw rows; formulas and formula-like text (= + - @ once trimmed) are problems
  of their rows, so every problem of a file is found in one pass.
- ``clean_row``: turns one raw row into record values, or problems with the column and a reason.
- ``RosterWriter``: the template (``write_template``), the export (``export_workbook``) and the
  problems file (``write_problems``) are one kind of workbook: columns, dropdowns, 说明 sheet;
  user text always written as text.

Nothing here touches the database; ``kindergartens.services.imports`` does the look-ups.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import models
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from core.xlsx import (  # the shared reading standards, re-exported: the roster's callers import them here
    FORMULA_STARTS,
    PHYSICAL_ROWS_FACTOR,
    TEXT_PREFIX,
    UNREADABLE,
    XLSX_CONTENT_TYPE,
    Problem,
    RawRow,
    RosterFileError,
    SheetSpec,
    check_archive,
    formula_like,
    limit,
    read_sheet,
    unescape_text,
)
from core.xlsx import blank as _blank
from core.xlsx import formula_problem as _formula_problem
from core.xlsx import header_key as _header_key
from core.xlsx import is_formula as _is_formula
from kindergartens.models import Kindergarten, Nature, PartyOrganisation, Schedule, Sponsor, Status
from kindergartens.validators import normalise_credit_code, validate_credit_code

# Names other modules import from here (the registry's reading standards live in core.xlsx).
__all__ = [
    "FORMULA_STARTS",
    "PHYSICAL_ROWS_FACTOR",
    "TEXT_PREFIX",
    "UNREADABLE",
    "XLSX_CONTENT_TYPE",
    "Problem",
    "RawRow",
    "RosterFileError",
    "check_archive",
    "formula_like",
    "limit",
    "unescape_text",
    "_blank",
    "_formula_problem",
    "_header_key",
    "_is_formula",
]
SHEET_ROSTER = "幼儿园名册"
SHEET_HELP = "说明"
SHEET_LISTS = "选项"

# --- columns ---------------------------------------------------------------------------

TEXT, CREDIT_CODE, TOWNSHIP, GROUP, LEVEL, CHOICE, DATE, INT, MONEY, BOOL = (
    "text",
    "credit_code",
    "township",
    "group",
    "level",
    "choice",
    "date",
    "int",
    "money",
    "bool",
)
CREDIT_GRADE = "credit_grade"  # the district's credit grades (信用等级), by name like LEVEL
# Columns whose cell is a name the district's (or province's) vocabulary turns into an id.
LOOKUP_KINDS = (TOWNSHIP, GROUP, LEVEL, CREDIT_GRADE)
YES, NO = "是", "否"
MAX_CAPACITY = 100_000
MAX_FEE = decimal.Decimal("999999.99")


@dataclass(frozen=True)
class Column:
    field: str  # the Kindergarten field it fills
    label: str  # Chinese header without the required mark
    kind: str
    required: bool = False
    choices: type[models.TextChoices] | None = None
    width: int = 14
    note: str = ""
    # Blank keeps the current value of an existing kindergarten (a new one gets the model default);
    # for the other optional columns a blank cell clears the value, so export → edit → import is exact.
    keep_if_blank: bool = False

    @property
    def header(self) -> str:
        return f"{self.label}*" if self.required else self.label

    @property
    def max_length(self) -> int | None:
        return Kindergarten._meta.get_field(self.field).max_length if self.kind == TEXT else None


COLUMNS: tuple[Column, ...] = (
    Column(
        "credit_code",
        "统一社会信用代码",
        CREDIT_CODE,
        required=True,
        width=24,
        note="18 位（GB 32100-2015），用于识别园所：本区已有的代码更新该园，新的代码新增园所。",
    ),
    Column("name", "园所名称", TEXT, required=True, width=30, note="本区内不能重名。"),
    Column("township", "街道/乡镇", TOWNSHIP, required=True, width=16, note="本区的街道/乡镇名称，从下拉列表选择。"),
    Column("nature", "办园性质", CHOICE, required=True, choices=Nature, width=14),
    Column(
        "inclusive_recognised_on",
        "普惠性民办认定日期",
        DATE,
        width=18,
        note="办园性质为“普惠性民办”时必填。日期写作 2024-09-01。",
    ),
    Column("status", "办园状态", CHOICE, choices=Status, width=10, keep_if_blank=True, note="新增园所不填为“在办”。"),
    Column("sponsor", "举办者类型", CHOICE, choices=Sponsor, width=14),
    Column("sponsor_name", "举办者名称", TEXT, width=24),
    Column(
        "schedule", "办园形式", CHOICE, choices=Schedule, width=10, keep_if_blank=True, note="新增园所不填为“全日制”。"
    ),
    Column("level", "等级", LEVEL, width=12, note="本省的等级（级类/星级），从下拉列表选择。"),
    Column("address", "地址", TEXT, width=36),
    Column("licence_number", "办学许可证号", TEXT, width=20),
    Column("licence_valid_until", "许可证有效期至", DATE, width=16),
    Column("capacity", "学位数", INT, width=10, keep_if_blank=True, note="不小于 0 的整数。"),
    Column("fee_monthly", "保教费（元/月）", MONEY, width=14, note="数字，最多两位小数。"),
    Column("fee_government_guided", "执行政府指导价", BOOL, width=14, keep_if_blank=True),
    Column("principal_name", "园长姓名", TEXT, width=12),
    Column("principal_since", "园长任职日期", DATE, width=16),
    Column("has_parent_committee", "家长委员会", BOOL, width=12, keep_if_blank=True, note="是否已成立家长委员会。"),
    Column("legal_vice_principal", "法治副园长", TEXT, width=12),
    Column("medical_partner", "医教联合体结对医疗机构", TEXT, width=24),
    Column("party_organisation", "党组织设置", CHOICE, choices=PartyOrganisation, width=14),
    Column("credit_rating", "信用等级", CREDIT_GRADE, width=12, note="本区县的信用等级，从下拉列表选择；可不填。"),
    Column("collaboration_group", "协作组", GROUP, width=14, note="本区的协作组名称，从下拉列表选择；可不填。"),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}


HEADER_KEYS = {_header_key(c.header): c for c in COLUMNS}


# --- cleaning one row ----------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """The names the user's district may use: townships, groups, levels, credit grades (name -> id)."""

    townships: dict[str, int]
    groups: dict[str, int]
    levels: dict[str, int]
    credit_grades: dict[str, int] = field(default_factory=dict)


def _choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        for alias in (str(label), str(label).split("（")[0], str(value)):
            lookup["".join(alias.split()).upper()] = value
    return lookup


CHOICE_LOOKUPS = {c.field: _choice_lookup(c.choices) for c in COLUMNS if c.choices is not None}


def choice_labels(column: Column) -> list[str]:
    return [str(label) for _, label in column.choices.choices] if column.choices else []


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
DATE_MESSAGE = "日期格式不正确，应写作 2024-09-01（或设置为 Excel 日期）。"


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():  # 20240901 typed as a number
            return _date(str(int(value)))
        if not 1 <= value <= 80_000:
            raise ValueError(DATE_MESSAGE)
        day = from_excel(value).date()  # a date cell that lost its date format
    else:
        text = "".join(str(value).split())
        for fmt in (*DATE_FORMATS, "%Y%m%d"):
            try:
                day = datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar day, no time
                break
            except ValueError:
                continue
        else:
            raise ValueError(DATE_MESSAGE)
    if not 1900 <= day.year <= 2100:
        raise ValueError("日期超出合理范围，请核对年份。")
    return day


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("应填写不小于 0 的整数。")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        if not re.fullmatch(r"\d+", text):
            raise ValueError("应填写不小于 0 的整数。")
        value = int(text)
    if not isinstance(value, int) or value < 0:
        raise ValueError("应填写不小于 0 的整数。")
    if value > MAX_CAPACITY:
        raise ValueError(f"数值过大（上限 {MAX_CAPACITY}），请核对。")
    return value


def _money(value: Any) -> decimal.Decimal:
    message = "应填写金额数字（元/月），最多两位小数。"
    if isinstance(value, bool):
        raise ValueError(message)
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    try:
        amount = decimal.Decimal(text)
    except decimal.InvalidOperation as exc:
        raise ValueError(message) from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(message)
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(decimal.Decimal("0.01")):
        raise ValueError("金额最多两位小数。")
    if amount > MAX_FEE:
        raise ValueError("金额过大，请核对（单位为元/月）。")
    return amount.quantize(decimal.Decimal("0.01"))


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = "".join(str(value).split())
    if text == YES:
        return True
    if text == NO:
        return False
    raise ValueError("请填写“是”或“否”。")


def _credit_code(value: Any) -> str:
    if isinstance(value, float):
        raise ValueError(
            "该单元格被 Excel 存成了数字，末几位已丢失。请把本列设置为“文本”格式后重新填写统一社会信用代码。"
        )
    code = normalise_credit_code(str(value))
    try:
        validate_credit_code(code)
    except Exception as exc:  # ValidationError: keep its Chinese message
        raise ValueError("".join(getattr(exc, "messages", [str(exc)]))) from exc
    return code


def clean_row(raw: RawRow, vocabulary: Vocabulary) -> tuple[dict[str, Any], list[Problem]]:
    """Record values of one row (field -> Python value) and the problems found in it.

    Township, group and level become ids. A blank ``keep_if_blank`` column is left out (keep the
    current value / use the default); any other blank optional column becomes empty (clears it).
    """
    values: dict[str, Any] = {}
    problems: list[Problem] = list(raw.problems)
    refused = {p.column for p in raw.problems}

    def problem(column: Column, message: str) -> None:
        problems.append(Problem(raw.number, column.header, message))

    for column in COLUMNS:
        if column.header in refused:
            continue
        if column.field in raw.errors:
            problem(column, f"单元格为错误值 {raw.errors[column.field]}，请填写正确的内容。")
            continue
        value = raw.cells.get(column.field)
        if _blank(value):
            if column.required:
                problem(column, "必填项，不能为空。")
            elif not column.keep_if_blank:
                values[column.field] = _empty(column)
            continue
        try:
            values[column.field] = _convert(column, value, vocabulary)
        except ValueError as exc:
            problem(column, str(exc))
    recognised = COLUMN_BY_FIELD["inclusive_recognised_on"]
    if (
        values.get("nature") == Nature.INCLUSIVE_PRIVATE
        and values.get("inclusive_recognised_on") is None
        and not any(p.column == recognised.header for p in problems)  # a bad date is already reported
    ):
        problem(recognised, "办园性质为“普惠性民办”时必须填写认定日期。")
    problems.sort(key=lambda p: COLUMN_ORDER.get(p.column, -1))
    return values, problems


def _empty(column: Column) -> Any:
    return "" if column.kind in (TEXT, CHOICE, CREDIT_CODE) else None


def _convert(column: Column, value: Any, vocabulary: Vocabulary) -> Any:
    kind = column.kind
    if kind == TEXT:
        text = _text(value)
        if column.max_length and len(text) > column.max_length:
            raise ValueError(f"内容过长（{len(text)} 字），最多 {column.max_length} 字。")
        return text
    if kind == CREDIT_CODE:
        return _credit_code(value)
    if kind == CHOICE:
        text = "".join(_text(value).split()).upper()
        found = CHOICE_LOOKUPS[column.field].get(text)
        if found is None:
            raise ValueError(f"“{_text(value)}”不是有效的{column.label}，可选：{'、'.join(choice_labels(column))}。")
        return found
    if kind in LOOKUP_KINDS:
        name = _text(value)
        names = {
            TOWNSHIP: vocabulary.townships,
            GROUP: vocabulary.groups,
            LEVEL: vocabulary.levels,
            CREDIT_GRADE: vocabulary.credit_grades,
        }[kind]
        if name not in names:
            where = {LEVEL: "本省", CREDIT_GRADE: "本区县"}.get(kind, "本区")
            raise ValueError(f"{where}没有名为“{name}”的{column.label}，请从下拉列表中选择。")
        return names[name]
    if kind == DATE:
        return _date(value)
    if kind == INT:
        return _int(value)
    if kind == MONEY:
        return _money(value)
    if kind == BOOL:
        return _bool(value)
    raise AssertionError(kind)  # pragma: no cover - every kind is handled above


# --- values for display and storage ------------------------------------------------------------


def to_json(field_name: str, value: Any) -> Any:
    """A cleaned value as stored in RosterImport.rows."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def from_json(field_name: str, value: Any) -> Any:
    kind = COLUMN_BY_FIELD[field_name].kind
    if value is None:
        return None
    if kind == DATE:
        return datetime.date.fromisoformat(value)
    if kind == MONEY:
        return decimal.Decimal(value)
    return value


def display(column: Column, value: Any, names: dict[int, str] | None = None) -> str:
    """How a value reads in the preview ("" when empty)."""
    if value is None or value == "":
        return ""
    if column.kind in LOOKUP_KINDS:
        return (names or {}).get(value, str(value))
    if column.kind == CHOICE:
        try:
            return str(column.choices(value).label)
        except ValueError:
            return str(value)
    if column.kind == BOOL:
        return YES if value else NO
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# --- writing: the template, the export and the problems file -----------------------------------
# One writer for all three, so an export and a problems file are valid templates (same sheets,
# columns, dropdowns and 说明) and can be edited and uploaded as they are. XlsxWriter in
# constant_memory mode: rows go to a temporary file as they are written, so memory stays flat;
# for 30,000 kindergartens it was 2.2 times faster than openpyxl write-only, 1.5 times with lxml (bench/export.py).

HEADER_FILL = "#DDEBF7"
PROBLEM_FILL = "#FFC7CE"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
PROBLEMS_HEADER = "检查问题"
# Written for readers (a city exports several districts; the problems file says what is wrong);
# the importer skips these columns.
INFO_HEADERS = ("所属区县", PROBLEMS_HEADER)
INFO_WIDTHS = {"所属区县": 16, PROBLEMS_HEADER: 60}
INFO_KEYS = {_header_key(h) for h in INFO_HEADERS}


def read_roster(data: bytes, *, filename: str) -> list[RawRow]:
    """The data rows of an uploaded roster, or ``RosterFileError`` saying why it is refused (core.xlsx)."""
    return read_sheet(data, filename=filename, spec=ROSTER_SHEET)


ROSTER_SHEET = SheetSpec(
    sheet_name=SHEET_ROSTER,
    columns=COLUMNS,
    empty_message="文件中没有数据：请从第 2 行起每行填写一所幼儿园。",
    info_headers=tuple(INFO_HEADERS),
)


def dropdown_values(
    column: Column, *, townships: list[str], groups: list[str], levels: list[str], credit_grades: list[str] = ()
) -> list[str] | None:
    """The dropdown list of one column (None: no dropdown)."""
    vocabularies = {
        TOWNSHIP: townships,
        GROUP: groups,
        LEVEL: levels,
        CREDIT_GRADE: list(credit_grades),
        BOOL: [YES, NO],
    }
    values = choice_labels(column) if column.kind == CHOICE else vocabularies.get(column.kind)
    return list(values) if values else None


class RosterWriter:
    """A roster workbook: 幼儿园名册 (headers, column formats, dropdowns), 选项 (hidden lists), 说明.

    ``write_row`` takes the values of ``COLUMNS`` (then ``extra_headers``) in order, at Excel row
    ``number`` (increasing). Text is always written as text, and text a spreadsheet would run as
    a formula gets ``TEXT_PREFIX`` (the importer removes it). Call ``close()`` at the end.
    """

    def __init__(
        self,
        fileobj: IO[bytes],
        *,
        townships: list[str] = (),
        groups: list[str] = (),
        levels: list[str] = (),
        credit_grades: list[str] = (),
        district_name: str = "",
        extra_headers: tuple[str, ...] = (),
    ) -> None:
        import xlsxwriter

        self.workbook = xlsxwriter.Workbook(
            fileobj,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        wb = self.workbook
        self.header_format = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "align": "center"})
        self.required_format = wb.add_format(
            {"bold": True, "font_color": "#C00000", "bg_color": HEADER_FILL, "align": "center"}
        )
        self.text_format = wb.add_format({"num_format": TEXT_FORMAT})
        self.date_format = wb.add_format({"num_format": DATE_FORMAT})
        self.datetime_format = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.problem_format = wb.add_format({"bg_color": PROBLEM_FILL})
        self.wrap_format = wb.add_format({"text_wrap": True, "valign": "top"})
        self.column_formats = [
            self.text_format if c.kind in (TEXT, CREDIT_CODE) else self.date_format if c.kind == DATE else None
            for c in COLUMNS
        ]
        self.sheet = wb.add_worksheet(SHEET_ROSTER)
        self.lists = wb.add_worksheet(SHEET_LISTS)
        self.help = wb.add_worksheet(SHEET_HELP)
        self.last_row = 1
        self.extra_headers = tuple(extra_headers)

        for index, column in enumerate(COLUMNS):
            self.sheet.set_column(index, index, column.width, self.column_formats[index])
            self.sheet.write_string(
                0, index, column.header, self.required_format if column.required else self.header_format
            )
        for offset, title in enumerate(self.extra_headers, start=len(COLUMNS)):
            self.sheet.set_column(offset, offset, INFO_WIDTHS.get(title, 16))
            self.sheet.write_string(0, offset, title, self.header_format)
        self.sheet.freeze_panes(1, 0)
        self.sheet.activate()

        self.dropdowns: list[tuple[int, Column, str]] = []  # (column index, column, defined name)
        lists: list[list[str]] = []
        for index, column in enumerate(COLUMNS):
            values = dropdown_values(
                column,
                townships=list(townships),
                groups=list(groups),
                levels=list(levels),
                credit_grades=list(credit_grades),
            )
            if not values:
                continue
            lists.append([column.label, *values])
            letter = get_column_letter(len(lists))
            name = f"list_{column.field}"
            wb.define_name(name, f"='{SHEET_LISTS}'!${letter}$2:${letter}${len(values) + 1}")
            self.dropdowns.append((index, column, name))
        for row in range(max((len(values) for values in lists), default=0)):  # row by row: constant_memory
            for col, values in enumerate(lists):
                if row < len(values):
                    self.lists.write_string(row, col, values[row])
        self.lists.hide()
        self._write_help(district_name)

    def write_row(self, number: int, values: list[Any], *, problem_columns: set[int] = frozenset()) -> None:
        row = number - 1
        formats = self.column_formats
        for col, value in enumerate(values):
            if col in problem_columns:
                self._cell(row, col, value, self.problem_format)
            elif value is not None and value != "":
                self._cell(row, col, value, formats[col] if col < len(formats) else None)
        self.last_row = max(self.last_row, number)

    def _cell(self, row: int, col: int, value: Any, fmt) -> None:
        sheet = self.sheet
        if isinstance(value, str):
            if not value:
                if fmt is self.problem_format:
                    sheet.write_blank(row, col, None, fmt)
                return
            # XlsxWriter escapes control characters itself (_xHHHH_), so any text is a valid cell.
            sheet.write_string(row, col, TEXT_PREFIX + value if formula_like(value) else value, fmt)
        elif value is None:
            if fmt is self.problem_format:
                sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_string(row, col, YES if value else NO, fmt)
        elif isinstance(value, datetime.datetime):
            own = self.date_format if value.time() == datetime.time() else self.datetime_format
            sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt if fmt is self.problem_format else own)
        elif isinstance(value, datetime.date):
            sheet.write_datetime(row, col, value, fmt if fmt is self.problem_format else self.date_format)
        elif isinstance(value, (int, float, decimal.Decimal)):
            sheet.write_number(row, col, float(value), fmt)
        else:
            sheet.write_string(row, col, str(value), fmt)

    def _write_help(self, district_name: str) -> None:
        sheet = self.help
        sheet.set_column(0, 0, 26)
        sheet.set_column(1, 1, 10)
        sheet.set_column(2, 2, 70)
        bold = self.workbook.add_format({"bold": True})
        title = self.workbook.add_format({"bold": True, "font_size": 14})
        lines = [
            f"幼儿园名册导入说明{f'（{district_name}）' if district_name else ''}",
            f"1. 在“{SHEET_ROSTER}”工作表中从第 2 行起每行填写一所幼儿园；第 1 行为表头，请勿修改、删除或调换列名。",
            "2. 带 * 的列为必填。统一社会信用代码用于识别园所：本区已有的代码将更新该园，新的代码将新增园所。",
            "3. 同一文件中统一社会信用代码、园所名称都不能重复；其他区县已登记的代码不能导入。",
            "4. 上传后系统先逐行检查并列出所有问题（行号、列名、原因）；没有问题时显示预览，确认后一次性全部保存，"
            "有任何错误则什么都不保存。同一文件重复导入不会改变任何数据。",
            "5. 请直接填写数值或文字，不要使用公式；以 =、+、-、@ 开头的文字会被表格软件当作公式，因此不能导入。"
            "只接受 .xlsx 格式，不接受含宏的文件。",
            "6. 选填列留空表示清空该项；“办园状态”“办园形式”“学位数”“执行政府指导价”“家长委员会”留空表示保持原值"
            "（新增园所取默认值）。",
            "7. 办园状态、办园性质的变更以导入当天为生效日期；需要补登历史日期的，请在园所页面逐个修改。",
            f"8. 导出的名册可直接修改后导入；“{'”“'.join(INFO_HEADERS)}”列仅供查看，导入时忽略。"
            f"导出时以 =、+、-、@ 开头的文字前加了英文单引号（{TEXT_PREFIX}），以免被当作公式，导入时会自动去掉。",
            "",
        ]
        for row, line in enumerate(lines):
            sheet.write_string(row, 0, line, title if row == 0 else None)
        header_row = len(lines)
        for index, heading in enumerate(("列名", "是否必填", "填写说明")):
            sheet.write_string(header_row, index, heading, self.header_format)
        for row, column in enumerate(COLUMNS, start=header_row + 1):
            options = choice_labels(column)
            if column.kind == BOOL:
                options = [YES, NO]
            note = column.note
            if options:
                note = f"{note}可选：{'、'.join(options)}。" if note else f"可选：{'、'.join(options)}。"
            sheet.write_string(row, 0, column.header, bold if column.required else None)
            sheet.write_string(row, 1, "必填" if column.required else "选填")
            if note:
                sheet.write_string(row, 2, note, self.wrap_format)
        sheet.freeze_panes(header_row + 1, 0)

    def close(self) -> None:
        """Dropdowns over every data row (at least the import's row limit), then the file."""
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


def write_template(
    fileobj: IO[bytes],
    *,
    townships: list[str],
    groups: list[str],
    levels: list[str],
    district_name: str = "",
    credit_grades: list[str] = (),
) -> None:
    """The import template: headers, dropdowns (lists in a hidden sheet), a 说明 sheet."""
    RosterWriter(
        fileobj,
        townships=townships,
        groups=groups,
        levels=levels,
        credit_grades=credit_grades,
        district_name=district_name,
    ).close()


def write_problems(
    fileobj: IO[bytes],
    rows: list[RawRow],
    problems: list[Problem],
    *,
    townships: list[str] = (),
    groups: list[str] = (),
    levels: list[str] = (),
    credit_grades: list[str] = (),
    district_name: str = "",
) -> None:
    """The uploaded rows, at their own row numbers, with the problems of each row beside it.

    Problem cells are filled red; "检查问题" is ignored on import, so the file can be corrected
    and uploaded again as it is.
    """
    writer = RosterWriter(
        fileobj,
        townships=townships,
        groups=groups,
        levels=levels,
        credit_grades=credit_grades,
        district_name=district_name,
        extra_headers=(PROBLEMS_HEADER,),
    )
    index = {c.header: i for i, c in enumerate(COLUMNS)}
    by_row: dict[int, list[Problem]] = {}
    for problem in problems:
        by_row.setdefault(problem.row or 0, []).append(problem)
    for raw in rows:
        found = by_row.get(raw.number, [])
        text = "；".join(f"{p.column}：{p.message}" if p.column else p.message for p in found)
        values = [raw.cells.get(c.field) for c in COLUMNS] + [text]
        writer.write_row(raw.number, values, problem_columns={index[p.column] for p in found if p.column in index})
    writer.close()


# --- the export ------------------------------------------------------------------------------

EXPORT_PROGRESS_EVERY = 1000
# Read as plain values, not model instances: 30,000 kindergartens with four related rows each
# cost more in model and audit bookkeeping than in writing the file.
_RELATED_NAME = {
    TOWNSHIP: "township__name",
    GROUP: "collaboration_group__name",
    LEVEL: "level__name",
    CREDIT_GRADE: "credit_rating__name",
}


def _export_converters() -> list[tuple[str, Callable[[Any], Any]]]:
    """(value to read, how it becomes the cell) for each column, in order."""
    converters = []
    for column in COLUMNS:
        if column.kind in _RELATED_NAME:
            converters.append((_RELATED_NAME[column.kind], lambda v: v or ""))
        elif column.kind == CHOICE:
            labels = {value: str(label) for value, label in column.choices.choices}
            converters.append((column.field, lambda v, labels=labels: labels.get(v, v or "")))
        elif column.kind == BOOL:
            converters.append((column.field, lambda v: YES if v else NO))
        else:
            converters.append((column.field, lambda v: v))
    return converters


def export_value(column: Column, kindergarten: Kindergarten) -> Any:
    """The cell value of one column for one kindergarten (the importer reads it back unchanged)."""
    kind = column.kind
    if kind == TOWNSHIP:
        return kindergarten.township.name
    if kind == GROUP:
        return kindergarten.collaboration_group.name if kindergarten.collaboration_group_id else ""
    if kind == LEVEL:
        return kindergarten.level.name if kindergarten.level_id else ""
    if kind == CREDIT_GRADE:
        return kindergarten.credit_rating.name if kindergarten.credit_rating_id else ""
    value = getattr(kindergarten, column.field)
    if kind == CHOICE:
        return display(column, value)
    if kind == BOOL:
        return YES if value else NO
    return value


def export_workbook(
    queryset,
    fileobj: IO[bytes],
    *,
    townships: list[str] = (),
    groups: list[str] = (),
    levels: list[str] = (),
    credit_grades: list[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the kindergartens of ``queryset`` as a template (columns, dropdowns, 说明); returns the row count.

    A chunked iterator of plain values and a constant-memory writer: memory stays flat however
    many rows there are. ``progress(done, total)`` is called every ``EXPORT_PROGRESS_EVERY`` rows.
    """
    total = queryset.count() if progress else 0
    writer = RosterWriter(
        fileobj,
        townships=townships,
        groups=groups,
        levels=levels,
        credit_grades=credit_grades,
        extra_headers=("所属区县",),
    )
    converters = _export_converters()
    names = [name for name, _convert in converters] + ["district__name"]
    count = 0
    for values in queryset.values_list(*names).iterator(chunk_size=2000):
        cells = [convert(value) for (_name, convert), value in zip(converters, values, strict=False)]
        cells.append(values[-1])
        writer.write_row(count + 2, cells)
        count += 1
        if progress and count % EXPORT_PROGRESS_EVERY == 0:
            progress(count, total)
    writer.close()
    if progress:
        progress(count, max(total, count))
    return count
