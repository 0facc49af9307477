"""kindergartens/excel.py: what files are refused, how cells become values, the template itself."""

import datetime
import decimal
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from kindergartens import excel
from kindergartens.excel import COLUMNS, RosterFileError, Vocabulary, check_archive, clean_row, read_roster
from tests.kindergartens.fixtures_excel import (
    add_entry,
    build_roster,
    credit_code,
    header,
    macro_enabled,
    replace_entry,
    row,
    zip_bomb,
)

VOCABULARY = Vocabulary(
    townships={"大洼街道": 1, "西安镇": 2}, groups={"第一协作组": 7}, levels={"五星": 3}, credit_grades={"A 级": 11}
)


def refusal(data: bytes, filename: str = "名册.xlsx") -> RosterFileError:
    with pytest.raises(RosterFileError) as info:
        read_roster(data, filename=filename)
    return info.value


def cleaned(**values):
    [raw] = read_roster(build_roster([row(1, **values)]), filename="名册.xlsx")
    return clean_row(raw, VOCABULARY)


# --- files refused as a whole ------------------------------------------------------------


def test_a_text_file_named_xlsx_is_refused():
    error = refusal("统一社会信用代码,园所名称\n".encode())
    assert "不是 Excel 工作簿" in error.message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "不是 Excel 工作簿" in refusal(buffer.getvalue()).message


