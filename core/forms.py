from django import forms


class StyledFormMixin:
    """Give widgets Bootstrap classes so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            elif isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                css = "form-check-input"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            # Filter bars render fields without <label>: give every control an accessible name.
            widget.attrs.setdefault("aria-label", str(field.label or ""))
