"""Checks an uploaded attachment by its content: a real, readable, unencrypted PDF within the limit,
without active content (scripts, launch or submit actions, embedded files, XFA forms) and not at
the same time another kind of file (a PDF+ZIP polyglot)."""

import hashlib
import io
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from .exceptions import ApplicationError

# Keys whose presence anywhere in the document means active or hidden content.
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/XFA"}
# Action types that run code, start programs, send data or open embedded documents.
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute",
                   "/Rendition", "/Movie", "/Sound"}
_ACTIVE_SUBTYPES = {"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen"}
_MAX_OBJECTS = 200_000


def _too_large() -> ApplicationError:
    return ApplicationError(_("Die Datei ist größer als %(n)d MB.") % {"n": settings.MAX_UPLOAD_MB}, field="file")


def active_content(reader: PdfReader) -> str | None:
    """The first kind of active content found in the document's object graph, or None."""
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > _MAX_OBJECTS:
            return "/TooComplex"
        if isinstance(obj, DictionaryObject):
            for name in obj:
                if name in _ACTIVE_KEYS:
                    return str(name)
            for field, values in (("/S", _ACTIVE_ACTIONS), ("/Subtype", _ACTIVE_SUBTYPES)):
                value = obj.get(field)
                if isinstance(value, NameObject) and value in values:
                    return str(value)
            stack.extend(value for name, value in obj.items() if name != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def check_pdf(upload) -> tuple[bytes, str]:
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large()
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large()
    if not content:
        raise ApplicationError(_("Die Datei ist leer."), field="file")
    if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-2048:]:
        raise ApplicationError(_("Die Datei ist kein PDF-Dokument. Bitte laden Sie ein PDF hoch."),
                               field="file")
    if zipfile.is_zipfile(io.BytesIO(content)):
        raise ApplicationError(_("Die Datei ist zugleich ein ZIP-Archiv. Bitte laden Sie ein reines PDF hoch "
                                 "(z. B. neu als PDF drucken oder exportieren)."), field="file")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ApplicationError(_("Verschlüsselte PDF-Dateien können nicht angenommen werden."),
                                   field="file")
        if len(reader.pages) < 1:
            raise ApplicationError(_("Das PDF-Dokument enthält keine Seite."), field="file")
        found = active_content(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ApplicationError(_("Die PDF-Datei ist beschädigt und kann nicht gelesen werden."),
                               field="file") from None
    if found:
        raise ApplicationError(
            _("Die PDF-Datei enthält aktive Inhalte (Skripte, Aktionen, eingebettete Dateien oder Formulare, "
              "hier: %(what)s), die aus Sicherheitsgründen nicht angenommen werden. Bitte speichern Sie das "
              "Dokument neu als einfaches PDF (z. B. „Drucken als PDF“) und laden Sie es erneut hoch.")
            % {"what": found.lstrip("/")}, field="file")
    return content, hashlib.sha256(content).hexdigest()


def stored_name(name: str) -> str:
    """The file name kept and offered for download: the base name, always ending in `.pdf`."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".") or "anlage"
    if not base.lower().endswith(".pdf"):
        base = f"{base.rsplit('.', 1)[0] if '.' in base else base}.pdf"
    return base[-255:] if len(base) > 255 else base
