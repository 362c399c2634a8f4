from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .models import OutboxMessage
from .selectors import stuck_messages


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@login_required
def stuck_work(request):
    """Background work that failed, is overdue or never finished — with the error and a retry button."""
    _require(request, "outbox.view_stuck_work")
    page = Paginator(stuck_messages(), 50).get_page(request.GET.get("seite"))
    return render(request, "outbox/stuck.html", {"page": page})


@login_required
@require_POST
def retry(request, pk: int):
    _require(request, "outbox.retry_work")
    message = get_object_or_404(OutboxMessage, pk=pk)
    services.retry(message_id=message.pk)
    messages.success(request, _("„%(label)s“ wird erneut ausgeführt.") % {"label": message.label or message.key})
    return redirect("outbox:stuck")
