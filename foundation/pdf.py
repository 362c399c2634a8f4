"""HTML → PDF with WeasyPrint. Callers render their template inside translation.override(...)."""


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: heavy, only workers need it

    return HTML(string=html).write_pdf()
