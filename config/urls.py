from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from accounts.schema import RoleSchemaView
from config import health
from start import views as start_views

# The admin has no password form of its own: it sends everyone to the portal's login, which is
# rate-limited and asks for the second factor (allauth's documented `secure_admin_login`).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz/", health.healthz, name="healthz"),  # = readiness, for existing probes
    path("healthz/live/", health.live, name="healthz-live"),
    path("healthz/ready/", health.ready, name="healthz-ready"),
    path("", start_views.home, name="home"),
    path("barrierefreiheit/", TemplateView.as_view(template_name="pages/accessibility.html"),
         name="accessibility"),
    path("impressum/", TemplateView.as_view(template_name="pages/imprint.html"), name="imprint"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("applications.urls")),
    path("foerderaufrufe/", include("grants.urls")),
    path("jury/", include("jury.urls")),
    path("zuwendungen/", include("payments.urls")),
    path("betrieb/hintergrund/", include("outbox.urls")),
    path("meine-dokumente/", include("downloads.urls")),
    path("offene-daten/", include("opendata.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", RoleSchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

# Errors outside DRF (a path no route matches, a refused host) answer JSON under /api/ (foundation.api).
handler400 = "foundation.api.bad_request"
handler403 = "foundation.api.permission_denied"
handler404 = "foundation.api.page_not_found"
handler500 = "foundation.api.server_error"
