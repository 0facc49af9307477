"""The kindergarten roster in Excel: one column list serves the template, the importer and the export.

- ``COLUMNS``: the columns, in order, with their Chinese headers (``*`` marks required ones).
- ``write_template``: the downloadable template (dropdown lists, frozen header, a 说明 sheet).
- ``read_roster``: refuses anything that is not a plain .xlsx of sane size (magic bytes, macros,
  zip bombs, wrong headers, formulas) before a row is interpreted, then returns the raw rows.
- ``clean_row``: turns one raw row into record values, or problems with the column and a reason.
- ``export_workbook``: a write-only, streamed export with every user text written as text.

Nothing here touches the database; ``kindergartens.services.imports`` does the look-ups.
"""

from __future__ import annotations

import datetime
import decimal
import io
import re
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import models
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from kindergartens.models import CreditRating, Kindergarten, Nature, PartyOrganisation, Schedule, Sponsor, Status
from kindergartens.validators import normalise_credit_code, validate_credit_code

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_ROSTER = "幼儿园名册"
SHEET_HELP = "说明"
SHEET_LISTS = "选项"

# Upload limits; each can be overridden in settings (ROSTER_IMPORT_MAX_BYTES…).
DEFAULT_LIMITS = {
    "ROSTER_IMPORT_MAX_BYTES": 5 * 1024 * 1024,  # the file as uploaded
    "ROSTER_IMPORT_MAX_ROWS": 20_000,  # data rows (a district has a few hundred to a few thousand)
    "ROSTER_IMPORT_MAX_COLUMNS": 60,
    "ROSTER_IMPORT_MAX_ENTRIES": 500,  # files inside the zip; a plain workbook has about 10-20
    "ROSTER_IMPORT_MAX_UNCOMPRESSED": 100 * 1024 * 1024,  # declared total after decompression
    "ROSTER_IMPORT_MAX_RATIO": 100,  # declared size / compressed size of one entry
}
# Small entries may compress well without being a threat; the ratio test starts above this size.
RATIO_MIN_BYTES = 1024 * 1024


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULT_LIMITS[name]))


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
    Column("credit_rating", "信用等级", CHOICE, choices=CreditRating, width=16),
    Column("collaboration_group", "协作组", GROUP, width=14, note="本区的协作组名称，从下拉列表选择；可不填。"),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
# Written by the export for readers (a city exports several districts); the importer skips it.
INFO_HEADERS = ("所属区县",)


def _header_key(text: Any) -> str:
    """Headers are matched without spaces, required marks or half-width brackets."""
    value = "".join(str(text).split()).rstrip("*＊")
    return value.replace("(", "（").replace(")", "）")


HEADER_KEYS = {_header_key(c.header): c for c in COLUMNS}


# --- problems ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where Excel shows it: ``row`` as numbered in Excel (None: the whole file)."""

    row: int | None
    column: str
    message: str


