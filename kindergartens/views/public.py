"""信息公开: the public disclosure pages. No sign-in; the same page, cached, for every visitor.

What may be shown is decided in ``kindergartens.selectors_public`` and nowhere else. Pages are
rendered without the request (no context processors), so nothing about the visitor, signed in
or not, can reach a page that caches and proxies share between everyone.
"""

from __future__ import annotations

import functools

from django import forms
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.http import require_safe

from core.forms import StyledFormMixin
from core.pagination import paginate, querystring_without_page
from core.registry import panels_for
from kindergartens.models import Nature
from kindergartens.selectors_public import (
    LISTED_NATURES,
    NATURE_INCLUSIVE,
    filter_nature,
    public_district_get,
    public_districts,
    public_inspections,
    public_kindergarten_get,
    public_kindergarten_list,
    public_kindergartens,
    public_levels,
    public_townships,
    public_violations,
    with_inspection_labels,
)

CACHE_SECONDS = 300
NATURE_CHOICES = [
    ("", "全部性质"),
    (NATURE_INCLUSIVE, "普惠性（公办＋普惠性民办）"),
    *[(value, label) for value, label in Nature.choices if value in LISTED_NATURES],
]


def public_page(view):
    """GET/HEAD only (405 otherwise), no sign-in, ``Cache-Control: public, max-age=300``, cached server-side.

    The cache key is the URL (and language), never the visitor: the page does not read the user.
    """
    cached = cache_page(CACHE_SECONDS, key_prefix="public")(cache_control(public=True, max_age=CACHE_SECONDS)(view))

    # No middleware reads the user on /public/ (accounts.middleware.EXEMPT_PREFIXES), so the
    # session stays untouched and SessionMiddleware adds no "Vary: Cookie".
    return require_safe(functools.wraps(view)(cached))


def _render(template: str, context: dict) -> HttpResponse:
    # Deliberately without the request: no context processor (user, messages, CSRF) can run.
    return HttpResponse(render_to_string(template, context))


class PublicFilterForm(StyledFormMixin, forms.Form):
    """Search and filters over one district's public list. Choices come from that district only."""

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "幼儿园名称", "type": "search"}),
    )
    nature = forms.ChoiceField(label="办园性质", required=False, choices=NATURE_CHOICES)
    township = forms.ModelChoiceField(label="街道/乡镇", queryset=None, required=False, empty_label="全部街道/乡镇")
    level = forms.ModelChoiceField(label="等级", queryset=None, required=False, empty_label="全部等级")

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = public_townships(district)
        self.fields["level"].queryset = public_levels(district)

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["q"].strip():
            qs = qs.filter(name__icontains=data["q"].strip())
        qs = filter_nature(qs, data["nature"])
        if data["township"]:
            qs = qs.filter(township=data["township"])
        if data["level"]:
            qs = qs.filter(level=data["level"])
        return qs


class PublicSearchForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "输入幼儿园名称", "type": "search"}),
    )
    nature = forms.ChoiceField(label="办园性质", required=False, choices=NATURE_CHOICES)


@public_page
def public_index(request):
    return _render("public/index.html", {"districts": list(public_districts()), "form": PublicSearchForm()})


@public_page
def public_search(request):
    form = PublicSearchForm(request.GET or None)
    page = None
    query = ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()
        nature = form.cleaned_data["nature"]
        if query or nature:
            qs = filter_nature(public_kindergartens(), nature)
            if query:
                qs = qs.filter(name__icontains=query)
            page = paginate(request, public_kindergarten_list(qs).order_by("district__name", "name", "id"))
            page.object_list = with_inspection_labels(page.object_list)
    return _render(
        "public/search.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "invalid": form.is_bound and not form.is_valid(),
            "querystring": querystring_without_page(request),
        },
    )


@public_page
def public_district(request, pk):
    district = public_district_get(pk)
    form = PublicFilterForm(request.GET or None, district=district)
    qs = public_kindergartens().filter(district=district)
    if form.is_bound:
        qs = form.filter(qs)
    page = paginate(request, public_kindergarten_list(qs).order_by("name", "id"))
    page.object_list = with_inspection_labels(page.object_list)
    nature = form.cleaned_data.get("nature", "") if form.is_bound and form.is_valid() else ""
    return _render(
        "public/district.html",
        {
            "district": district,
            "form": form,
            "page": page,
            "filtered": form.is_bound,
            "invalid": form.is_bound and not form.is_valid(),
            "inclusive_only": nature == NATURE_INCLUSIVE,
            "nature_inclusive": NATURE_INCLUSIVE,
            "querystring": querystring_without_page(request),
        },
    )


@public_page
def public_kindergarten(request, pk):
    kindergarten = public_kindergarten_get(pk)
    return _render(
        "public/kindergarten.html",
        {
            "kindergarten": kindergarten,
            "violations": list(public_violations(kindergarten)),
            "inspections": list(public_inspections(kindergarten)),
            # sections other apps add (e.g. supervision's 挂牌督导), through core's registry
            "panels": panels_for("public-kindergarten", kindergarten=kindergarten),
        },
    )


urlpatterns = [
    path("", public_index, name="index"),
    path("search/", public_search, name="search"),
    path("districts/<int:pk>/", public_district, name="district"),
    path("kindergartens/<int:pk>/", public_kindergarten, name="kindergarten"),
]
