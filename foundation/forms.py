"""Django forms rendered with the KERN design system's markup, and the form fields every app shares."""

from decimal import Decimal

from django import forms
from django.forms.renderers import TemplatesSetting

from .amounts import AmountError, format_amount_input, parse_amount


class KernFormRenderer(TemplatesSetting):
    form_template_name = "forms/kern_form.html"
    field_template_name = "forms/kern_field.html"


# Order matters: CheckboxSelectMultiple is a subclass of RadioSelect.
_CLASSES = {
    forms.CheckboxInput: "kern-form-check__checkbox",
    forms.CheckboxSelectMultiple: "kern-form-check__checkbox",
    forms.RadioSelect: "kern-form-check__radio",
    forms.Select: "kern-form-input__select",
    forms.SelectMultiple: "kern-form-input__select",
}


def apply_kern_classes(form: forms.BaseForm, *, with_errors: bool = False) -> None:
    """Give every widget the KERN class of its kind (and the error class when invalid)."""
    for name, field in form.fields.items():
        widget = field.widget
        css = next((c for cls, c in _CLASSES.items() if isinstance(widget, cls)), "kern-form-input__input")
        if with_errors and name in form.errors:
            css += f" {css}--error"
        own = [c for c in widget.attrs.get("class", "").split() if not c.startswith("kern-form")]
        widget.attrs["class"] = " ".join([*own, css])


class KernFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_kern_classes(self)

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            apply_kern_classes(self, with_errors=True)


class AmountField(forms.CharField):
    """Euro amount, typed in German format; cleaned to Decimal by foundation.amounts.parse_amount.

    allow_zero: 0,00 is a valid amount (e.g. own funds spent so far); blank_as_zero: an empty field
    means 0,00 (actual costs of a line nobody filled in) instead of "no value".
    """

    def __init__(self, *, allow_zero: bool = False, blank_as_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero or blank_as_zero
        self.blank_as_zero = blank_as_zero
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str) or value is None:
            return value
        return format_amount_input(value)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return Decimal("0.00") if self.blank_as_zero else None
        try:
            return parse_amount(value, allow_zero=self.allow_zero)
        except AmountError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def has_changed(self, initial, data):
        # Compare amounts, not texts: "0,00", "" (with blank_as_zero) and an empty initial value agree,
        # so an untouched extra formset line counts as unchanged.
        try:
            return self.to_python(initial if initial is not None else "") != self.to_python(data)
        except forms.ValidationError:
            return True


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