def test_a_truncated_zip_is_refused():
    data = build_roster([row(1)])
    assert "不是 Excel 工作簿" in refusal(data[: len(data) // 2]).message


def test_a_damaged_workbook_is_refused():
    data = build_roster([row(1)])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != "xl/workbook.xml":
                target.writestr(info, source.read(info.filename))
    assert "无法读取" in refusal(buffer.getvalue()).message


@pytest.mark.parametrize("filename", ["名册.xlsm", "名册.XLSM", "名册.xltm"])
def test_macro_enabled_extensions_are_refused(filename):
    assert "宏" in refusal(build_roster([row(1)]), filename=filename).message


@pytest.mark.parametrize("filename", ["名册.xls", "名册.csv", "名册"])
def test_other_extensions_are_refused(filename):
    assert ".xlsx" in refusal(build_roster([row(1)]), filename=filename).message


def test_a_vba_project_inside_an_xlsx_is_refused():
    data = add_entry(build_roster([row(1)]), "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really")
    assert "宏" in refusal(data).message


def test_a_macro_enabled_content_type_is_refused():
    assert "宏" in refusal(macro_enabled(build_roster([row(1)]))).message


def test_an_oversized_file_is_refused(settings):
    data = build_roster([row(1)])
    settings.ROSTER_IMPORT_MAX_BYTES = len(data) - 1
    error = refusal(data)
    assert "文件过大" in error.message


def test_a_zip_bomb_over_the_total_size_is_refused():
    data = zip_bomb(120)
    assert len(data) < 1024 * 1024  # small on the wire…
    assert "解压后过大" in refusal(data).message  # …and refused before anything inflates it


def test_a_zip_bomb_with_a_high_ratio_is_refused():
    assert "压缩比异常" in refusal(zip_bomb(20)).message


def test_too_many_zip_entries_are_refused(settings):
    settings.ROSTER_IMPORT_MAX_ENTRIES = 5
    assert "文件过多" in refusal(build_roster([row(1)])).message


def test_a_plain_template_workbook_passes_the_archive_checks():
    check_archive(build_roster([row(1)]), filename="名册.xlsx")  # no exception


# --- headers -------------------------------------------------------------------------------


def test_missing_headers_are_named():
    headers = [c.header for c in COLUMNS if c.field not in ("township", "capacity")]
    error = refusal(build_roster([row(1)], headers=headers))
    assert "表头" in error.message
    [problem] = error.problems
    assert problem.row == 1
    assert "街道/乡镇*" in problem.message and "学位数" in problem.message


def test_unknown_and_repeated_headers_are_named_with_their_column():
    headers = [c.header for c in COLUMNS] + ["备注", header("name")]
    error = refusal(build_roster([row(1)], headers=headers))
    messages = {(p.column, p.message) for p in error.problems}
    assert ("Y", "无法识别的列“备注”。") in messages
    assert ("Z", "列“园所名称*”重复出现（第 2 列已有）。") in messages


def test_headers_in_any_order_with_or_without_marks_are_accepted():
    columns = list(reversed(COLUMNS))
    values = row(1)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([f" {c.label.replace('（', '(').replace('）', ')')} " for c in columns])
    sheet.append([values.get(c.field) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [raw] = read_roster(buffer.getvalue(), filename="名册.xlsx")
    assert raw.cells["credit_code"] == credit_code(1)
    assert raw.cells["fee_monthly"] == 800


def test_the_district_column_of_an_export_is_ignored():
    headers = [c.header for c in COLUMNS] + ["所属区县"]
    [raw] = read_roster(build_roster([{**row(1), "所属区县": "大洼区教育局"}], headers=headers), filename="a.xlsx")
    assert "所属区县" not in raw.cells


def test_too_many_columns_are_refused(settings):
    settings.ROSTER_IMPORT_MAX_COLUMNS = 10
    assert "列数过多" in refusal(build_roster([row(1)])).message


# --- rows ----------------------------------------------------------------------------------


def row_problems(data: bytes) -> list[tuple[int, str]]:
    """(row, column) of every problem clean_row finds, in file order."""
    found = []
    for raw in read_roster(data, filename="名册.xlsx"):
        _values, problems = clean_row(raw, VOCABULARY)
        found += [(p.row, p.column) for p in problems]
    return found


def test_formula_cells_are_row_problems_with_row_and_column():
    data = build_roster([row(1), row(2, capacity="=100+80", name='=HYPERLINK("http://x")')], raw_formulas=True)
    rows = read_roster(data, filename="名册.xlsx")
    _values, problems = clean_row(rows[1], VOCABULARY)
    assert {(p.row, p.column) for p in problems} == {(3, "学位数"), (3, "园所名称*")}
    assert all("公式" in p.message for p in problems)
    assert any("单元格 N3" in p.message for p in problems)  # the cell, as Excel names it


def test_text_starting_with_equals_is_refused_like_a_formula():
    assert row_problems(build_roster([row(1, principal_name="=1+1")])) == [(2, "园长姓名")]


@pytest.mark.parametrize(
    "text",
    [" =1+1", "\t=2+2", "\u3000=1+1", "\n=1", "+1+1", "-2+3", "@SUM(A1)", " +86 138", "\u3000@x", "-"],
)
def test_leading_whitespace_or_plus_minus_at_do_not_bypass_the_formula_check(text):
    [raw] = read_roster(build_roster([row(1, principal_name=text)]), filename="名册.xlsx")
    _values, problems = clean_row(raw, VOCABULARY)
    [problem] = problems
    assert (problem.row, problem.column) == (2, "园长姓名")
    assert f"内容以“{text.strip()[0]}”开头（单元格 Q2）" in problem.message


def test_a_negative_number_cell_is_a_number_not_a_formula():
    [raw] = read_roster(build_roster([row(1, capacity=-5, fee_monthly=-1.5)]), filename="名册.xlsx")
    _values, problems = clean_row(raw, VOCABULARY)
    assert [(p.column, p.message) for p in problems] == [
        ("学位数", "应填写不小于 0 的整数。"),
        ("保教费（元/月）", "应填写金额数字（元/月），最多两位小数。"),
    ]


def test_the_exports_quote_prefix_is_read_back_as_the_text():
    [raw] = read_roster(build_roster([row(1, principal_name="'=1+1", address="'地址")]), filename="名册.xlsx")
    assert raw.problems == []
    assert raw.cells["principal_name"] == "=1+1"
    assert raw.cells["address"] == "'地址"  # a quote before anything else is the user's own text


def test_a_formula_does_not_hide_the_other_problems_of_the_file():
    rows = [
        row(1, capacity="=90*2"),
        row(2, nature="私立"),
        row(3, township="红旗街道", principal_name="+1"),
        row(4, fee_monthly="很多"),
    ]
    assert row_problems(build_roster(rows, raw_formulas=True)) == [
        (2, "学位数"),
        (3, "办园性质*"),
        (4, "街道/乡镇*"),
        (4, "园长姓名"),
        (5, "保教费（元/月）"),
    ]


def test_cached_values_do_not_hide_a_formula():
    """A workbook saved by Excel keeps the formula and its last value: the formula still counts."""
    data = build_roster([row(1)])
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = source.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="N2" t="n"><v>180</v></c>' in sheet
    sheet = sheet.replace('<c r="N2" t="n"><v>180</v></c>', '<c r="N2"><f>90*2</f><v>180</v></c>')
    assert row_problems(replace_entry(data, "xl/worksheets/sheet1.xml", sheet.encode())) == [(2, "学位数")]


# --- crafted and damaged files: never an exception, always the "cannot read" refusal ----------------

SHEET = "xl/worksheets/sheet1.xml"


def _sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(SHEET).decode()


def test_a_shared_string_index_past_the_table_is_refused():
    data = build_roster([row(n) for n in range(1, 4)])
    sheet = _sheet_xml(data)
    sheet = sheet.replace('<c r="K3" t="inlineStr"><is><t>测试路2号</t></is></c>', '<c r="K3" t="s"><v>99999</v></c>')
    assert 't="s"><v>99999' in sheet
    assert "无法读取" in refusal(replace_entry(data, SHEET, sheet.encode())).message


def _stored(data: bytes) -> bytes:
    """The same workbook with every entry stored (not compressed), so bytes can be changed in place."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename), compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def test_a_crc_mismatch_late_in_the_sheet_is_refused():
    data = _stored(build_roster([row(n) for n in range(1, 40)]))
    position = data.rindex("测试路38号".encode())
    damaged = data[:position] + "测试路39号".encode() + data[position + len("测试路38号".encode()) :]
    assert len(damaged) == len(data)
    assert "无法读取" in refusal(damaged).message


def test_corrupt_deflate_data_in_the_sheet_is_refused():
    data = build_roster([row(n) for n in range(1, 200)])
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size * 3 // 4
    damaged = data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 64]) + data[middle + 64 :]
    assert "无法读取" in refusal(damaged).message


def test_malformed_xml_late_in_the_sheet_is_refused():
    data = build_roster([row(n) for n in range(1, 50)])
    sheet = _sheet_xml(data).replace(
        "</sheetData>", '<row r="60"><c r="A60" t="inlineStr"><is><t>x</t></c></sheetData>'
    )
    assert "无法读取" in refusal(replace_entry(data, SHEET, sheet.encode())).message


def test_a_sheet_far_larger_than_its_declared_size_is_refused_quickly(settings):
    """<dimension> says A1:X3; the sheet goes on to row 1,048,576. The reader stops at its own cap."""
    import time

    data = build_roster([row(1), row(2)])
    sheet = _sheet_xml(data)
    assert '<dimension ref="A1:X3" />' in sheet
    sheet = sheet.replace(
        "</sheetData>", '<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>最后一行</t></is></c></row></sheetData>'
    )
    started = time.monotonic()
    error = refusal(replace_entry(data, SHEET, sheet.encode()))
    assert time.monotonic() - started < 5
    assert "之后仍有内容" in error.message


def test_blank_rows_within_the_cap_are_still_skipped():
    data = build_roster([row(1)])
    sheet = _sheet_xml(data).replace(
        "</sheetData>", '<row r="5000"><c r="B5000" t="inlineStr"><is><t>园</t></is></c></row></sheetData>'
    )
    rows = read_roster(replace_entry(data, SHEET, sheet.encode()), filename="名册.xlsx")
    assert [r.number for r in rows] == [2, 5000]


def _mutations(data: bytes, rng):
    """Truncations, flipped bytes and swapped parts of a good workbook."""
    for _ in range(60):
        yield data[: rng.randrange(len(data))]
    for _ in range(120):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
        yield bytes(mutated)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = [i.filename for i in archive.infolist()]
    for _ in range(40):
        first, second = rng.sample(names, 2)
        swapped = replace_entry(data, first, archive.read(second))
        yield replace_entry(swapped, second, archive.read(first))
    stored = _stored(data)
    for _ in range(60):  # flipped bytes in uncompressed XML: malformed markup, bad numbers, bad references
        mutated = bytearray(stored)
        position = rng.randrange(len(mutated))
        mutated[position] = rng.choice(b'<>"=/ 0123456789ABCDEFXYZrstvc\x00\xff')
        yield bytes(mutated)


def test_fuzzed_workbooks_never_raise_anything_but_a_refusal():
    import random

    rng = random.Random(20260301)
    data = build_roster([row(n, principal_since=datetime.date(2020, 9, 1)) for n in range(1, 30)])
    outcomes = {"rows": 0, "refused": 0}
    for mutated in _mutations(data, rng):
        try:
            rows = read_roster(mutated, filename="名册.xlsx")
        except RosterFileError as exc:
            assert exc.message and not exc.message.isascii()
            outcomes["refused"] += 1
            continue
        for raw in rows:
            clean_row(raw, VOCABULARY)  # nothing here may raise either
        outcomes["rows"] += 1
    assert outcomes["refused"] > 100 and outcomes["rows"] > 0, outcomes


def test_rows_are_numbered_as_excel_shows_them_and_blank_rows_are_skipped():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.header for c in COLUMNS])
    sheet.append([])
    sheet.append(["   "])
    sheet.cell(row=5, column=2, value="只有名称")
    buffer = io.BytesIO()
    workbook.save(buffer)
    [raw] = read_roster(buffer.getvalue(), filename="a.xlsx")
    assert raw.number == 5
    assert raw.cells["name"] == "只有名称"


def test_an_empty_roster_is_refused():
    assert "没有数据" in refusal(build_roster([])).message


def test_too_many_rows_are_refused(settings):
    settings.ROSTER_IMPORT_MAX_ROWS = 3
    assert len(read_roster(build_roster([row(n) for n in range(3)]), filename="a.xlsx")) == 3
    assert "超过 3 行" in refusal(build_roster([row(n) for n in range(4)])).message


def test_the_roster_sheet_is_found_by_name_even_when_not_first():
    workbook = Workbook()
    workbook.active.title = "封面"
    sheet = workbook.create_sheet(excel.SHEET_ROSTER)
    sheet.append([c.header for c in COLUMNS])
    sheet.append([credit_code(1), "某园"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [raw] = read_roster(buffer.getvalue(), filename="a.xlsx")
    assert raw.cells["name"] == "某园"


def test_an_error_cell_is_a_row_problem():
    data = build_roster([row(1)])
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = source.read("xl/worksheets/sheet1.xml").decode()
    sheet = sheet.replace('<c r="N2" t="n"><v>180</v></c>', '<c r="N2" t="e"><v>#N/A</v></c>')
    [raw] = read_roster(replace_entry(data, "xl/worksheets/sheet1.xml", sheet.encode()), filename="a.xlsx")
    _values, problems = clean_row(raw, VOCABULARY)
    assert [(p.row, p.column, p.message) for p in problems] == [
        (2, "学位数", "单元格为错误值 #N/A，请填写正确的内容。")
    ]


# --- cell values ---------------------------------------------------------------------------


def test_a_valid_row_becomes_record_values():
    values, problems = cleaned(
        level="五星", collaboration_group="第一协作组", credit_rating="A 级", party_organisation="独立党组织"
    )
    assert problems == []
    assert values["credit_code"] == credit_code(1)
    assert values["township"] == 1
    assert values["nature"] == "public"
    assert values["status"] == "operating"
    assert values["level"] == 3
    assert values["collaboration_group"] == 7
    assert values["credit_rating"] == 11
    assert values["party_organisation"] == "independent"
    assert values["fee_monthly"] == decimal.Decimal("800.00")
    assert values["fee_government_guided"] is True
    assert values["has_parent_committee"] is False
    assert values["licence_number"] == ""  # blank optional text clears
    assert values["principal_since"] is None


def test_credit_codes_are_normalised_and_checked():
    values, problems = cleaned(credit_code=" " + credit_code(1).lower()[:9] + " " + credit_code(1).lower()[9:])
    assert problems == [] and values["credit_code"] == credit_code(1)
    bad = credit_code(1)[:-1] + ("0" if credit_code(1)[-1] != "0" else "1")
    _values, problems = cleaned(credit_code=bad)
    assert [(p.column, p.message) for p in problems] == [
        ("统一社会信用代码*", "统一社会信用代码校验位不正确，请核对后重新填写。")
    ]
    _values, problems = cleaned(credit_code=9.12101000000000e17)
    assert "文本" in problems[0].message


def test_required_columns_must_not_be_blank():
    _values, problems = cleaned(credit_code=None, name="  ", township=None, nature=None)
    assert [p.column for p in problems] == ["统一社会信用代码*", "园所名称*", "街道/乡镇*", "办园性质*"]
    assert {p.message for p in problems} == {"必填项，不能为空。"}


def test_keep_if_blank_columns_are_left_out_when_blank():
    values, problems = cleaned(status=None, schedule=None, capacity=None, fee_government_guided=None)
    assert problems == []
    assert not {"status", "schedule", "capacity", "fee_government_guided"} & set(values)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime.datetime(2024, 9, 1), datetime.date(2024, 9, 1)),  # noqa: DTZ001 - Excel dates are naive
        ("2024-09-01", datetime.date(2024, 9, 1)),
        ("2024/9/1", datetime.date(2024, 9, 1)),
        ("2024年9月1日", datetime.date(2024, 9, 1)),
        (20240901, datetime.date(2024, 9, 1)),
        (45536, datetime.date(2024, 9, 1)),  # a date cell that lost its date format
    ],
)
def test_dates_accept_excel_dates_and_text(cell, expected):
    values, problems = cleaned(principal_since=cell)
    assert problems == []
    assert values["principal_since"] == expected


@pytest.mark.parametrize("cell", ["2024-13-01", "明年", "1800-01-01", -5])
def test_bad_dates_are_problems(cell):
    _values, problems = cleaned(principal_since=cell)
    assert [p.column for p in problems] == ["园长任职日期"]


@pytest.mark.parametrize(("cell", "expected"), [(200, 200), (200.0, 200), ("1,200", 1200), (" 35 ", 35)])
def test_capacity_accepts_whole_numbers(cell, expected):
    values, problems = cleaned(capacity=cell)
    assert problems == [] and values["capacity"] == expected


@pytest.mark.parametrize("cell", [-1, 2.5, "很多", 10**7])
def test_capacity_refuses_anything_else(cell):
    _values, problems = cleaned(capacity=cell)
    assert [p.column for p in problems] == ["学位数"]


@pytest.mark.parametrize(
    ("cell", "expected"), [(1200.5, "1200.50"), ("1,500元", "1500.00"), (0, "0.00"), ("99.999", None), (-3, None)]
)
def test_fees_are_amounts_with_two_decimals(cell, expected):
    values, problems = cleaned(fee_monthly=cell)
    if expected is None:
        assert [p.column for p in problems] == ["保教费（元/月）"]
    else:
        assert problems == [] and values["fee_monthly"] == decimal.Decimal(expected)


def test_yes_no_columns():
    values, problems = cleaned(fee_government_guided=" 否 ", has_parent_committee=True)
    assert problems == [] and values["fee_government_guided"] is False and values["has_parent_committee"] is True
    _values, problems = cleaned(has_parent_committee="有")
    assert [(p.column, p.message) for p in problems] == [("家长委员会", "请填写“是”或“否”。")]


def test_vocabularies_accept_labels_and_say_what_is_allowed():
    values, problems = cleaned(nature="普惠性民办", inclusive_recognised_on="2023-09-01")
    assert problems == [] and values["nature"] == "inclusive_private"
    _values, problems = cleaned(nature="私立")
    assert problems[0].message.startswith("“私立”不是有效的办园性质，可选：公办、普惠性民办")


def test_township_group_and_level_must_be_the_districts_own():
    _values, problems = cleaned(township="红旗街道", collaboration_group="第九协作组", level="一级一类")
    assert [(p.column, p.message) for p in problems] == [
        ("街道/乡镇*", "本区没有名为“红旗街道”的街道/乡镇，请从下拉列表中选择。"),
        ("等级", "本省没有名为“一级一类”的等级，请从下拉列表中选择。"),
        ("协作组", "本区没有名为“第九协作组”的协作组，请从下拉列表中选择。"),
    ]


def test_inclusive_private_needs_its_recognition_date():
    _values, problems = cleaned(nature="普惠性民办")
    assert [(p.column, p.message) for p in problems] == [
        ("普惠性民办认定日期", "办园性质为“普惠性民办”时必须填写认定日期。")
    ]


def test_text_longer_than_the_field_is_a_problem():
    _values, problems = cleaned(principal_name="张" * 51)
    assert [(p.column, p.message) for p in problems] == [("园长姓名", "内容过长（51 字），最多 50 字。")]


def test_numbers_in_text_columns_become_text():
    values, problems = cleaned(licence_number=20240001, name="  第一幼儿园 ")
    assert problems == [] and values["licence_number"] == "20240001" and values["name"] == "第一幼儿园"


# --- the template ------------------------------------------------------------------------------


def make_template(**kwargs) -> bytes:
    buffer = io.BytesIO()
    options = {
        "townships": ["大洼街道", "西安镇"],
        "groups": ["第一协作组"],
        "levels": ["五星", "四星"],
        "credit_grades": ["A 级", "B 级"],
    }
    options.update(kwargs)
    excel.write_template(buffer, **options)
    return buffer.getvalue()


def test_template_has_the_headers_frozen_and_sized():
    workbook = load_workbook(io.BytesIO(make_template()))
    assert workbook.sheetnames == [excel.SHEET_ROSTER, excel.SHEET_LISTS, excel.SHEET_HELP]
    sheet = workbook[excel.SHEET_ROSTER]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert 24 <= sheet.column_dimensions["A"].width < 25  # 24 characters, plus the writer's padding
    assert sheet.column_dimensions["A"].number_format == "@"  # codes stay text when typed
    assert workbook[excel.SHEET_LISTS].sheet_state == "hidden"
    help_text = " ".join(str(c.value) for r in workbook[excel.SHEET_HELP].iter_rows() for c in r if c.value)
    assert "统一社会信用代码" in help_text and "公式" in help_text


def test_template_dropdowns_cover_every_vocabulary_column():
    workbook = load_workbook(io.BytesIO(make_template()))
    sheet = workbook[excel.SHEET_ROSTER]
    validations = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    letters = {c.field: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    expected = {
        "township",
        "nature",
        "status",
        "sponsor",
        "schedule",
        "level",
        "fee_government_guided",
        "has_parent_committee",
        "party_organisation",
        "credit_rating",
        "collaboration_group",
    }
    assert set(validations) == {f"list_{f}" for f in expected}
    for field in expected:
        assert validations[f"list_{field}"] == f"{letters[field]}2:{letters[field]}20001"

    def listed(name):
        [(title, cells)] = list(workbook.defined_names[name].destinations)
        return [c.value for c in workbook[title][cells.replace("$", "")] for c in c]

    assert listed("list_township") == ["大洼街道", "西安镇"]
    assert listed("list_level") == ["五星", "四星"]
    assert listed("list_credit_rating") == ["A 级", "B 级"]
    assert listed("list_nature") == ["公办", "普惠性民办", "非普惠性民办", "社区办园点", "无证园"]
    assert listed("list_has_parent_committee") == ["是", "否"]


def test_long_lists_live_in_the_hidden_sheet():
    """Excel limits an inline list to 255 characters; a district may have many townships."""
    townships = [f"第{n}街道办事处" for n in range(120)]
    workbook = load_workbook(io.BytesIO(make_template(townships=townships)))
    sheet = workbook[excel.SHEET_ROSTER]
    [dv] = [dv for dv in sheet.data_validations.dataValidation if dv.formula1 == "list_township"]
    [(title, cells)] = list(workbook.defined_names["list_township"].destinations)
    assert title == excel.SHEET_LISTS and cells.endswith("$121")


def test_an_empty_vocabulary_gets_no_dropdown():
    workbook = load_workbook(io.BytesIO(make_template(groups=[])))
    formulas = {dv.formula1 for dv in workbook[excel.SHEET_ROSTER].data_validations.dataValidation}
    assert "list_collaboration_group" not in formulas


def test_the_blank_template_reads_back_as_an_empty_roster():
    assert "没有数据" in refusal(make_template()).message
