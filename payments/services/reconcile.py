"""Reconciliation after a restore or an outage: every case that should have a document and has none.

Each generator yields the outbox entry that promises the missing document (the same entry the
service writes), so `manage.py reconcile_documents` can hand it to `outbox.services.promise_again`.
"""

from django.db.models import Exists, OuterRef

from audit.models import AuditEntry
from outbox.services import promise_again

from ..enums import DecisionKind, DecisionState, GrantState, NoticeKind
from ..models import Decision, Grant, Notice, Recovery
from .decisions import amendment_notice_promise, grant_notice_promise, rejection_notice_promise
from .proofs_settlement import recovery_notice_promise


def missing_grant_notices():
    has_notice = Notice.objects.filter(grant=OuterRef("pk"), kind=NoticeKind.GRANT)
    for grant in (Grant.objects.filter(state=GrantState.APPROVED).exclude(Exists(has_notice))
                  .select_related("application").order_by("pk")):
        yield grant_notice_promise(grant)


def missing_rejection_notices():
    has_notice = Notice.objects.filter(application=OuterRef("application"), kind=NoticeKind.REJECTION)
    for decision in (Decision.objects.filter(kind=DecisionKind.REJECT, state=DecisionState.CONFIRMED)
                     .exclude(Exists(has_notice)).select_related("application").order_by("pk")):
        yield rejection_notice_promise(decision)


def missing_amendment_notices():
    """Amendment N of a grant without its notice; the old figures come from the amendment's audit entry."""
    from django.contrib.contenttypes.models import ContentType

    grants = Grant.objects.filter(amendment_count__gt=0).select_related("application")
    for grant in grants.order_by("pk"):
        issued = set(Notice.objects.filter(grant=grant, kind=NoticeKind.AMENDMENT)
                     .values_list("figures__amendment", flat=True))
        entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Grant),
                                            object_id=grant.pk, action="grant.amended")
        for entry in entries:
            number = entry.data.get("amendment")
            if number and number not in issued:
                yield amendment_notice_promise(grant, number=number, reason=entry.reason, old=entry.data["old"])


def missing_recovery_notices():
    has_notice = Notice.objects.filter(grant=OuterRef("grant"), kind=NoticeKind.RECOVERY)
    for recovery in (Recovery.objects.exclude(Exists(has_notice)).select_related("grant__application")
                     .order_by("pk")):
        yield recovery_notice_promise(recovery)


def reconcile(*, dry_run: bool = False) -> dict[str, dict[str, int]]:
    """Promise every missing document again; returns, per kind, how many were created/reset/pending."""
    from applications.services import missing_receipts
    from jury.services import missing_session_documents

    sources = {
        "receipts": missing_receipts, "session_documents": missing_session_documents,
        "grant_notices": missing_grant_notices, "rejection_notices": missing_rejection_notices,
        "amendment_notices": missing_amendment_notices, "recovery_notices": missing_recovery_notices,
    }
    report: dict[str, dict[str, int]] = {}
    for name, source in sources.items():
        counts = {"missing": 0, "created": 0, "reset": 0, "pending": 0}
        for promise in source():
            counts["missing"] += 1
            if not dry_run:
                counts[promise_again(**promise)] += 1
        report[name] = counts
    return report
