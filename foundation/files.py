"""Serving the private files of a case (attachments, receipts, notices, SEPA files) after the caller's
permission check, and the one home of download names: every file the portal hands out is named in
German (``Rangliste-Sitzung-1.pdf``) and sent with an ASCII-safe ``filename`` plus, where the name has
umlauts, the exact UTF-8 name as RFC 6266 ``filename*``."""

import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, Http404

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')  # path separators, quotes, header delimiters
_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"-{2,}")


def download_name(*parts, ext: str) -> str:
    """German download name from its parts: download_name("Rangliste", "Sitzung", 1, ext="pdf") →
    "Rangliste-Sitzung-1.pdf". Empty parts are left out; slashes and quotes never reach the name."""
    words = [_DASHES.sub("-", _SPACES.sub("-", _UNSAFE.sub("-", str(p)))).strip("-.") for p in parts
             if p not in (None, "")]
    return f"{'-'.join(w for w in words if w) or 'Datei'}.{ext}"


def ascii_name(name: str) -> str:
    """The ASCII fallback of a download name: umlauts spelled out (ä → ae), other accents dropped."""
    text = unicodedata.normalize("NFKD", name.translate(_UMLAUTS)).encode("ascii", "ignore").decode()
    return _UNSAFE.sub("_", text).strip() or "Datei"


def content_disposition(name: str) -> str:
    """`attachment; filename="Rueckforderungsbescheid.pdf"; filename*=UTF-8''R%C3%BCckforderungsbescheid.pdf`"""
    name = _UNSAFE.sub("_", name)
    fallback = ascii_name(name)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def private_file_response(field_file, name: str, *, content_type: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: the field holds no file
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=ascii_name(name))
    response["Content-Disposition"] = content_disposition(name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def private_pdf_response(field_file, name: str) -> FileResponse:
    return private_file_response(field_file, name, content_type="application/pdf")
