"""Checks an uploaded attachment by its content: a real, readable, unencrypted PDF within the limit."""

import hashlib
import io

from django.conf import settings
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from .exceptions import ApplicationError


def check_pdf(upload) -> tuple[bytes, str]:
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ApplicationError(_("Die Datei ist größer als %(n)d MB.") % {"n": settings.MAX_UPLOAD_MB},
                               field="file")
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ApplicationError(_("Die Datei ist größer als %(n)d MB.") % {"n": settings.MAX_UPLOAD_MB},
                               field="file")
    if not content:
        raise ApplicationError(_("Die Datei ist leer."), field="file")
    if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-2048:]:
        raise ApplicationError(_("Die Datei ist kein PDF-Dokument. Bitte laden Sie ein PDF hoch."),
                               field="file")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ApplicationError(_("Verschlüsselte PDF-Dateien können nicht angenommen werden."),
                                   field="file")
        if len(reader.pages) < 1:
            raise ApplicationError(_("Das PDF-Dokument enthält keine Seite."), field="file")
    except (PyPdfError, ValueError, KeyError, TypeError):
        raise ApplicationError(_("Die PDF-Datei ist beschädigt und kann nicht gelesen werden."),
                               field="file") from None
    return content, hashlib.sha256(content).hexdigest()
