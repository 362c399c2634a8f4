"""Progress of a run of a call's grant notices (payments.services.notice_runs): counted from what is stored."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404

from outbox.models import OutboxMessage

from ..enums import GrantState, NoticeKind
from ..models import Grant, Notice, NoticeRun


@dataclass(frozen=True)
class Progress:
    total: int
    done: int     # notices stored
    failed: int   # notices whose work failed for good (the stuck-work page shows why; „Erneut versuchen“ there)

    @property
    def finished(self) -> bool:
        return self.done + self.failed >= self.total

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total


def progress(run: NoticeRun) -> Progress:
    """Two queries whatever the number of notices."""
    done = Notice.objects.filter(grant_id__in=run.grant_ids, kind=NoticeKind.GRANT).count()
    failed = 0
    if done < run.total:
        failed = (OutboxMessage.objects.filter(key__in=[Notice.grant_outbox_key(pk) for pk in run.grant_ids],
                                               state=OutboxMessage.State.FAILED)
                  .exclude(object_id__in=Notice.objects.filter(grant_id__in=run.grant_ids, kind=NoticeKind.GRANT)
                           .values("grant_id")).count())
    return Progress(total=run.total, done=done, failed=failed)


def notice_run(pk: int) -> NoticeRun:
    return get_object_or_404(NoticeRun.objects.select_related("call", "started_by"), pk=pk)


def notice_runs_of(call_id: int):
    return NoticeRun.objects.filter(call_id=call_id).order_by("-pk")


def grants_awaiting_notice(call_id: int):
    """Approved grants of the call whose notice is not stored yet."""
    has_notice = Notice.objects.filter(grant=OuterRef("pk"), kind=NoticeKind.GRANT)
    return (Grant.objects.filter(call_id=call_id, state=GrantState.APPROVED).exclude(Exists(has_notice))
            .select_related("application").order_by("pk"))
