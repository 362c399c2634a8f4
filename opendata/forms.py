from django import forms
from django.utils.translation import gettext_lazy as _

from foundation.forms import KernFormMixin


class ProjectFilterForm(KernFormMixin, forms.Form):
    """The filters of the public page (GET; choices only from what is published)."""

    topic = forms.ChoiceField(label=_("Themenbereich"), required=False)
    landkreis = forms.ChoiceField(label=_("Landkreis / kreisfreie Stadt"), required=False)

    def __init__(self, *args, topics, landkreise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("alle Themenbereiche")), *topics]
        self.fields["landkreis"].choices = [("", _("alle Landkreise")), *landkreise]

    def filters(self) -> dict:
        """The chosen filters as selector arguments; empty when the input was not valid."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"topic": int(data["topic"]) if data["topic"] else None, "landkreis": data["landkreis"] or None}
