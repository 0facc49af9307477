"""Reading spreadsheets users upload, the same way for every import (registry, staff roster, resident
children…), and the pieces their writers share.

- ``check_archive``: refuses anything but a plain .xlsx of sane size before openpyxl sees a byte of
  it (type, size, macros, zip bombs, encryption), with one message per reason, in Chinese.
- ``read_sheet``: the data rows of a sheet whose first row holds the headers of ``SheetSpec.columns``
  (each with ``field`` and ``header``); unknown, repeated, missing or formula headers are refused
  with where; formulas and formula-like text (= + - @ once trimmed) become problems of their rows, so
  every problem of a file is found in one pass; a damaged or crafted file is one message
  (``UNREADABLE``), never an exception.
- ``TEXT_PREFIX`` / ``unescape_text``: what an export writes before text that a spreadsheet would run,
  and how the importer takes it off again.

Limits can be overridden in settings (``ROSTER_IMPORT_MAX_BYTES``…). Nothing here touches the database.
"""

from __future__ import annotations

import contextlib
import io
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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


def header_key(text: Any) -> str:
    """Headers are matched without spaces, required marks or half-width brackets."""
    value = "".join(str(text).split()).rstrip("*＊")
    return value.replace("(", "（").replace(")", "）")


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
    problems: list[Problem] = field(default_factory=list)  # found while reading (formulas)


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


# Excel (and LibreOffice, WPS) read a cell typed as one of these as a formula; a CSV export of the
# data would too. Checked after trimming: " =1+1", "\t=2+2" and "\u3000=1" are formulas to them.
FORMULA_STARTS = ("=", "+", "-", "@")
# What the export writes before such text so that it stays text; the importer removes it again.
TEXT_PREFIX = "'"
UNREADABLE = "无法读取该 Excel 文件，文件可能已损坏。请用 Excel 打开后重新保存再上传。"
# Rows read before the file is refused, blank ones included: a row numbered 1,048,576 (or a lying
# <dimension>) must not make the reader walk a million empty rows.
PHYSICAL_ROWS_FACTOR = 5


def is_formula(cell) -> bool:
    value = cell.value
    return (
        cell.data_type == "f"
        or isinstance(value, (ArrayFormula, DataTableFormula))
        or (isinstance(value, str) and value.startswith("="))
    )


def formula_like(value: Any) -> bool:
    """Text that a spreadsheet would run as a formula once trimmed (``=``, ``+``, ``-``, ``@``)."""
    return isinstance(value, str) and value.strip().startswith(FORMULA_STARTS)


def unescape_text(value: Any) -> Any:
    """The export's ``'=…`` back to ``=…`` (see ``TEXT_PREFIX``); anything else unchanged."""
    if isinstance(value, str) and value.startswith(TEXT_PREFIX) and formula_like(value[len(TEXT_PREFIX) :]):
        return value[len(TEXT_PREFIX) :]
    return value


def formula_problem(number: int, letter: str, column, cell) -> Problem:
    """The problem of a formula, or of text a spreadsheet would run as one, in ``column`` (its ``header``)."""
    where = f"（单元格 {letter}{number}）"
    if cell.data_type == "f" or not isinstance(cell.value, str):
        return Problem(number, column.header, f"单元格含公式{where}，请直接填写数值或文字。")
    first = cell.value.strip()[0]
    return Problem(
        number,
        column.header,
        f"内容以“{first}”开头{where}，表格软件会把它当作公式，请删除开头的“{first}”或改写后重新上传。",
    )


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class SheetSpec:
    """What a reader expects: the sheet (by name, else the first), the columns (``field``, ``header``,
    all required as headers), headers an export adds for information only, and what to say when
    there is no data row."""

    sheet_name: str
    columns: tuple
    empty_message: str
    info_headers: tuple[str, ...] = ()

    @property
    def header_keys(self) -> dict[str, Any]:
        return {header_key(c.header): c for c in self.columns}

    @property
    def info_keys(self) -> set[str]:
        return {header_key(h) for h in self.info_headers}


