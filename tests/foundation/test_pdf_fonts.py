"""WeasyPrint's font configuration is made once per thread and reused for every document (foundation.pdf)."""

import threading
from unittest import mock

from foundation import pdf


def test_every_document_of_a_thread_uses_one_font_configuration():
    from weasyprint import HTML

    with mock.patch.object(HTML, "write_pdf", autospec=True, return_value=b"%PDF") as write:
        pdf.render_pdf("<p>eins</p>")
        pdf.render_pdf("<p>zwei</p>")
    first, second = (call.kwargs["font_config"] for call in write.call_args_list)
    assert first is second is pdf.font_configuration()


def test_another_thread_gets_its_own():
    here = pdf.font_configuration()
    there = []
    thread = threading.Thread(target=lambda: there.append(pdf.font_configuration()))
    thread.start()
    thread.join()
    assert there[0] is not here


def test_documents_rendered_one_after_the_other_keep_their_own_text():
    """The shared configuration carries nothing of one document into the next."""
    import io

    from pypdf import PdfReader

    for word in ("Zuwendungsbescheid", "Ablehnungsbescheid"):
        reader = PdfReader(io.BytesIO(pdf.render_pdf(f'<p style="font-family: sans-serif">{word} äöü €</p>')))
        assert [page.extract_text().strip() for page in reader.pages] == [f"{word} äöü €"]
