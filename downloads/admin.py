from django.contrib import admin

from foundation.admin import GermanNumbersAdmin

from .models import Download


@admin.register(Download)
class DownloadAdmin(GermanNumbersAdmin):
    list_display = ("label", "owner", "state", "requested_at", "finished_at", "size")
    list_filter = ("state", "kind")
    search_fields = ("label", "owner__email")
    readonly_fields = [f.name for f in Download._meta.fields]

    def has_add_permission(self, request):
        return False
