"""Serving the private files of a case (attachments, receipts) after the caller's permission check."""

from django.http import FileResponse, Http404


def private_pdf_response(field_file, name: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
