from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Invitation, Membership, Municipality, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name")}),
        ("Rechte", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Daten", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "official_key", "landkreis", "directory_date", "active")
    list_filter = ("kind", "active", "landkreis")
    search_fields = ("name", "official_key")
    list_select_related = ("landkreis",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "official_key", "regional_key", "landkreis", "directory_date", "active")}),
        (_("Postanschrift"), {"fields": ("street", "postal_code", "city"),
                              "description": _("Empfängeranschrift in Eingangsbestätigungen und Bescheiden.")}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "municipality", "state", "requested_at", "decided_by")
    list_filter = ("state",)
    list_select_related = ("user", "municipality", "decided_by")
    readonly_fields = ("state", "decided_at", "decided_by", "reason")
    search_fields = ("user__email", "municipality__name")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "municipality", "invited_by", "created_at", "accepted_at")
    list_select_related = ("municipality", "invited_by")


# Personal API keys are kept by their owners (/konto/api-schluessel/); the admin may revoke them.
@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "scope", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "user__email", "prefix")
    readonly_fields = ("user", "name", "scope", "prefix", "created_at", "expires_at", "last_used_at")
    fields = ("user", "name", "scope", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request):
        return False


# The old single-key model of DRF stays installed only for the data migration; it is not shown.
try:
    from rest_framework.authtoken.models import TokenProxy

    admin.site.unregister(TokenProxy)
except admin.sites.NotRegistered:
    pass