def read_sheet(data: bytes, *, filename: str, spec: SheetSpec) -> list[RawRow]:
    """The data rows of an uploaded workbook, or ``RosterFileError`` saying why the file is refused.

    Cell-level problems (formulas) stay on their rows (``RawRow.problems``) so that every problem
    of the file is listed in one pass. openpyxl's read-only mode reads lazily: a bad shared-string
    index, a CRC error, corrupt deflate data or malformed XML surface while the rows are iterated,
    so the whole read, not only the open, turns any failure into the one "cannot read" message.
    """
    workbook = None
    try:
        check_archive(data, filename=filename)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; irrelevant here
            # data_only=False: a formula cell then reads as "=…" and can be refused (data_only hides it).
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
            return _read_rows(workbook, spec)
    except RosterFileError:
        raise
    except Exception as exc:  # defusedxml, zlib, KeyError, IndexError…: whatever it is, it is not a usable workbook
        raise RosterFileError(UNREADABLE) from exc
    finally:
        if workbook is not None:
            with contextlib.suppress(Exception):
                workbook.close()


def _read_rows(workbook, spec: SheetSpec) -> list[RawRow]:
    if spec.sheet_name in workbook.sheetnames:
        sheet = workbook[spec.sheet_name]
    elif workbook.worksheets:
        sheet = workbook.worksheets[0]
    else:
        raise RosterFileError("文件中没有工作表。")
    sheet.reset_dimensions()  # the declared dimension may be wrong; read what is there
    max_columns = limit("ROSTER_IMPORT_MAX_COLUMNS")
    header_cells = next(sheet.iter_rows(min_row=1, max_row=1, max_col=max_columns + 1), ())
    positions = match_headers(header_cells, max_columns, spec)
    width = max(positions) + 1
    letters = {position: get_column_letter(position + 1) for position in positions}
    max_rows = limit("ROSTER_IMPORT_MAX_ROWS")
    last_row = PHYSICAL_ROWS_FACTOR * max_rows + 1
    rows: list[RawRow] = []
    for number, cells in enumerate(sheet.iter_rows(min_row=2, max_col=width), start=2):
        if number > last_row:
            raise RosterFileError(
                f"工作表第 {last_row} 行之后仍有内容（可能是大量空行或格式），请删除多余的行后再上传。"
            )
        if not cells or all(blank(c.value) for c in cells):
            continue
        if len(rows) >= max_rows:
            raise RosterFileError(f"数据超过 {max_rows} 行，请拆分成多个文件分批导入。")
        row = RawRow(number=number, cells={})
        for position, column in positions.items():
            cell = cells[position] if position < len(cells) else None
            if cell is None or blank(cell.value):
                row.cells[column.field] = None
                continue
            if is_formula(cell) or formula_like(cell.value):
                row.problems.append(formula_problem(number, letters[position], column, cell))
                row.cells[column.field] = str(cell.value)  # kept for the problems file, written as text
            elif cell.data_type == "e":
                row.errors[column.field] = str(cell.value)
                row.cells[column.field] = str(cell.value)
            else:
                row.cells[column.field] = unescape_text(cell.value)
        rows.append(row)
    if not rows:
        raise RosterFileError(spec.empty_message)
    return rows


def match_headers(header_cells, max_columns: int, spec: SheetSpec) -> dict[int, Any]:
    """Column position -> Column; refuses missing, unknown, repeated or formula headers."""
    problems: list[Problem] = []
    positions: dict[int, Any] = {}
    seen: dict[str, int] = {}
    header_keys, info_keys = spec.header_keys, spec.info_keys
    if len(header_cells) > max_columns and not blank(header_cells[max_columns].value):
        raise RosterFileError(f"列数过多（超过 {max_columns} 列），请使用下载的导入模板。")
    for position, cell in enumerate(header_cells):
        if blank(cell.value):
            continue
        letter = get_column_letter(position + 1)
        if is_formula(cell):
            problems.append(Problem(1, letter, "表头不能是公式。"))
            continue
        key = header_key(cell.value)
        if key in info_keys:
            continue  # read-only information the export adds
        column = header_keys.get(key)
        if column is None:
            problems.append(Problem(1, letter, f"无法识别的列“{str(cell.value).strip()[:30]}”。"))
        elif column.field in seen:
            problems.append(Problem(1, letter, f"列“{column.header}”重复出现（第 {seen[column.field]} 列已有）。"))
        else:
            seen[column.field] = position + 1
            positions[position] = column
    missing = [c.header for c in spec.columns if c.field not in seen]
    if missing:
        problems.append(Problem(1, "", f"缺少列：{'、'.join(missing)}。"))
    if problems:
        raise RosterFileError("表头与导入模板不一致，请使用下载的导入模板（第一行为表头，不要修改）。", problems)
    return positions
