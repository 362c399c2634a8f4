"""Rendering the missing grant notices of a call at once (issue 13: bulk rendering in parallel, with progress).

Staff start it for a call; every approved grant of the call without its notice gets its outbox row
(`notice:grant:<id>`, the same promise a confirmation makes), and every row is handed to Celery now, so the
workers render them in parallel (one task per notice, each safe twice). Starting again while a run of the call is
still open returns that run.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from grants.models import Call
from outbox.services import promise_all

from ..exceptions import PaymentsError
from ..models import NoticeRun
from ..selectors.notice_runs import grants_awaiting_notice, progress
from .decisions import grant_notice_promise


def start_notice_run(*, actor, call_id: int) -> NoticeRun:
    """Render every missing grant notice of a call in the background; safe to start twice."""
    if not actor.has_perm("payments.render_notices"):
        raise PermissionDenied
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(pk=call_id).first()  # serialises two starts
        if call is None:
            raise PaymentsError(_("Diesen Förderaufruf gibt es nicht."))
        latest = NoticeRun.objects.filter(call=call).order_by("-pk").first()
        if latest is not None and not progress(latest).finished:
            return latest
        grants = list(grants_awaiting_notice(call.pk))
        if not grants:
            raise PaymentsError(_("Für diesen Förderaufruf gibt es keine bewilligte Zuwendung ohne "
                                  "Zuwendungsbescheid; es ist nichts zu erstellen."))
        run = NoticeRun.objects.create(call=call, started_by=actor, grant_ids=[g.pk for g in grants])
        promises = [grant_notice_promise(g) for g in grants]
        counts = promise_all(task=promises[0]["task"], messages=promises)
        record(actor=actor, action="notice_run.started", obj=call, data={"run": run.pk, "grants": run.total,
                                                                          **counts})
    return run
