from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoundationConfig(AppConfig):
    """The ground floor: infrastructure every app may import (private files, PDF rendering, amounts,
    spreadsheet exports, forms and API plumbing). It imports no domain app."""

    name = "foundation"
    verbose_name = _("Grundlagen")
