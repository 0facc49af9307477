"""Forms of the change filings (变更备案): the director's filing form, the return reason, the queue filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import model_to_dict

from core.forms import StyledFormMixin
from kindergartens.access import kindergartens_visible_to
from kindergartens.forms import KindergartenForm
from kindergartens.models import ChangeFiling, Kindergarten
from kindergartens.selectors_filings import FILING_FIELDS
from kindergartens.services import today

# How the filing form groups the record (the same order as FILING_FIELDS).
FILING_FIELDSETS: list[tuple[str, tuple[str, ...]]] = [
    ("基本信息", ("name", "address", "township", "sponsor", "sponsor_name", "schedule", "status")),
    ("学位与收费", ("capacity", "fee_monthly", "fee_government_guided")),
    (
        "园所治理",
        (
            "principal_name",
            "principal_since",
            "has_parent_committee",
            "legal_vice_principal",
            "medical_partner",
            "party_organisation",
        ),
    ),
    ("办学许可证", ("licence_number", "licence_valid_until")),
    ("变更说明", ("effective_date", "explanation")),
]


class FilingForm(KindergartenForm):
    """The record's fileable fields pre-filled with the current values (or a returned filing's
    proposal), the effective date and an explanation. The service keeps only what differs."""

    explanation = forms.CharField(
        label="变更说明",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="说明变更原因，如园长调整的任命文件、办学许可证换发等。",
    )

    def __init__(self, *args, user, kindergarten: Kindergarten, filing: ChangeFiling | None = None, **kwargs):
        initial = model_to_dict(kindergarten, fields=FILING_FIELDS)
        initial["effective_date"] = today()
        if filing is not None:
            initial.update(filing.proposed)
            initial["effective_date"] = filing.effective_date
            initial["explanation"] = filing.explanation
        kwargs.setdefault("initial", initial)
        super().__init__(*args, user=user, kindergarten=kindergarten, fields=FILING_FIELDS, **kwargs)
        # The record form may carry fields of its own (a note for direct edits…): a filing has only these.
        for name in [n for n in self.fields if n not in (*FILING_FIELDS, "effective_date", "explanation")]:
            del self.fields[name]
        effective = self.fields["effective_date"]
        effective.label = "变更生效日期"
        effective.required = True
        effective.help_text = "变更实际发生的日期（如新园长任职之日）；办园状态的变更自该日起生效。"
        effective.widget.attrs["aria-label"] = "变更生效日期"
        effective.widget.format = "%Y-%m-%d"
        self.order_fields([*FILING_FIELDS, "effective_date", "explanation"])

    def filing_fieldsets(self) -> list[tuple[str, list]]:
        """[(title, [bound field, …]), …] for the template."""
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in FILING_FIELDSETS]

    def proposed(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FILING_FIELDS if name in self.cleaned_data}


class FilingReturnForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label="退回理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "退回时必须填写理由。"},
        help_text="园长将看到此理由，请写明需要补充或更正的内容。",
    )


STATE_ALL = ""


class FilingFilterForm(StyledFormMixin, forms.Form):
    """The review queue's filter. ``kindergarten`` is limited to the user's scope, so a foreign id
    is simply not a valid choice and reveals nothing."""

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "园所名称", "type": "search"}),
    )
    state = forms.ChoiceField(
        label="状态", required=False, choices=[(STATE_ALL, "全部状态"), *ChangeFiling.State.choices]
    )
    kindergarten = forms.ModelChoiceField(
        label="幼儿园", queryset=Kindergarten.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kindergarten"].queryset = kindergartens_visible_to(user)

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["q"]:
            qs = qs.filter(kindergarten__name__icontains=data["q"].strip())
        if data["state"]:
            qs = qs.filter(state=data["state"])
        if data["kindergarten"]:
            qs = qs.filter(kindergarten=data["kindergarten"])
        if data["state"] == ChangeFiling.State.SUBMITTED:
            return qs.order_by("submitted_at", "id")  # the queue: longest waiting first
        return qs.order_by("-submitted_at", "-id")
