"""Resident children from Excel: all or nothing, every problem by row, bad files refused, never a 500."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from indicators.models import ResidentChildren

HEADERS = ["街道/乡镇", "年度", "3–5 岁常住适龄儿童数", "数据来源", "数据日期", "是否估算"]


def _xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _post(client, cast, data: bytes, name="常住适龄儿童数.xlsx"):
    client.force_login(cast.bureau_staff)
    return client.post(reverse("indicators:resident-import"), {"file": SimpleUploadedFile(name, data)})


def test_a_good_file_saves_every_row(client, cast):
    response = _post(
        client,
        cast,
        _xlsx(
            [
                [cast.town_a.name, 2025, 300, "公安", "2025-01-05", "否"],
                ["西安镇", 2025, 120.0, "卫健", "2025/02/01", "是"],
            ]
        ),
    )
    assert response.status_code == 302
    figures = dict(ResidentChildren.objects.values_list("township__name", "children"))
    assert figures == {cast.town_a.name: 300, "西安镇": 120}
    assert ResidentChildren.objects.get(township__name="西安镇").is_estimate


def test_wrong_headers_refuse_the_file(client, cast):
    response = _post(client, cast, _xlsx([[cast.town_a.name, 2025, 300]], headers=["乡镇名", "年度", "人数"]))
    html = response.content.decode()
    assert response.status_code == 200 and ResidentChildren.objects.count() == 0
    assert "表头不正确" in html and "缺少列" in html and "数据来源" in html and "无法识别的列：乡镇名、人数" in html


def test_every_bad_row_is_named_and_nothing_is_saved(client, cast):
    rows = [
        [cast.town_a.name, 2025, 300, "公安", "2025-01-05", "否"],  # fine, but not saved: others are wrong
        ["西安镇", 2025, -5, "公安", "2025-01-05", ""],
        ["西安镇", 2026, 12.5, "统计", "2025-01-05", ""],
        [cast.town_b.name, 2025, 100, "公安", "2025-01-05", ""],  # another district's township
        ["不存在街道", "二〇二五", 100, "民政", "昨天", "也许"],
    ]
    response = _post(client, cast, _xlsx(rows))
    html = response.content.decode()
    assert response.status_code == 200 and ResidentChildren.objects.count() == 0
    assert "第 3 行" in html and "常住适龄儿童数不能为负数。" in html
    assert "第 4 行" in html and "不能有小数" in html
    assert "第 5 行" in html and f"“{cast.town_b.name}”不是本区县的街道/乡镇" in html
    assert "第 6 行" in html and "本区县没有名为“不存在街道”的街道/乡镇" in html
    assert "年度应为整数。" in html and "数据来源“民政”无法识别" in html and "日期格式不正确" in html
    assert "“是否估算”应填“是”或“否”" in html


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a workbook", "a.xlsx", "文件内容不是 Excel 工作簿"),
        (b"a,b\n", "a.csv", "只接受 Excel 工作簿"),
        (b"PK\x03\x04garbage", "a.xlsx", "文件内容不是 Excel 工作簿"),
        (b"", "a.xlsm", "不接受含宏的文件"),
    ],
)
def test_bad_files_are_refused_with_a_reason(client, cast, data, name, message):
    response = _post(client, cast, data, name=name)
    assert response.status_code == 200 and message in response.content.decode()
    assert ResidentChildren.objects.count() == 0


def test_formulas_and_duplicates_are_problems(client, cast):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([cast.town_a.name, 2025, "=100+200", "公安", "2025-01-05"])
    sheet.append(["西安镇", 2025, 10, "公安", "2025-01-05"])
    sheet.append(["西安镇", 2025, 11, "公安", "2025-01-05"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    html = _post(client, cast, buffer.getvalue()).content.decode()
    assert "单元格含公式" in html and "与第 3 行重复" in html
    assert ResidentChildren.objects.count() == 0


def test_the_template_lists_the_district_townships(client, cast):
    from openpyxl import load_workbook

    client.force_login(cast.bureau_admin)
    response = client.get(reverse("indicators:resident-template"))
    sheet = load_workbook(io.BytesIO(response.content))["常住适龄儿童数"]
    names = {sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)}
    assert cast.town_a.name in names and cast.town_b.name not in names
