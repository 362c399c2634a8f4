"""Private files, served only after the permission check of the case."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from foundation.files import private_pdf_response

from .. import rules as app_rules
from .. import selectors


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    application = selectors.application_detail(request.user, pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    return private_pdf_response(attachment.file, attachment.original_name)


@login_required
def receipt_download(request, pk: int, version: int):
    application = selectors.application_detail(request.user, pk)
    if not app_rules.may_download_receipt(request.user, application):
        raise PermissionDenied
    receipt = get_object_or_404(application.receipts, version=version)
    return private_pdf_response(receipt.file, receipt.download_name)
