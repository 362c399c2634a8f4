from celery import shared_task

from .models import Application


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_receipt(*, application_id: int, version: int) -> int:
    """Render and store the receipt of one (re)submission. Safe to run twice."""
    from .pdf import receipt_pdf
    from .services import store_receipt

    application = (Application.objects.select_related("call__program", "lead")
                   .prefetch_related("cost_lines", "third_party", "partners", "topics", "attachments")
                   .get(pk=application_id))
    existing = application.receipts.filter(version=version).first()
    if existing:
        return existing.pk
    pdf_bytes, figures = receipt_pdf(application, version=version)
    return store_receipt(application_id=application_id, version=version, pdf_bytes=pdf_bytes,
                         figures=figures).pk
