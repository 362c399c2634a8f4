from django import forms
from django.utils.translation import gettext_lazy as _

from foundation.forms import KernFormMixin

from .selectors import municipalities_for_choice


class MembershipRequestForm(KernFormMixin, forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Kommune"), queryset=municipalities_for_choice(),
        help_text=_("Die Kommune, für die Sie Anträge stellen möchten."))
    function = forms.CharField(label=_("Funktion oder Dienststelle"), max_length=200, required=False)


class RefuseForm(KernFormMixin, forms.Form):
    reason = forms.CharField(label=_("Begründung"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class InvitationForm(KernFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"))
    municipality = forms.ModelChoiceField(label=_("Kommune"), queryset=municipalities_for_choice())
