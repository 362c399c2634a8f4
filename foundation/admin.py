"""German numbers in the Django admin's lists: 16.000.000,00 instead of 16000000,00.

Django groups thousands only with the global USE_THOUSAND_SEPARATOR, which would also turn every
integer a template prints into "2.027" (budget years, ids in form values). So the admin lists format
their decimal columns themselves, with the one formatter of foundation.amounts; form inputs stay plain.
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .amounts import format_decimal


class GermanNumbersAdmin(admin.ModelAdmin):
    """A ModelAdmin whose list shows every DecimalField column in German format (sortable as before)."""

    def get_list_display(self, request):
        return [self._german_column(name) for name in super().get_list_display(request)]

    def _german_column(self, name):
        if not isinstance(name, str):
            return name
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        if not isinstance(field, models.DecimalField):
            return name

        @admin.display(description=field.verbose_name, ordering=name)
        def column(obj):
            value = getattr(obj, name)
            return self.get_empty_value_display() if value is None else format_decimal(value, field.decimal_places)

        column.__name__ = name
        return column
