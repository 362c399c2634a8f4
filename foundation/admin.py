"""German numbers in the Django admin: 16.000.000,00 instead of 16000000,00.

Django groups thousands only with the global USE_THOUSAND_SEPARATOR, which would also turn every
integer a template prints into "2.027" (budget years, ids in form values). So the admin formats its
decimal columns itself, with the one formatter of foundation.amounts: in the lists, and on the
read-only (view-only) pages. Editable amounts (two decimal places) use the portal's AmountField, so the
admin shows and reads "16.000.000,00" like every other form; other decimals (rates, weights) stay plain.
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .amounts import format_decimal
from .forms import AmountField


class GermanNumbersAdmin(admin.ModelAdmin):
    """A ModelAdmin that shows every DecimalField in German format (lists stay sortable by it)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField) and db_field.decimal_places == 2 and db_field.editable:
            return AmountField(allow_zero=True, required=not db_field.blank, label=db_field.verbose_name,
                               help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_list_display(self, request):
        return [self.german_column(name) for name in super().get_list_display(request)]

    def get_readonly_fields(self, request, obj=None):
        fields = [self.german_column(name) for name in super().get_readonly_fields(request, obj)]
        if self._view_only(request, obj):  # every decimal field is shown, not edited
            columns = [self.german_column(f.name) for f in self._decimal_fields()]
            fields += [c for c in columns if c not in fields]
        return fields

    def get_exclude(self, request, obj=None):
        """A decimal field shown read-only through its German column is not also a form field."""
        shown = [f.__name__ for f in self.get_readonly_fields(request, obj) if hasattr(f, "german_field")]
        return [*(super().get_exclude(request, obj) or ()), *shown] or None

    def _view_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def _decimal_fields(self):
        return [f for f in self.model._meta.concrete_fields if isinstance(f, models.DecimalField)]

    def german_column(self, name):
        """The column of a DecimalField name (the same function each time: Django compares them), else the name."""
        if not isinstance(name, str):
            return name
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        if not isinstance(field, models.DecimalField):
            return name
        columns = self.__dict__.setdefault("_german_columns", {})
        if name not in columns:
            @admin.display(description=field.verbose_name, ordering=name)
            def column(obj):
                value = getattr(obj, name)
                return self.get_empty_value_display() if value is None else format_decimal(value, field.decimal_places)

            column.__name__ = column.german_field = name
            columns[name] = column
        return columns[name]
