"""The shared way to show a page of a long list fast (every app's list pages and API lists).

``page_of_ids``: the count and the page's ids come from the narrow queryset that filters and sorts
(no select-list joins or per-row subqueries, so PostgreSQL computes them for no row it does not
show and an index can give the order); then ``load(ids)`` fetches just those rows with everything the
page shows, and they are put back in the page's order. A 50-row page thus costs the same at 3,000
and at 100,000 rows, apart from the count.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import get_language


def page_of_ids(request, queryset: QuerySet, *, load: Callable[[list], Iterable], per_page: int | None = None) -> Page:
    """A page (``?page=``; junk or out-of-range pages fall back to the nearest) whose ``object_list``
    is ``load(ids)`` in the order of ``queryset``."""
    paginator = Paginator(queryset.values_list("pk", flat=True), per_page or settings.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    if not ids:
        page.object_list = []
        return page
    rows = {obj.pk: obj for obj in load(ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


@functools.cache
def _labels(choices, language: str) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def choice_labels(choices) -> dict[str, str]:
    """value -> label of a TextChoices class in the active language, built once per language
    (``get_FOO_display`` rebuilds a dict of lazy labels on every call)."""
    return _labels(choices, get_language() or settings.LANGUAGE_CODE)
