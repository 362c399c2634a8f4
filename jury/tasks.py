import hashlib

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_session_documents(*, session_id: int) -> list[str]:
    """Render the ranking list (PDF, CSV, XLSX) and the minutes of a closed session. Safe to run twice."""
    from . import documents
    from .models import Session, SessionDocument
    from .selectors import ranking

    session = Session.objects.select_related("panel__call__program", "panel__chair").get(pk=session_id)
    result = ranking(call=session.panel.call)
    outcomes = {d.application_id: d.outcome for d in session.decisions.all()}
    makers = {
        SessionDocument.Kind.RANKING_PDF: lambda: documents.ranking_pdf(result, session=session, outcomes=outcomes),
        SessionDocument.Kind.MINUTES_PDF: lambda: documents.minutes_pdf(session, result),
        SessionDocument.Kind.RANKING_CSV: lambda: documents.ranking_csv(result, outcomes),
        SessionDocument.Kind.RANKING_XLSX: lambda: documents.ranking_xlsx(result, outcomes),
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
