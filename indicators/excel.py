"""The dashboard as a formatted .xlsx (XlsxWriter): the month, the scope, who exported it and when
(Beijing time), every indicator with figure, target, gap, trajectory, numerator and denominator;
a city's file also ranks its districts. Text is written as text, never as a formula."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone

from indicators import dashboard as board
from indicators.selectors import targets_for


def dashboard_xlsx(user, scope, month: datetime.date, today: datetime.date) -> tuple[bytes, str]:
    import xlsxwriter

    cards = board.cards_for(scope, month, today)
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    cell_fmt = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    number = wb.add_format({"border": 1, "num_format": "#,##0.##", "valign": "top"})
    behind = wb.add_format({"border": 1, "font_color": "#9C0006", "bg_color": "#FFC7CE", "num_format": "@"})
    ws = wb.add_worksheet("指标")
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, f"{scope.label}学前教育普及普惠指标（{board.month_label(month)}）", title)
    exported = timezone.localtime().strftime("%Y年%m月%d日 %H:%M")
    ws.write_string(1, 0, f"导出人：{user.display_name}　导出时间：{exported}（北京时间）")
    headers = [
        "指标",
        "本月数值",
        "目标",
        "差距",
        "按计划应达到",
        "进度",
        "分子",
        "分子数值",
        "分母",
        "分母数值",
        "计算公式",
        "说明",
    ]
    widths = [20, 12, 12, 22, 14, 12, 22, 12, 22, 12, 40, 40]
    for index, (text, width) in enumerate(zip(headers, widths, strict=True)):
        ws.write_string(3, index, text, head)
        ws.set_column(index, index, width)
    ws.freeze_panes(4, 1)
    for row, card in enumerate(cards, start=4):
        c, indicator = card.cell, card.indicator
        ws.write_string(row, 0, indicator.name, cell_fmt)
        ws.write_string(row, 1, c.display, cell_fmt)
        ws.write_string(row, 2, c.target_display + (f"（{c.target_year} 年）" if c.target_year else ""), cell_fmt)
        ws.write_string(row, 3, c.gap_display, cell_fmt)
        ws.write_string(row, 4, c.expected_display, cell_fmt)
        ws.write_string(row, 5, c.track_label, behind if c.on_track is False else cell_fmt)
        ws.write_string(row, 6, indicator.numerator_label, cell_fmt)
        _number(ws, row, 7, c.figure.numerator, number, cell_fmt)
        ws.write_string(row, 8, indicator.denominator_label, cell_fmt)
        _number(ws, row, 9, c.figure.denominator, number, cell_fmt)
        ws.write_string(row, 10, indicator.formula, cell_fmt)
        ws.write_string(row, 11, "；".join(c.figure.notes), cell_fmt)
    trend = wb.add_worksheet("近12个月")
    months = [m for m, _v in cards[0].trend] if cards else []
    trend.write_string(0, 0, "指标", head)
    trend.set_column(0, 0, 20)
    for index, m in enumerate(months, start=1):
        trend.write_string(0, index, board.month_label(m), head)
        trend.set_column(index, index, 12)
    for row, card in enumerate(cards, start=1):
        trend.write_string(row, 0, card.indicator.name, cell_fmt)
        for index, (_m, value) in enumerate(card.trend, start=1):
            trend.write_string(row, index, board.display(card.indicator, value), cell_fmt)
    if scope.is_city:
        _frame, figures, _measures = board.compute(scope, [month], today, bys=("district",))
        labels = [(d.pk, d.area_name) for d in scope.districts]
        district_targets = targets_for([d.pk for d in scope.districts])
        ranked_ws = wb.add_worksheet("区县排名")
        ranked_ws.set_column(0, 0, 20)
        ranked_ws.set_column(1, 5, 14)
        row = 0
        for card in cards:
            indicator = card.indicator
            ranked_ws.write_string(row, 0, indicator.name, title)
            row += 1
            for index, text in enumerate(["排名", "区县", "数值", "目标", "差距"]):
                ranked_ws.write_string(row, index, text, head)
            row += 1
            targets = {d.pk: district_targets.get((d.pk, indicator.code), []) for d in scope.districts}
            for r in board.ranking(indicator, figures["district"][indicator.code], labels, month, targets):
                ranked_ws.write_string(row, 0, str(r.rank) if r.rank else "—", cell_fmt)
                ranked_ws.write_string(row, 1, r.label, cell_fmt)
                ranked_ws.write_string(row, 2, r.cell.display, cell_fmt)
                ranked_ws.write_string(row, 3, r.cell.target_display, cell_fmt)
                ranked_ws.write_string(row, 4, r.cell.gap_display, cell_fmt)
                row += 1
            row += 1
    wb.close()
    return buffer.getvalue(), f"{scope.label}普及普惠指标{month:%Y年%m月}.xlsx"


def _number(ws, row, col, value, number_fmt, text_fmt):
    if value is None:
        ws.write_string(row, col, "暂无数据", text_fmt)
    else:
        ws.write_number(row, col, value, number_fmt)
