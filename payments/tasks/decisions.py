"""Celery tasks of the decisions area: rendering notices, and making notices final after the appeal period.

Every task takes primitive ids, fetches, calls a service, and is safe to run twice: a notice that
exists already for its purpose (the grant notice of a grant, the rejection notice of an
application, amendment N of a grant) is not rendered again.
"""

from celery import shared_task

__all__ = ["finalize_due_notices", "render_amendment_notice", "render_grant_notice", "render_rejection_notice"]


@shared_task(name="payments.render_grant_notice", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def render_grant_notice(*, grant_id: int) -> int:
    """Render and store the Zuwendungsbescheid; the grant becomes notice_issued. Returns the notice id."""
    from ..enums import NoticeKind
    from ..models import Notice
    from ..pdf import grant_notice_pdf
    from ..services import decisions as services

    existing = Notice.objects.filter(grant_id=grant_id, kind=NoticeKind.GRANT).values_list("pk", flat=True).first()
    if existing is not None:
        return existing
    issued_on = services.today()
    pdf_bytes, figures = grant_notice_pdf(grant_id, issued_on=issued_on)  # Grant.DoesNotExist for an unknown id
    return services.issue_grant_notice(grant_id=grant_id, pdf_bytes=pdf_bytes, figures=figures,
                                       issued_on=issued_on).pk


@shared_task(name="payments.render_rejection_notice", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def render_rejection_notice(*, decision_id: int) -> int:
    from ..enums import NoticeKind
    from ..models import Decision, Notice
    from ..pdf import rejection_notice_pdf
    from ..services import decisions as services

    decision = Decision.objects.get(pk=decision_id)
    existing = (Notice.objects.filter(application_id=decision.application_id, kind=NoticeKind.REJECTION)
                .values_list("pk", flat=True).first())
    if existing is not None:
        return existing
    issued_on = services.today()
    pdf_bytes, figures = rejection_notice_pdf(decision, issued_on=issued_on)
    return services.issue_rejection_notice(decision_id=decision_id, pdf_bytes=pdf_bytes, figures=figures,
                                           issued_on=issued_on).pk


@shared_task(name="payments.render_amendment_notice", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def render_amendment_notice(*, grant_id: int, amendment: int, reason: str, old_amount: str,
                            old_project_end: str, old_eligible_costs: str | None = None) -> int:
    from ..models import Grant
    from ..pdf import amendment_notice_pdf
    from ..services import decisions as services

    grant = Grant.objects.get(pk=grant_id)
    existing = services.amendment_notice(grant, amendment)
    if existing is not None:
        return existing.pk
    issued_on = services.today()
    pdf_bytes, figures = amendment_notice_pdf(grant, issued_on=issued_on, amendment=amendment, reason=reason,
                                              old_amount=old_amount, old_project_end=old_project_end,
                                              old_eligible_costs=old_eligible_costs)
    return services.issue_amendment_notice(grant_id=grant_id, amendment=amendment, pdf_bytes=pdf_bytes,
                                           figures=figures, issued_on=issued_on).pk


@shared_task(name="payments.finalize_due_notices")
def finalize_due_notices() -> int:
    """Beat: every issued notice whose appeal period ended before today becomes final. Idempotent."""
    from ..services.decisions import finalize_due_notices as finalize

    return finalize()
