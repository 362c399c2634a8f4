from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from foundation.paging import paginate
from foundation.permissions import require_perm

from . import services
from .models import OutboxMessage
from .selectors import stuck_messages


@login_required
def stuck_work(request):
    """Background work that failed, is overdue or never finished — with the error and a retry button."""
    require_perm(request, "outbox.view_stuck_work")
    page = paginate(request, stuck_messages(), per_page=50)
    return render(request, "outbox/stuck.html", {"page": page})


@login_required
@require_POST
def retry(request, pk: int):
    require_perm(request, "outbox.retry_work")
    message = get_object_or_404(OutboxMessage, pk=pk)
    services.retry(message_id=message.pk)
    messages.success(request, _("„%(label)s“ wird erneut ausgeführt.") % {"label": message.label or message.key})
    return redirect("outbox:stuck")
