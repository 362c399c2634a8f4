from django.contrib import admin

from .models import BlockedIban


@admin.register(BlockedIban)
class BlockedIbanAdmin(admin.ModelAdmin):
    list_display = ["iban", "reason", "created_at"]
    search_fields = ["iban", "reason"]
