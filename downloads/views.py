"""The person's documents: the list, one document's page (it refreshes itself while the document is made,
with htmx) and the file."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from foundation.files import private_file_response
from foundation.paging import paginate

from . import selectors, services
from .exceptions import DownloadError
from .models import DownloadState


@login_required
@require_safe
def download_list(request):
    page = paginate(request, selectors.downloads_of(request.user))
    return render(request, "downloads/list.html", {"page": page, "keep_days": settings.DOWNLOADS_KEEP_DAYS})


@login_required
@require_safe
def download_detail(request, public_id):
    download = selectors.download_of(request.user, public_id)
    template = "downloads/_status.html" if request.htmx else "downloads/detail.html"
    return render(request, template, {"download": download, "pending": download.state == DownloadState.PENDING,
                                      "keep_days": settings.DOWNLOADS_KEEP_DAYS})


@login_required
@require_safe
def download_file(request, public_id):
    download = selectors.download_of(request.user, public_id)
    if download.state != DownloadState.READY:
        raise Http404
    return private_file_response(download.file, download.filename, content_type=download.content_type)


def request_and_show(request, *, kind: str, params: dict, back: str):
    """For a domain page's "Dokument erstellen" button (POST): request it and show its page."""
    try:
        download = services.request_download(actor=request.user, kind=kind, params=params)
    except DownloadError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    return redirect("downloads:detail", public_id=download.public_id)
