"""All API routes under /api/v1/. The schema is at /api/schema/, the documentation at /api/docs/."""

from django.urls import path
from rest_framework.routers import DefaultRouter
from rest_framework.urlpatterns import format_suffix_patterns

from accounts.api import (
    AccountView,
    IdentityProviderViewSet,
    MembershipReviewViewSet,
    MembershipViewSet,
    MunicipalityViewSet,
)
from applications.api import ApplicationViewSet, StaffApplicationViewSet
from downloads.api import DownloadViewSet
from grants.api import CallViewSet, ProgramViewSet, StaffCallViewSet, StaffProgramViewSet
from jury.api import AssignmentViewSet, JuryApplicationViewSet, PanelViewSet, SessionViewSet, SheetViewSet
from opendata.api import OpenDataProjectViewSet
from outbox.api import OutboxViewSet
from payments.api import register as register_payments

# No format-suffix routes (`…/1.json`): most actions take no `format` argument, so every such URL
# answered 500. Formats are chosen by the Accept header or `?format=`; the exports accept their
# file ending (`exports/grants.csv`), which only their route has.
router = DefaultRouter()
router.include_format_suffixes = False
# What a portal (civento, Hessen-Finder) uses for a municipality:
router.register("programs", ProgramViewSet, basename="api-program")
router.register("calls", CallViewSet, basename="api-call")
router.register("municipalities", MunicipalityViewSet, basename="api-municipality")
router.register("memberships", MembershipViewSet, basename="api-membership")
router.register("applications", ApplicationViewSet, basename="api-application")
# Login: the configured identity providers (anonymous) and the own account with its trust level.
router.register("identity-providers", IdentityProviderViewSet, basename="api-identity-provider")
# Open data, anonymous (the same as /offene-daten/gefoerderte-projekte.json):
router.register("open-data/projects", OpenDataProjectViewSet, basename="api-open-data-project")
# The ministry's staff (TOTP required):
router.register("staff/calls", StaffCallViewSet, basename="api-staff-call")
router.register("staff/programs", StaffProgramViewSet, basename="api-staff-program")
router.register("staff/applications", StaffApplicationViewSet, basename="api-staff-application")
router.register("staff/memberships", MembershipReviewViewSet, basename="api-membership-review")
router.register("staff/outbox", OutboxViewSet, basename="api-staff-outbox")
router.register("downloads", DownloadViewSet, basename="api-downloads")
# The jury (members, chair and case workers; see jury/api/views.py for who may do what):
router.register("jury/panels", PanelViewSet, basename="api-jury-panel")
router.register("jury/assignments", AssignmentViewSet, basename="api-jury-assignment")
router.register("jury/applications", JuryApplicationViewSet, basename="api-jury-application")
router.register("jury/sheets", SheetViewSet, basename="api-jury-sheet")
router.register("jury/sessions", SessionViewSet, basename="api-jury-session")
# Grants and money (decisions, notices, disbursements, payment runs, proof of use, settlement):
register_payments(router)
urlpatterns = router.urls + format_suffix_patterns(
    [url for url in router.urls if url.name == "api-payments-export-detail"],
    suffix_required=True, allowed=["csv", "xlsx"]) + [
    path("account/", AccountView.as_view(), name="api-account"),
]
