"""Serving the private files of a case (attachments, receipts, notices, SEPA files) after the caller's
permission check."""

from django.http import FileResponse, Http404


def private_file_response(field_file, name: str, *, content_type: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: the field holds no file
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def private_pdf_response(field_file, name: str) -> FileResponse:
    return private_file_response(field_file, name, content_type="application/pdf")
