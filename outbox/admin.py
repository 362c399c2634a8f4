from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("label", "task", "state", "attempts", "created_at", "due_at", "done_at")
    list_filter = ("state", "task")
    search_fields = ("key", "label")
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
