import hashlib

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_session_documents(*, session_id: int) -> list[str]:
    """Render the ranking list (PDF, CSV, XLSX) and the minutes of a closed session. Safe to run twice."""
    from . import documents
    from .models import Session, SessionDocument
    from .selectors import from_snapshot

    session = Session.objects.select_related("panel__call__program", "panel__chair", "closed_by").get(pk=session_id)
    result = from_snapshot(session)  # every document from the one recorded snapshot
    makers = {
        SessionDocument.Kind.RANKING_PDF: lambda: documents.ranking_pdf(result),
        SessionDocument.Kind.MINUTES_PDF: lambda: documents.minutes_pdf(result),
        SessionDocument.Kind.RANKING_CSV: lambda: documents.ranking_csv(result),
        SessionDocument.Kind.RANKING_XLSX: lambda: documents.ranking_xlsx(result),
    }
    done = set(session.documents.values_list("kind", flat=True))
    for kind, make in makers.items():
        if kind in done:
            continue
        content = make()
        document = SessionDocument(session=session, kind=kind, sha256=hashlib.sha256(content).hexdigest())
        try:
            with transaction.atomic():
                document.file.save(f"{kind}.{document.extension}", ContentFile(content), save=False)
                document.save()
        except IntegrityError:  # rendered by a parallel run
            continue
    return sorted(session.documents.values_list("kind", flat=True))
