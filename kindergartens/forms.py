from __future__ import annotations

import calendar
import datetime
import re

from django import forms
from django.db.models import Case, Q, Value, When
from django.forms.models import model_to_dict
from django.utils.choices import BaseChoiceIterator

from accounts.roles import Role
from core.cache import lookup_many, store
from core.db.compiled import ShapedQuery
from core.forms import StyledFormMixin
from kindergartens.access import (
    bureaus_visible_to,
    groups_visible_to,
    levels_visible_to,
    townships_visible_to,
)
from kindergartens.models import (
    INCLUSIVE_NATURES,
    OPERATING_STATUSES,
    AnnualInspectionResult,
    Bureau,
    ClassType,
    CollaborationGroup,
    CreditGrade,
    Kindergarten,
    Level,
    Nature,
    Status,
    Township,
)
from kindergartens.validators import normalise_credit_code, validate_credit_code

# Extra filter values over the vocabularies: the two questions reports ask most.
INCLUSIVE = "inclusive"  # 普惠性 = 公办 + 普惠性民办
ACTIVE = "active"  # 办园中 = 在办 + 整改 (they enrol children)

# sort key -> order_by; with an as-of month, "nature" and "status" sort by the values then.
SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "district": ("district__name", "name", "id"),
    "township": ("township__name", "name", "id"),
    "nature": ("nature", "name", "id"),
    "status": ("status", "name", "id"),
    "capacity": ("capacity", "name", "id"),
    "-capacity": ("-capacity", "name", "id"),
}
SORT_CHOICES = [
    ("name", "名称"),
    ("-name", "名称（倒序）"),
    ("district", "区县"),
    ("township", "街道/乡镇"),
    ("nature", "性质"),
    ("status", "状态"),
    ("capacity", "学位数（从少到多）"),
    ("-capacity", "学位数（从多到少）"),
]
MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def month_end(value: str) -> datetime.date | None:
    """``2025-03`` -> 2025-03-31 (a month is judged by its last day); None for anything else."""
    match = MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1990 <= year <= 2100 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


class CachedChoices(BaseChoiceIterator):
    """Options of a select, read from the cache (core.cache) when the select is rendered: a
    BaseChoiceIterator, so Django keeps it as it is instead of reading it to normalise the choices
    when the form is built (a form that only filters never reads them). Selects read together
    (``read_together``) are read in one round trip to the cache when the first is rendered."""

    def __init__(self, key: str, build, depends_on, empty_label, extra=None):
        self.key, self.build, self.depends_on, self.empty_label, self.extra = key, build, depends_on, empty_label, extra
        self.together: list[CachedChoices] = [self]

    def including(self, queryset) -> CachedChoices:
        """These options plus the rows of ``queryset`` not among them (the value the user chose)."""
        return type(self)(self.key, self.build, self.depends_on, self.empty_label, extra=queryset)

    @staticmethod
    def read_together(choices: list) -> None:
        """The first of ``choices`` rendered reads the options of all of them (one round trip)."""
        members = [c for c in choices if isinstance(c, CachedChoices)]
        for member in members:
            member.together = members

    def _read_all(self) -> None:
        unread = [c for c in self.together if getattr(c, "_options", None) is None and c.key]
        for member, (found, value, stamp) in zip(
            unread, lookup_many([(c.key, c.depends_on) for c in unread]), strict=True
        ):
            if not found:
                value = member.build()
                if value is not None:
                    store(member.key, stamp, value)
            member._options = value

    def __iter__(self):
        # Read once per form (a form lives for one request): a select may be walked more than once.
        options = getattr(self, "_read", None)
        if options is None:
            if not self.key:
                options = []
            else:
                if getattr(self, "_options", None) is None:
                    self._read_all()
                options = self._options
            if self.extra is not None:
                known = {str(value) for value, _label in options}
                options = [*options, *((o.pk, str(o)) for o in self.extra if str(o.pk) not in known)]
            options = self._read = [("", self.empty_label), *options]
        return iter(options)


