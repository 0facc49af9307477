"""A submission or a district report as a formatted .xlsx (XlsxWriter, as core's exports use).

Title, district (a city report: the city), month, units, figures, who prepared, submitted and approved it and when (Beijing
time). Every value typed by a person is written as text (``write_string``, formulas and URLs off), so
a "=…" in a remark stays text; figures are numbers. One report is a few dozen cells: it is written in
the request (~20 ms), not as a job.
"""

from __future__ import annotations

import io

from django.utils import timezone

from reports import content as content_rules
from reports.models import Submission, SubmitterLevel
from reports.services import month_label


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _who(user) -> str:
    return user.display_name if user else "—"


def _choice(field: dict, value) -> str:
    return {c[0]: c[1] for c in field.get("choices", [])}.get(value, "")


def submission_xlsx(submission: Submission) -> tuple[bytes, str]:
    """(file bytes, file name) of one submission."""
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    head_fmt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    section_fmt = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    text_fmt = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    number_fmt = wb.add_format({"border": 1, "num_format": "#,##0"})
    decimal_fmt = wb.add_format({"border": 1, "num_format": "#,##0.0"})
    label_fmt = wb.add_format({"bold": True})
    ws = wb.add_worksheet("报表")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 5, 16)

    s = submission
    title = f"{s.submitter_name}{month_label(s.month)}{s.report_type.name}"
    ws.write_string(0, 0, title, title_fmt)
    city = s.report_type.submitter_level == SubmitterLevel.CITY
    info = [
        ("市" if city else "区县", s.district.area_name),
        ("报送单位", s.submitter_name),
        ("报告月份", month_label(s.month)),
        ("截止日期", s.due_date.strftime("%Y-%m-%d")),
        ("状态", s.get_state_display() + ("" if s.on_time is None else ("（按时）" if s.on_time else "（逾期）"))),
        ("填报人", _who(s.prepared_by)),
        ("报送人 / 首次报送时间", f"{_who(s.submitted_by)} / {_when(s.first_submitted_at)}"),
        # A city report goes on to the province outside the portal: nobody here reviews it.
        *([("报送至", s.report_type.receiver_label)] if city else []),
        *([] if city else [("审核人 / 审核时间", f"{_who(s.decided_by)} / {_when(s.decided_at)}")]),
        ("报表版本", f"第 {s.version.number} 版"),
    ]
    row = 2
    for label, value in info:
        ws.write_string(row, 0, label, label_fmt)
        ws.write_string(row, 1, value)
        row += 1
    row += 1
    for section in s.version.content.get("sections", []):
        ws.merge_range(row, 0, row, 2, section["title"], section_fmt)
        row += 1
        ws.write_string(row, 0, "项目", head_fmt)
        ws.write_string(row, 1, "数值", head_fmt)
        ws.write_string(row, 2, "单位", head_fmt)
        row += 1
        for f in section.get("fields", []):
            value = s.data.get(f["key"])
            ws.write_string(row, 0, f["label"], text_fmt)
            if f["kind"] == "number" and isinstance(value, (int, float)):
                ws.write_number(row, 1, value, decimal_fmt if f.get("decimals") else number_fmt)
            elif f["kind"] == "choice":
                ws.write_string(row, 1, _choice(f, value), text_fmt)
            elif f["kind"] == "file":
                ws.write_string(row, 1, (value or {}).get("name", "") if isinstance(value, dict) else "", text_fmt)
            elif f["kind"] == "table":
                ws.write_number(row, 1, len(value or []), number_fmt)
            else:
                ws.write_string(row, 1, "" if value is None else str(value), text_fmt)
            ws.write_string(row, 2, "条" if f["kind"] == "table" else f.get("unit", ""), text_fmt)
            row += 1
            if f["kind"] == "table" and value:
                columns = f.get("columns", [])
                for i, column in enumerate(columns):
                    ws.write_string(row, 1 + i, column["label"], head_fmt)
                row += 1
                for table_row in value:
                    for i, column in enumerate(columns):
                        cell = table_row.get(column["key"])
                        if column["kind"] == "number" and isinstance(cell, (int, float)):
                            ws.write_number(row, 1 + i, cell, number_fmt)
                        elif column["kind"] == "choice":
                            ws.write_string(row, 1 + i, _choice(column, cell), text_fmt)
                        else:
                            ws.write_string(row, 1 + i, "" if cell is None else str(cell), text_fmt)
                    row += 1
        row += 1
    if s.report_type.submitter_level == SubmitterLevel.DISTRICT:
        row = _district_extras(ws, s, row, section_fmt, head_fmt, text_fmt, number_fmt)
    explanations = [(k, v) for k, v in s.explanations.items() if v]
    if explanations:
        ws.merge_range(row, 0, row, 2, "情况说明", section_fmt)
        row += 1
        messages = {r["key"]: r["message"] for r in s.version.content.get("rules", [])}
        fields = content_rules.field_map(s.version.content)
        for key, text in explanations:
            about = messages.get(key) or (
                f"“{fields[key[5:]]['label']}”与上月相比变化较大"
                if key.startswith("jump:") and key[5:] in fields
                else ""
            )
            ws.write_string(row, 0, about, text_fmt)
            ws.write_string(row, 1, text, text_fmt)
            row += 1
    if s.return_reason:
        ws.write_string(row + 1, 0, "退回理由", label_fmt)
        ws.write_string(row + 1, 1, s.return_reason)
    wb.close()
    return buffer.getvalue(), f"{title}.xlsx"


def _district_extras(ws, s: Submission, row: int, section_fmt, head_fmt, text_fmt, number_fmt) -> int:
    for contribution in s.data.get("contributions", []):
        ws.merge_range(row, 0, row, 2, contribution["title"], section_fmt)
        row += 1
        for label, value, unit in contribution.get("rows", []):
            ws.write_string(row, 0, str(label), text_fmt)
            if isinstance(value, (int, float)):
                ws.write_number(row, 1, value, number_fmt)
            else:
                ws.write_string(row, 1, "" if value is None else str(value), text_fmt)
            ws.write_string(row, 2, str(unit), text_fmt)
            row += 1
        if contribution.get("note"):
            ws.write_string(row, 0, str(contribution["note"]), text_fmt)
            row += 1
        row += 1
    missing = s.data.get("missing") or []
    ws.merge_range(row, 0, row, 2, f"未报送的幼儿园（{len(missing)} 所）", section_fmt)
    row += 1
    for name in missing:
        ws.write_string(row, 0, str(name), text_fmt)
        row += 1
    return row + 1
