from html import escape

from django import forms
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import get_language


def attrs_html(attrs: dict) -> str:
    """Django's ``flatatt`` in one pass with ``html.escape`` (the same escaping: & < > " ', and none
    for safe strings): key="value" pairs, then the names of the true booleans, each sorted; False and None
    left out."""
    items = sorted(attrs.items())  # flatatt's order
    pairs = [f' {key}="{_attr(value)}"' for key, value in items if not isinstance(value, bool) and value is not None]
    pairs.extend(f" {key}" for key, value in items if value is True)
    return "".join(pairs)


def _attr(value) -> str:
    return str(value) if hasattr(value, "__html__") else escape(str(value))


_TRANSLATED: dict[tuple[int, str], tuple[Promise, str]] = {}


def text(label) -> str:
    """``str(label)``; a lazy translation (a choices label) is translated once per language, not on
    every render (the proxy is kept with its text, so its id cannot be reused while it is cached)."""
    if not isinstance(label, Promise):
        return str(label)
    key = (id(label), get_language() or "")
    cached = _TRANSLATED.get(key)
    if cached is None or cached[0] is not label:
        if len(_TRANSLATED) > 4096:  # labels made on the fly would otherwise pile up
            _TRANSLATED.clear()
        cached = _TRANSLATED[key] = (label, str(label))
    return cached[1]


class FastSelect(forms.Select):
    """A ``<select>`` written in one pass: Django renders each option through a template, which made
    the option lists of a filter bar most of a list page's time. Same markup, same attributes."""

    def use_required_attribute(self, initial) -> bool:
        # Django asks the widget before it asks whether the field is required, and the widget reads its
        # first option to answer: for an optional filter that read the option list (a cache round trip)
        # once more for nothing.
        return self.is_required and super().use_required_attribute(initial)

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in self.format_value(value)}
        parts = [f"<select{attrs_html(final_attrs)}>"]
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                parts.append(f'<optgroup label="{escape(text(option_value))}">')
                parts.extend(self._option(v, label, selected) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - attrs_html escapes the attributes, _option every value

    @staticmethod
    def _option(value, label, selected: set[str]) -> str:
        value = "" if value is None else str(value)
        return (
            f'<option value="{escape(value)}"{" selected" if value in selected else ""}>{escape(text(label))}</option>'
        )


class FastInputMixin:
    """An ``<input>`` written in one pass (Django renders each one through two templates). Same
    markup as Django's ``input.html``: type, name, value, then the attributes."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        head = {"type": self.input_type, "name": name}
        if value is not None:
            head["value"] = str(value)
        return mark_safe(f"<input{attrs_html(head)}{attrs_html(final_attrs)}>")  # noqa: S308 - attrs_html escapes every value


_FAST_INPUTS: dict[type, type] = {}


def fast_input_class(widget_class: type) -> type:
    """``widget_class`` with FastInputMixin in front (its own ``format_value`` kept: dates, numbers)."""
    if widget_class not in _FAST_INPUTS:
        _FAST_INPUTS[widget_class] = type(f"Fast{widget_class.__name__}", (FastInputMixin, widget_class), {})
    return _FAST_INPUTS[widget_class]


# Inputs rendered in one pass: plain text-like inputs whose template is Django's input.html. Password
# (hides its value), file (no value) and checkbox inputs keep Django's own rendering.
FAST_INPUT_TYPES = (
    forms.TextInput, forms.NumberInput, forms.EmailInput, forms.URLInput, forms.DateInput, forms.HiddenInput,
)  # fmt: skip


class StyledFormMixin:
    """Give widgets Bootstrap classes so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if type(widget) is forms.Select:
                widget.__class__ = FastSelect  # same widget, rendered without a template per option
            elif type(widget) in FAST_INPUT_TYPES and widget.template_name == type(widget).template_name:
                widget.__class__ = fast_input_class(type(widget))
            if isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            elif isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                css = "form-check-input"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            # Filter bars render fields without <label>: give every control an accessible name.
            widget.attrs.setdefault("aria-label", str(field.label or ""))


# The widest integer primary key the databases hold (PostgreSQL bigint; SQLite's INTEGER).
_PK_MIN, _PK_MAX = -(2**63), 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, but a value no integer key can hold ("99999999999999999999") is "not one of the
    choices" like any other unknown value. Django looks the values up with ``pk__in``, and a number past
    the database's integer range made that query fail (a 500) instead of the form saying why. Every
    multiple-choice field of a model in the portal is this one."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        field = self.queryset.model._meta.pk if key == "pk" else self.queryset.model._meta.get_field(key)
        if field.get_internal_type() in (
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
        ):
            for item in value if isinstance(value, (list, tuple)) else [value]:
                try:
                    number = int(str(item).strip())
                except (TypeError, ValueError):
                    continue  # Django says it is not a valid value
                if not _PK_MIN <= number <= _PK_MAX:
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                    )
        return super()._check_values(value)
