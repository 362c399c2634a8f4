from django.contrib import admin

from foundation.admin import GermanNumbersAdmin

from .models import Application, Attachment, CostLine, Receipt, ThirdPartyFunding


class CostLineInline(admin.TabularInline):
    model = CostLine
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(GermanNumbersAdmin):
    """Applications and their documents change only through their services (pages and API)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):

    list_display = ("case_number", "title", "lead", "call", "state", "grant_amount", "submitted_at")
    list_filter = ("state", "call")
    search_fields = ("case_number", "title", "lead__name")
    list_select_related = ("lead", "call")
    inlines = [CostLineInline]


for model in (Attachment, Receipt, ThirdPartyFunding):
    admin.site.register(model, ReadOnlyAdmin)