class RosterFileError(Exception):
    """The file is refused as a whole; ``problems`` may say where (formulas, headers)."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


@dataclass
class RawRow:
    number: int  # as Excel shows it
    cells: dict[str, Any]  # field -> the cell's value as openpyxl read it
    errors: dict[str, str] = field(default_factory=dict)  # field -> Excel error value (#N/A…)


# --- reading an upload ---------------------------------------------------------------------

NOT_XLSX = (
    "文件内容不是 Excel 工作簿（.xlsx）：可能是改了扩展名的其他文件，或设置了打开密码。"
    "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）再上传。"
)
MACROS = "不接受含宏的文件（.xlsm 或含 VBA 宏）。请另存为不含宏的 Excel 工作簿（*.xlsx）后再上传。"


def check_archive(data: bytes, *, filename: str) -> None:
    """Refuse anything but a plain .xlsx of sane size before openpyxl sees a byte of it."""
    name = (filename or "").strip().lower()
    if name.endswith((".xlsm", ".xltm", ".xlam")):
        raise RosterFileError(MACROS)
    if not name.endswith(".xlsx"):
        raise RosterFileError("只接受 Excel 工作簿（.xlsx）文件。.xls、.csv 等格式请先另存为 .xlsx。")
    max_bytes = limit("ROSTER_IMPORT_MAX_BYTES")
    if len(data) > max_bytes:
        raise RosterFileError(f"文件过大（{len(data) / 1048576:.1f} MB），上限为 {max_bytes / 1048576:.0f} MB。")
    if not data.startswith(b"PK\x03\x04"):
        raise RosterFileError(NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise RosterFileError(NOT_XLSX) from exc
    with archive:
        if len(infos) > limit("ROSTER_IMPORT_MAX_ENTRIES"):
            raise RosterFileError("文件结构异常（压缩包内文件过多），已拒绝。请用 Excel 重新保存后再上传。")
        # zipfile never inflates an entry past its declared size, so the declared sizes bound the work.
        total = sum(info.file_size for info in infos)
        if total > limit("ROSTER_IMPORT_MAX_UNCOMPRESSED"):
            raise RosterFileError("文件解压后过大（疑似压缩炸弹），已拒绝。请检查文件或拆分后分批导入。")
        ratio = limit("ROSTER_IMPORT_MAX_RATIO")
        for info in infos:
            if info.file_size > RATIO_MIN_BYTES and info.file_size > ratio * max(info.compress_size, 1):
                raise RosterFileError("文件压缩比异常（疑似压缩炸弹），已拒绝。请用 Excel 重新保存后再上传。")
            if info.flag_bits & 0x1:
                raise RosterFileError(NOT_XLSX)
        names = {info.filename.lower() for info in infos}
        if any(n.endswith("vbaproject.bin") or (n.endswith(".bin") and "vba" in n) for n in names):
            raise RosterFileError(MACROS)
        if "[content_types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise RosterFileError(NOT_XLSX)
        content_types = archive.read(next(i for i in infos if i.filename.lower() == "[content_types].xml"))
        lowered = content_types.lower()
        if b"macroenabled" in lowered or b"vbaproject" in lowered:
            raise RosterFileError(MACROS)


def _is_formula(cell) -> bool:
    value = cell.value
    return (
        cell.data_type == "f"
        or isinstance(value, (ArrayFormula, DataTableFormula))
        or (isinstance(value, str) and value.startswith("="))
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_roster(data: bytes, *, filename: str) -> list[RawRow]:
    """The data rows of an uploaded roster, or ``RosterFileError`` saying why the file is refused."""
    check_archive(data, filename=filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; irrelevant here
            # data_only=False: a formula cell then reads as "=…" and can be refused (data_only hides it).
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # defusedxml, KeyError, zipfile…: whatever it is, it is not a usable workbook
        raise RosterFileError("无法读取该 Excel 文件，文件可能已损坏。请用 Excel 打开后重新保存再上传。") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read_sheet(workbook)
    finally:
        workbook.close()


def _read_sheet(workbook) -> list[RawRow]:
    if SHEET_ROSTER in workbook.sheetnames:
        sheet = workbook[SHEET_ROSTER]
    elif workbook.worksheets:
        sheet = workbook.worksheets[0]
    else:
        raise RosterFileError("文件中没有工作表。")
    sheet.reset_dimensions()  # the declared dimension may be wrong; read what is there
    max_columns = limit("ROSTER_IMPORT_MAX_COLUMNS")
    header_cells = next(sheet.iter_rows(min_row=1, max_row=1, max_col=max_columns + 1), ())
    positions = _match_headers(header_cells, max_columns)
    width = max(positions) + 1
    max_rows = limit("ROSTER_IMPORT_MAX_ROWS")
    rows: list[RawRow] = []
    formulas: list[Problem] = []
    for number, cells in enumerate(sheet.iter_rows(min_row=2, max_col=width), start=2):
        if not cells or all(_blank(c.value) for c in cells):
            continue
        if len(rows) >= max_rows:
            raise RosterFileError(f"数据超过 {max_rows} 行，请拆分成多个文件分批导入。")
        row = RawRow(number=number, cells={})
        for position, column in positions.items():
            cell = cells[position] if position < len(cells) else None
            if cell is None or _blank(cell.value):
                row.cells[column.field] = None
            elif _is_formula(cell):
                formulas.append(Problem(number, column.header, "单元格含公式（或以“=”开头），请直接填写数值或文字。"))
            elif cell.data_type == "e":
                row.errors[column.field] = str(cell.value)
            else:
                row.cells[column.field] = cell.value
        rows.append(row)
    if formulas:
        raise RosterFileError(f"文件中有 {len(formulas)} 个单元格含公式，已拒绝。请改为直接填写数值或文字。", formulas)
    if not rows:
        raise RosterFileError("文件中没有数据：请从第 2 行起每行填写一所幼儿园。")
    return rows


def _match_headers(header_cells, max_columns: int) -> dict[int, Column]:
    """Column position -> Column; refuses missing, unknown, repeated or formula headers."""
    problems: list[Problem] = []
    positions: dict[int, Column] = {}
    seen: dict[str, int] = {}
    if len(header_cells) > max_columns and not _blank(header_cells[max_columns].value):
        raise RosterFileError(f"列数过多（超过 {max_columns} 列），请使用下载的导入模板。")
    info_keys = {_header_key(h) for h in INFO_HEADERS}
    for position, cell in enumerate(header_cells):
        if _blank(cell.value):
            continue
        letter = get_column_letter(position + 1)
        if _is_formula(cell):
            problems.append(Problem(1, letter, "表头不能是公式。"))
            continue
        key = _header_key(cell.value)
        if key in info_keys:
            continue  # read-only information the export adds
        column = HEADER_KEYS.get(key)
        if column is None:
            problems.append(Problem(1, letter, f"无法识别的列“{str(cell.value).strip()}”。"))
        elif column.field in seen:
            problems.append(Problem(1, letter, f"列“{column.header}”重复出现（第 {seen[column.field]} 列已有）。"))
        else:
            seen[column.field] = position + 1
            positions[position] = column
    missing = [c.header for c in COLUMNS if c.field not in seen]
    if missing:
        problems.append(Problem(1, "", f"缺少列：{'、'.join(missing)}。"))
    if problems:
        raise RosterFileError("表头与导入模板不一致，请使用下载的导入模板（第一行为表头，不要修改）。", problems)
    return positions


# --- cleaning one row ----------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """The names the user's district may use: townships, groups, levels (name -> id)."""

    townships: dict[str, int]
    groups: dict[str, int]
    levels: dict[str, int]


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
    problems: list[Problem] = []

    def problem(column: Column, message: str) -> None:
        problems.append(Problem(raw.number, column.header, message))

    for column in COLUMNS:
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
    if kind in (TOWNSHIP, GROUP, LEVEL):
        name = _text(value)
        names = {TOWNSHIP: vocabulary.townships, GROUP: vocabulary.groups, LEVEL: vocabulary.levels}[kind]
        if name not in names:
            where = "本省" if kind == LEVEL else "本区"
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
    if column.kind in (TOWNSHIP, GROUP, LEVEL):
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


