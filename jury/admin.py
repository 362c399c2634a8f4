from django.contrib import admin, messages

from foundation.admin import GermanNumbersAdmin

from .models import Affiliation, Panel, PanelMember


class PanelMemberInline(admin.TabularInline):
    model = PanelMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Panel)
class PanelAdmin(GermanNumbersAdmin):
    """Setting up a jury: members and scoring rules. Conflicts are re-checked on every save."""

    list_display = ("call", "chair", "min_scorers", "total_threshold", "spread_threshold")
    list_select_related = ("call", "chair")
    inlines = [PanelMemberInline]
    autocomplete_fields = ["chair"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from .services import sync_exclusions

        new = sync_exclusions(actor=request.user, panel=form.instance)
        if new:
            messages.info(request, f"{new} automatische Ausschlüsse wegen Befangenheit festgestellt.")


@admin.register(PanelMember)
class PanelMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "panel")
    list_select_related = ("user", "panel__call")
    inlines = [type("AffiliationInline", (admin.TabularInline,), {"model": Affiliation, "extra": 0,
                                                                   "autocomplete_fields": ["municipality"]})]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from .services import sync_exclusions

        sync_exclusions(actor=request.user, panel=form.instance.panel)
