from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoundationConfig(AppConfig):
    """The ground floor: infrastructure every app may import (private files, PDF rendering, amounts,
    spreadsheet exports, forms and API plumbing). It imports no domain app."""

    name = "foundation"
    verbose_name = _("Grundlagen")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import postgres, sqlite

        connection_created.connect(sqlite.install, dispatch_uid="foundation.sqlite.like")
        connection_created.connect(postgres.install, dispatch_uid="foundation.postgres.moments")