# --- the template ---------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"


def write_template(
    fileobj: IO[bytes], *, townships: list[str], groups: list[str], levels: list[str], district_name: str = ""
) -> None:
    """The import template: headers, dropdowns (lists in a hidden sheet), a 说明 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_ROSTER
    lists = workbook.create_sheet(SHEET_LISTS)
    lists.sheet_state = "hidden"
    _write_help(workbook.create_sheet(SHEET_HELP), district_name)

    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.kind in (TEXT, CREDIT_CODE):
            dimension.number_format = TEXT_FORMAT  # long digit strings must not become numbers
        elif column.kind == DATE:
            dimension.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"

    vocabularies = {TOWNSHIP: townships, GROUP: groups, LEVEL: levels, BOOL: [YES, NO]}
    last_row = limit("ROSTER_IMPORT_MAX_ROWS") + 1
    list_column = 0
    for index, column in enumerate(COLUMNS, start=1):
        values = choice_labels(column) if column.kind == CHOICE else vocabularies.get(column.kind)
        if not values:
            continue
        list_column += 1
        letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=column.label)
        for offset, value in enumerate(values, start=2):
            lists.cell(row=offset, column=list_column, value=value).data_type = "s"
        name = f"list_{column.field}"
        workbook.defined_names[name] = DefinedName(
            name, attr_text=f"'{SHEET_LISTS}'!${letter}$2:${letter}${len(values) + 1}"
        )
        validation = DataValidation(
            type="list",
            formula1=name,
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="输入无效",
            error=f"请从下拉列表中选择{column.label}。",
        )
        target = get_column_letter(index)
        validation.add(f"{target}2:{target}{last_row}")
        sheet.add_data_validation(validation)
    workbook.active = 0
    workbook.save(fileobj)


def _write_help(sheet, district_name: str) -> None:
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 70
    lines = [
        f"幼儿园名册导入说明{f'（{district_name}）' if district_name else ''}",
        f"1. 在“{SHEET_ROSTER}”工作表中从第 2 行起每行填写一所幼儿园；第 1 行为表头，请勿修改、删除或调换列名。",
        "2. 带 * 的列为必填。统一社会信用代码用于识别园所：本区已有的代码将更新该园，新的代码将新增园所。",
        "3. 同一文件中统一社会信用代码、园所名称都不能重复；其他区县已登记的代码不能导入。",
        "4. 上传后系统先逐行检查并列出所有问题（行号、列名、原因）；没有问题时显示预览，确认后一次性全部保存，"
        "有任何错误则什么都不保存。同一文件重复导入不会改变任何数据。",
        "5. 请直接填写数值或文字，不要使用公式；只接受 .xlsx 格式，不接受含宏的文件。",
        "6. 选填列留空表示清空该项；“办园状态”“办园形式”“学位数”“执行政府指导价”“家长委员会”留空表示保持原值"
        "（新增园所取默认值）。",
        "7. 办园状态、办园性质的变更以导入当天为生效日期；需要补登历史日期的，请在园所页面逐个修改。",
        "",
    ]
    for row, line in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=line).data_type = "s"
    sheet["A1"].font = Font(bold=True, size=14)
    header_row = len(lines) + 1
    for index, title in enumerate(("列名", "是否必填", "填写说明"), start=1):
        cell = sheet.cell(row=header_row, column=index, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for row, column in enumerate(COLUMNS, start=header_row + 1):
        options = choice_labels(column)
        if column.kind == BOOL:
            options = [YES, NO]
        note = column.note
        if options:
            note = f"{note}可选：{'、'.join(options)}。" if note else f"可选：{'、'.join(options)}。"
        sheet.cell(row=row, column=1, value=column.header).data_type = "s"
        sheet.cell(row=row, column=2, value="必填" if column.required else "选填")
        sheet.cell(row=row, column=3, value=note).alignment = Alignment(wrap_text=True)
    sheet.freeze_panes = f"A{header_row + 1}"


# --- the export ------------------------------------------------------------------------------

EXPORT_RELATED = ("district", "township", "collaboration_group", "level")


def export_value(column: Column, kindergarten: Kindergarten) -> Any:
    """The cell value of one column for one kindergarten (the importer reads it back unchanged)."""
    kind = column.kind
    if kind == TOWNSHIP:
        return kindergarten.township.name
    if kind == GROUP:
        return kindergarten.collaboration_group.name if kindergarten.collaboration_group_id else ""
    if kind == LEVEL:
        return kindergarten.level.name if kindergarten.level_id else ""
    value = getattr(kindergarten, column.field)
    if kind == CHOICE:
        return display(column, value)
    if kind == BOOL:
        return YES if value else NO
    return value


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    """User text is always text: "=1+1" or "#N/A" must not become a formula or an error value."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def export_workbook(queryset, fileobj: IO[bytes]) -> int:
    """Write the kindergartens of ``queryset`` in the template's columns; returns the row count.

    Write-only workbook and a chunked iterator: memory stays flat however many rows there are.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_ROSTER)
    headers = [c.header for c in COLUMNS] + list(INFO_HEADERS)
    widths = [c.width for c in COLUMNS] + [16]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header_cells = []
    for index, header in enumerate(headers):
        cell = _text_cell(sheet, header)
        required = index < len(COLUMNS) and COLUMNS[index].required
        cell.font = REQUIRED_FONT if required else HEADER_FONT
        cell.fill = HEADER_FILL
        header_cells.append(cell)
    sheet.append(header_cells)

    count = 0
    for kindergarten in queryset.select_related(*EXPORT_RELATED).iterator(chunk_size=2000):
        row: list[Any] = []
        for column in COLUMNS:
            value = export_value(column, kindergarten)
            if isinstance(value, str):
                row.append(_text_cell(sheet, value) if value else None)
            elif isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = DATE_FORMAT
                row.append(cell)
            else:
                row.append(value)
        row.append(_text_cell(sheet, kindergarten.district.name))
        sheet.append(row)
        count += 1
    workbook.save(fileobj)
    return count
