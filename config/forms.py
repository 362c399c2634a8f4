"""Django forms rendered with the KERN design system's markup."""

from django import forms
from django.forms.renderers import TemplatesSetting


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
