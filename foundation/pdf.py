"""HTML → PDF with WeasyPrint, and the letterhead every document shares.

Callers render their template inside translation.override(...). The sender, the Land and the
competent court come from settings (LETTERHEAD, LETTERHEAD_COURT, LETTERHEAD_COURTS), never from a
template: the software is meant to serve other Länder too. Every document template includes
templates/foundation/pdf/_style.html (one font throughout, page numbers in that font, no orphan
lines) and _letterhead.html (sender, recipient's postal address, case worker).
"""

import logging
import threading

from django.conf import settings

# WeasyPrint's font subsetting (fontTools) logs every glyph table at INFO/DEBUG: hundreds of lines
# per document in a console. Only its warnings and errors are worth seeing.
for _name in ("fontTools", "fontTools.subset", "fontTools.ttLib", "weasyprint", "weasyprint.progress"):
    logging.getLogger(_name).setLevel(logging.WARNING)

SENDER_FIELDS = ("land", "authority", "unit", "street", "postal_code", "city", "phone", "email", "website")
COURT_FIELDS = ("name", "street", "postal_code", "city")


_fonts = threading.local()


def font_configuration():
    """This thread's WeasyPrint font configuration, made once and used for every document.

    Without one, WeasyPrint loads the Fontconfig configuration and makes a new Pango font map for each
    document, and so loses Pango's font and shaping caches: about 20 of 160 ms per grant notice
    (bench/notices.py). Per thread, because a Pango font map is not safe to share between threads (a web
    process may render in several); a Celery child has one. Our templates use no ``@font-face`` (DejaVu Sans
    from the system), so the configuration holds nothing of one document that could leak into the next.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: heavy, only workers need it

    return HTML(string=html).write_pdf(font_config=font_configuration())


def sender(*, case_worker: str = "") -> dict:
    """The issuing authority with its postal address and contact; the case worker where there is one."""
    configured = getattr(settings, "LETTERHEAD", {}) or {}
    data = {name: str(configured.get(name, "") or "") for name in SENDER_FIELDS}
    data["place"] = " ".join(part for part in (data["postal_code"], data["city"]) if part)
    data["case_worker"] = case_worker or ""
    return data


def court_for(official_key: str = "") -> dict:
    """The administrative court competent for a recipient: the longest configured key prefix, else the default."""
    courts = getattr(settings, "LETTERHEAD_COURTS", {}) or {}
    chosen = getattr(settings, "LETTERHEAD_COURT", {}) or {}
    matches = [prefix for prefix in courts if official_key and official_key.startswith(prefix)]
    if matches:
        chosen = courts[max(matches, key=len)]
    data = {name: str(chosen.get(name, "") or "") for name in COURT_FIELDS}
    data["place"] = " ".join(part for part in (data["postal_code"], data["city"]) if part)
    data["address"] = ", ".join(part for part in (data["street"], data["place"]) if part)
    return data


def recipient(municipality) -> dict:
    """The address block of a municipality (any object with name, official_key, street, postal_code, city)."""
    street = getattr(municipality, "street", "") or ""
    place = " ".join(part for part in (getattr(municipality, "postal_code", "") or "",
                                       getattr(municipality, "city", "") or "") if part)
    return {"name": municipality.name, "official_key": municipality.official_key,
            "street": street, "place": place, "lines": [line for line in (street, place) if line]}


def warm_up() -> None:
    """Import WeasyPrint and lay out one small page.

    The first document of a process pays for the imports, cffi's set-up of Pango/HarfBuzz and the
    font configuration (about 1.4 s). A Celery worker calls this in each pool child as it starts
    (config/celery.py, ``worker_process_init``), so that cost is paid before the child takes its first
    task, not by the first notice. Not before forking: Pango's fontconfig thread makes that fork unsafe.
    It also makes the child's font configuration (`font_configuration`), which every later document reuses.
    """
    render_pdf('<p style="font-family: sans-serif">warm</p>')
