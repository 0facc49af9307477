from django import forms
from django.forms.models import model_to_dict

from core.forms import StyledFormMixin
from kindergartens.access import bureaus_visible_to, groups_visible_to, townships_visible_to
from kindergartens.models import Bureau, Kindergarten, Level, Nature

SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "district": ("district__name", "name", "id"),
    "township": ("township__name", "name", "id"),
    "nature": ("nature", "name", "id"),
}


class KindergartenFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "园所名称", "type": "search"}),
    )
    district = forms.ModelChoiceField(
        label="区县", queryset=Bureau.objects.none(), required=False, empty_label="全部区县"
    )
    township = forms.ModelChoiceField(label="街道/乡镇", queryset=None, required=False, empty_label="全部街道/乡镇")
    nature = forms.ChoiceField(label="办园性质", required=False, choices=[("", "全部性质"), *Nature.choices])
    area = forms.ChoiceField(
        label="城乡", required=False, choices=[("", "城乡不限"), ("urban", "城镇"), ("rural", "乡村")]
    )
    group = forms.ModelChoiceField(label="协作组", queryset=None, required=False, empty_label="全部协作组")
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[
            ("name", "名称"),
            ("-name", "名称（倒序）"),
            ("district", "区县"),
            ("township", "街道/乡镇"),
            ("nature", "性质"),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from the access layer, so a foreign id is simply "not a valid choice".
        self.fields["district"].queryset = bureaus_visible_to(user).filter(level=Bureau.Level.DISTRICT)
        self.fields["township"].queryset = townships_visible_to(user).order_by("name")
        self.fields["group"].queryset = groups_visible_to(user).order_by("name")

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["q"]:
            qs = qs.filter(name__icontains=data["q"].strip())
        if data["district"]:
            qs = qs.filter(district=data["district"])
        if data["township"]:
            qs = qs.filter(township=data["township"])
        if data["nature"]:
            qs = qs.filter(nature=data["nature"])
        if data["area"] == "rural":
            qs = qs.filter(township__urban_rural_code__startswith="2")
        elif data["area"] == "urban":
            qs = qs.filter(township__urban_rural_code__startswith="1")
        if data["group"]:
            qs = qs.filter(collaboration_group=data["group"])
        return qs.order_by(*SORTS.get(data["sort"] or "name", SORTS["name"]))


class KindergartenForm(StyledFormMixin, forms.Form):
    """The record form. A plain Form (not a ModelForm) on purpose: a ModelForm writes the
    cleaned values onto the instance while validating, and the service must see the old
    values to know what changed and to date status and nature changes."""

    effective_date = forms.DateField(
        label="状态/性质变动生效日期",
        required=False,
        help_text="办园状态或性质有变动时填写，默认今天；可填写过去的日期补登。",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, kindergarten: Kindergarten, fields=None, **kwargs):
        from kindergartens.services import RECORD_FIELDS

        names = list(fields or RECORD_FIELDS)
        kwargs.setdefault("initial", model_to_dict(kindergarten, fields=names))
        super().__init__(*args, **kwargs)
        for name, field in forms.fields_for_model(Kindergarten, fields=names).items():
            self.fields[name] = field
        self.order_fields([*names, "effective_date"])
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.DateInput) and name != "effective_date":
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.kindergarten = kindergarten
        district_id = kindergarten.district_id
        if "township" in self.fields:
            self.fields["township"].queryset = townships_visible_to(user).filter(district_id=district_id)
        if "collaboration_group" in self.fields:
            self.fields["collaboration_group"].queryset = groups_visible_to(user).filter(district_id=district_id)
        if "level" in self.fields:
            self.fields["level"].queryset = Level.objects.filter(
                province=kindergarten.district.province, is_active=True
            )
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("aria-label", str(field.label or ""))

    def changes(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "effective_date"}
        return data
