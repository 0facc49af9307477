"""Rows of the registry's list pages, written in one pass (core.tables)."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.tables import join_rows, url_for_pk


def _changed(label: str, now_label: str, then, current, current_label: str) -> str:
    """A value of the as-of day, with today's value beneath it when it differs."""
    if then == current:
        return escape(label)
    return f'{escape(label)}<div class="small text-muted">{escape(now_label)} {escape(current_label)}</div>'


def kindergarten_list_rows(rows, *, as_of) -> SafeString:
    """The ``<tr>`` of the kindergarten list (templates/kindergartens/list.html); every value escaped."""
    detail = url_for_pk("kindergartens:detail")
    rural, urban = escape(_("乡村")), escape(_("城镇"))
    now_label, unassigned = _("现为"), f'<span class="text-danger">{escape(_("未指派"))}</span>'
    html = []
    for kg in rows:
        if as_of:
            nature = _changed(kg.nature_on_label, now_label, kg.nature_on, kg.nature, kg.nature_label)
            status = _changed(kg.status_on_label, now_label, kg.status_on, kg.status, kg.status_label)
        else:
            nature, status = escape(kg.nature_label), escape(kg.status_label)
        html.append(
            f'<tr><td><a href="{escape(detail.format(kg.pk))}">{escape(kg.name)}</a></td>'
            f"<td>{escape(kg.district_name)}</td>"
            f'<td>{escape(kg.township_name)} <span class="badge text-bg-light">{rural if kg.rural else urban}</span></td>'
            f"<td>{nature}</td><td>{escape(kg.level_name or '—')}</td><td>{status}</td>"
            f'<td class="text-end">{int(kg.capacity)}</td><td class="text-end">{int(kg.enrolled)}</td>'
            f"<td>{escape(kg.supervisor_display) if kg.supervisor_display else unassigned}</td></tr>"
        )
    return join_rows(html)