class KindergartenFilterForm(StyledFormMixin, forms.Form):
    """Search, filters and sort of the kindergarten list (also usable by exports: ``filter(qs)``).

    With ``as_of`` (YYYY-MM) the list shows kindergartens that existed at that month's end,
    annotated with ``status_then`` and ``nature_then``, and the nature/status filters apply to
    those values: "which were operating, and which were 普惠, in March 2025".
    """

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "园所名称或统一社会信用代码", "type": "search"}),
    )
    district = forms.ModelChoiceField(
        label="区县", queryset=Bureau.objects.none(), required=False, empty_label="全部区县"
    )
    township = forms.ModelChoiceField(label="街道/乡镇", queryset=None, required=False, empty_label="全部街道/乡镇")
    nature = forms.ChoiceField(
        label="办园性质",
        required=False,
        choices=[("", "全部性质"), (INCLUSIVE, "普惠性（公办＋普惠性民办）"), *Nature.choices],
    )
    status = forms.ChoiceField(
        label="办园状态",
        required=False,
        choices=[("", "全部状态"), (ACTIVE, "办园中（在办＋整改）"), *Status.choices],
    )
    level = forms.ModelChoiceField(label="等级", queryset=None, required=False, empty_label="全部等级")
    area = forms.ChoiceField(
        label="城乡", required=False, choices=[("", "城乡不限"), ("urban", "城镇"), ("rural", "乡村")]
    )
    group = forms.ModelChoiceField(label="协作组", queryset=None, required=False, empty_label="全部协作组")
    as_of = forms.CharField(
        label="查看历史月份",
        required=False,
        max_length=7,
        help_text="按该月最后一天的办园状态和性质显示",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    sort = forms.ChoiceField(label="排序", required=False, choices=SORT_CHOICES)

    # Where each option list comes from: the access layer, so a foreign id is simply "not a valid choice".
    OPTION_SOURCES = {
        "district": (Bureau, lambda user: bureaus_visible_to(user).filter(level=Bureau.Level.DISTRICT)),
        "township": (Township, lambda user: townships_visible_to(user).order_by("name")),
        "level": (Level, lambda user: levels_visible_to(user).order_by("-rank", "name")),
        "group": (CollaborationGroup, lambda user: groups_visible_to(user).order_by("name")),
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The rendered options change a few times a year: they are read from the cache (core.cache)
        # when the bar is rendered, keyed by what decides the scope. A field is validated against
        # its scoped queryset only when the request gives it a value.
        self._scope = f"{user.role}:{user.bureau_id}:{user.kindergarten_id}"
        for name, (model, build) in self.OPTION_SOURCES.items():
            field = self.fields[name]
            if self.is_bound and self.data.get(name):
                field.queryset = build(user)
            self._offer(name, lambda build=build: build(user), model, key=self._scope)
        if user.role == Role.CITY_VIEWER:
            self._offer_only_the_chosen_district()
        CachedChoices.read_together([self.fields[name].widget.choices for name in self.OPTION_SOURCES])

    def _offer(self, name: str, rows, model, *, key: str) -> None:
        """Offer ``rows()`` as the options of ``name``, read from the cache when the form is rendered
        (a form that only filters, as the export does, never builds them)."""
        field = self.fields[name]
        field.widget.choices = CachedChoices(
            f"kg-filter:{name}:{key}", lambda: [(o.pk, str(o)) for o in rows()], (model,), field.empty_label
        )

    def _offer_only_the_chosen_district(self) -> None:
        """A city has hundreds of townships and groups: offer those of the chosen district only.

        Validation still accepts any township or group of the city (the querysets); only the
        rendered options shrink, which keeps the city-wide list page fast.
        """
        district = self.data.get("district") if self.is_bound else None
        for name in ("township", "group"):
            field = self.fields[name]
            model, build = self.OPTION_SOURCES[name]
            if str(district or "").isdigit():
                self._offer(
                    name,
                    lambda build=build: build(self.user).filter(district_id=district),
                    model,
                    key=f"{self._scope}:{district}",
                )
            else:
                field.widget.choices = CachedChoices("", list, (), field.empty_label)
            chosen = self.data.get(name) if self.is_bound else None
            if str(chosen or "").isdigit():
                field.widget.choices = field.widget.choices.including(build(self.user).filter(pk=chosen))

    def clean_as_of(self) -> datetime.date | None:
        value = self.cleaned_data["as_of"]
        if not value:
            return None
        day = month_end(value)
        if day is None:
            raise forms.ValidationError("月份格式应为“年-月”，例如 2025-03。")
        return day

    @property
    def as_of_date(self) -> datetime.date | None:
        return self.cleaned_data.get("as_of") if self.is_bound and self.is_valid() else None

    def filter(self, qs):
        """Apply the filters to an already scoped queryset; invalid filters give nothing, not everything."""
        spec = self.spec()
        if spec is None:
            return qs.none()
        shape, values = spec
        return apply_filters(qs, shape, **values)

    def spec(self) -> tuple[tuple, dict] | None:
        """The filters as ``(shape, values)`` for ``apply_filters`` (None when they are invalid): the
        shape is what decides the query's SQL (which filters are set, the vocabularies' values, the
        sort), the values are its parameters (ids, the search text, the day). The list page compiles
        each shape once (kindergarten_list_ids)."""
        from core.db.compiled import Like
        from kindergartens.selectors import _settled, name_search_terms

        if not self.is_bound:  # no filters: everything in the scope, by name
            return (None, (), "", None, None, False, "name"), {}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        values: dict = {}
        search = None
        q = data["q"].strip()
        if q:
            lookup, text, code = name_search_terms(q)
            search = (lookup, code is not None)
            values["q"] = Like(text)
            if code is not None:
                values["code"] = Like(code)
        for field in ("district", "township", "level", "group"):
            if data[field]:
                values[field] = data[field].pk
        natures = (
            tuple(n.value for n in INCLUSIVE_NATURES)
            if data["nature"] == INCLUSIVE
            else (data["nature"],)
            if data["nature"]
            else None
        )
        statuses = (
            tuple(s.value for s in OPERATING_STATUSES)
            if data["status"] == ACTIVE
            else (data["status"],)
            if data["status"]
            else None
        )
        dated = False
        if data["as_of"]:
            values["day"] = data["as_of"]
            settled = _settled(data["as_of"])
            dated = "settled" if settled == data["as_of"] else "yesterday"
            if dated == "yesterday":
                values["settled"] = settled
        sort = data["sort"] if data["sort"] in SORTS else "name"
        shape = (search, tuple(sorted(values.keys() & {"district", "township", "level", "group"})), data["area"] or "")
        return (*shape, natures, statuses, dated, sort), values


def _list_ids(shape: tuple, **values):
    from kindergartens.access import SCOPE_IDS, _scoped

    kind, filters = shape
    ids = {name: values.pop(name) for name in SCOPE_IDS[kind]}
    return apply_filters(_scoped(kind, **ids), filters, **values).values_list("pk")


# The registry list's ids, compiled once per (scope kind, filters' shape) (core.db.compiled): building
# and compiling the filters cost the city's list 0.9 ms a request, the as-of list 3.1 ms.
KINDERGARTEN_LIST_IDS = ShapedQuery(_list_ids)


def kindergarten_list_ids(form: KindergartenFilterForm, user):
    """The ids of the registry list for ``user`` with ``form``'s filters, in the list's order: a
    ``BoundQuery`` for core.lists.page_of_ids (nothing when the user has no scope or the filters
    are invalid)."""
    from kindergartens.access import _scope

    scope, spec = _scope(user), form.spec()
    if scope is None or spec is None:
        return Kindergarten.objects.none()
    kind, ids = scope
    shape, values = spec
    return KINDERGARTEN_LIST_IDS.bind((kind, shape), **ids, **values)


def apply_filters(qs, shape: tuple, **values):
    """The list's filters (``KindergartenFilterForm.spec``) on an already scoped queryset."""
    from kindergartens.selectors import kindergartens_on, name_search_condition

    search, ids, area, natures, statuses, dated, sort = shape
    if search is not None:
        qs = qs.filter(name_search_condition(search[0], values["q"], values.get("code")))
    for field in ids:
        qs = qs.filter(**{"collaboration_group" if field == "group" else field: values[field]})
    if area == "rural":
        qs = qs.filter(township__urban_rural_code__startswith="2")
    elif area == "urban":
        qs = qs.filter(township__urban_rural_code__startswith="1")
    nature_field, status_field = "nature", "status"
    order = SORTS[sort]
    if dated:
        # Only kindergartens registered by then, filtered by their status and nature THEN
        # (annotated as status_then/nature_then when the list is sorted by them).
        by_value = order[0] in ("nature", "status")
        day = values["day"]
        settled = day if dated == "settled" else values["settled"]
        qs = kindergartens_on(qs, day, statuses=statuses, natures=natures, values=by_value, settled=settled)
        nature_field, status_field = "nature_then", "status_then"
    else:
        if natures is not None:
            qs = qs.filter(nature__in=natures)
        if statuses is not None:
            qs = qs.filter(status__in=statuses)
    if order[0] in ("nature", "status"):
        # In the vocabulary's order (筹设 → 在办 → 整改 → 停办 → 注销), not the stored codes' alphabet.
        field = nature_field if order[0] == "nature" else status_field
        choices = Nature if order[0] == "nature" else Status
        rank = Case(*[When(**{field: c.value}, then=Value(i)) for i, c in enumerate(choices)], default=Value(99))
        order = (rank, *order[1:])
    return qs.order_by(*order)


class CreditCodeField(forms.CharField):
    """Users paste codes with spaces and lower-case letters: normalise before the GB 32100 check."""

    default_validators = [validate_credit_code]

    def to_python(self, value):
        return normalise_credit_code(super().to_python(value))


# The record form's sections, in the order of DOMAIN.md §3.
FIELDSETS: list[tuple[str, tuple[str, ...]]] = [
    (
        "身份信息",
        (
            "name",
            "credit_code",
            "licence_number",
            "licence_valid_until",
            "address",
            "township",
            "collaboration_group",
        ),
    ),
    (
        "举办与性质",
        (
            "sponsor",
            "sponsor_name",
            "nature",
            "inclusive_recognised_on",
            "status",
            "effective_date",
            "note",
            "schedule",
            "level",
        ),
    ),
    ("规模与收费", ("capacity", "fee_monthly", "fee_government_guided")),
    (
        "管理与党建",
        (
            "principal_name",
            "principal_since",
            "has_parent_committee",
            "legal_vice_principal",
            "medical_partner",
            "party_organisation",
        ),
    ),
    ("信用与评价", ("credit_rating",)),
]
FORM_ONLY_FIELDS = ("effective_date", "note")  # how a change is recorded, not fields of the record


class KindergartenForm(StyledFormMixin, forms.Form):
    """The record form. A plain Form (not a ModelForm) on purpose: a ModelForm writes the
    cleaned values onto the instance while validating, and the service must see the old
    values to know what changed and to date status and nature changes."""

    effective_date = forms.DateField(
        label="状态/性质变动生效日期",
        required=False,
        help_text="办园状态或性质有变动时填写，默认今天；可填写过去的日期补登，填写将来的日期则到期生效。",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label="变动说明",
        required=False,
        max_length=200,
        help_text="办园状态或性质有变动时填写依据，如批准文号。",
    )

    def __init__(self, *args, user, kindergarten: Kindergarten, fields=None, **kwargs):
        from kindergartens.services import RECORD_FIELDS

        names = list(fields or RECORD_FIELDS)
        kwargs.setdefault("initial", model_to_dict(kindergarten, fields=names))
        super().__init__(*args, **kwargs)
        for name, field in forms.fields_for_model(Kindergarten, fields=names).items():
            if name == "credit_code":
                field = CreditCodeField(
                    label=field.label, required=False, help_text="18 位，系统会校验末位校验码（GB 32100）。"
                )
            self.fields[name] = field
        self.order_fields([*names, *FORM_ONLY_FIELDS])
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.DateInput) and name != "effective_date":
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.kindergarten = kindergarten
        district_id = kindergarten.district_id
        if "township" in self.fields:
            self.fields["township"].queryset = townships_visible_to(user).filter(district_id=district_id)
            self.fields["township"].error_messages["invalid_choice"] = "请选择本区县的街道/乡镇。"
        if "collaboration_group" in self.fields:
            self.fields["collaboration_group"].queryset = groups_visible_to(user).filter(district_id=district_id)
            self.fields["collaboration_group"].error_messages["invalid_choice"] = "请选择本区县的协作组。"
        if "level" in self.fields:
            # The province's levels in use, plus the kindergarten's own even if since deactivated.
            self.fields["level"].queryset = Level.objects.filter(
                Q(province=kindergarten.district.province, is_active=True) | Q(pk=kindergarten.level_id)
            )
            self.fields["level"].error_messages["invalid_choice"] = "请选择本省在用的等级。"
        if "credit_rating" in self.fields:
            # The district's grades in use, plus the kindergarten's own even if since retired.
            self.fields["credit_rating"].queryset = CreditGrade.objects.filter(
                Q(district_id=district_id, is_active=True) | Q(pk=kindergarten.credit_rating_id)
            ).order_by("-rank", "name")
            self.fields["credit_rating"].error_messages["invalid_choice"] = "请选择本区县在用的信用等级。"
            self.fields["credit_rating"].empty_label = "未评定"
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs["class"] = css
            field.widget.attrs.setdefault("aria-label", str(field.label or ""))

    def clean(self):
        data = super().clean()
        nature = data.get("nature", self.kindergarten.nature)
        recognised = data.get("inclusive_recognised_on", self.kindergarten.inclusive_recognised_on)
        if nature == Nature.INCLUSIVE_PRIVATE and not recognised and "inclusive_recognised_on" in self.fields:
            self.add_error("inclusive_recognised_on", "普惠性民办幼儿园须填写普惠性认定日期。")
        return data

    def fieldsets(self) -> list[tuple[str, list]]:
        """[(title, [bound field, …]), …] for the fields this form has."""
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in FIELDSETS
            if any(name in self.fields for name in names)
        ]

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in FORM_ONLY_FIELDS}


class ClassForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="班级名称", max_length=50, widget=forms.TextInput(attrs={"placeholder": "如 小一班"}))
    class_type = forms.ChoiceField(label="班级类型", choices=[("", "请选择"), *ClassType.choices])
    children = forms.IntegerField(label="在班幼儿数", min_value=0, max_value=999)


class ViolationForm(StyledFormMixin, forms.Form):
    occurred_on = forms.DateField(label="查处日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    description = forms.CharField(label="违规情形", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    penalty = forms.CharField(label="处理结果", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    published = forms.BooleanField(label="向社会公开", required=False, help_text="勾选后在信息公开页面显示。")


class AnnualInspectionForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    result = forms.ChoiceField(label="年检结果", choices=[("", "请选择"), *AnnualInspectionResult.choices])
    published = forms.BooleanField(
        label="向社会公开", required=False, initial=True, help_text="同一年度再次登记会更正该年度的结果。"
    )


class CreditGradeForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label="信用等级名称", max_length=50, widget=forms.TextInput(attrs={"placeholder": "如 A 级"})
    )
    rank = forms.IntegerField(label="排序", min_value=0, max_value=999, help_text="数字越大等级越高。", initial=0)
    description = forms.CharField(
        label="说明", max_length=200, required=False, help_text="本区县评定该等级的依据或含义，可不填。"
    )
    is_active = forms.BooleanField(
        label="在用", required=False, initial=True, help_text="停用后不能再选用，已评定的幼儿园保留原信用等级。"
    )

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["is_active"]


class CreditGradeFilterForm(StyledFormMixin, forms.Form):
    """The city viewer's district filter on the credit-grade list (choices from the access layer)."""

    district = forms.ModelChoiceField(
        label="区县", queryset=Bureau.objects.none(), required=False, empty_label="全部区县"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = bureaus_visible_to(user).filter(level=Bureau.Level.DISTRICT)

    def filter(self, qs):
        if not self.is_bound:
            return qs
        if not self.is_valid():
            return qs.none()
        district = self.cleaned_data["district"]
        return qs.filter(district=district) if district else qs


class LevelForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="等级名称", max_length=50, widget=forms.TextInput(attrs={"placeholder": "如 四星级"}))
    rank = forms.IntegerField(label="排序", min_value=0, max_value=999, help_text="数字越大等级越高。", initial=0)
    description = forms.CharField(label="说明", max_length=200, required=False)
    is_active = forms.BooleanField(
        label="在用", required=False, initial=True, help_text="停用后不能再选用，已评定的幼儿园保留原等级。"
    )

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["is_active"]
