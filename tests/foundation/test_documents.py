"""Every PDF the portal writes carries the letterhead, one font, and no orphan last page.

Set PDF_DUMP_DIR=/some/dir to keep the rendered documents for a look (pdftoppm -png -r 60).
"""

import datetime as dt
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings
from pypdf import PdfReader

from applications.enums import CostCategory
from applications.pdf import receipt_pdf
from applications.services import CostLineInput, add_attachment, submit_application, update_application
from foundation.pdf import court_for, sender
from jury.models import SessionDocument
from payments.models import Recovery
from payments.pdf import amendment_notice_pdf, grant_notice_pdf, rejection_notice_pdf
from payments.recovery_pdf import recovery_notice_pdf
from payments.services import decisions as decision_services
from payments.services import proofs_settlement as settlement_svc
from tests.factories import ApplicationFactory, CallFactory, MunicipalityFactory, member_of, pdf_upload, staff_user
from tests.payments.factories import TEST_RATES_2026, accepted_final, approved, decidable, ended_grant, pay, seed_rates

pytestmark = pytest.mark.django_db

LONG = ("Die Kommune baut gemeinsam mit ihren Partnern eine offene Datenplattform auf, verbindet Sensoren im "
        "Stadtgebiet und macht die Daten für Bürgerinnen und Bürger, Verwaltung und Wirtschaft nutzbar. ") * 6


def addressed(**kwargs):
    return MunicipalityFactory(name="Universitätsstadt Marburg", street="Markt 1", postal_code="35037",
                               city="Marburg", **kwargs)


def pages(content: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()).replace("\xa0", " ")
            for page in PdfReader(io.BytesIO(content)).pages]


def dump(name: str, content: bytes) -> bytes:
    target = os.environ.get("PDF_DUMP_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / f"{name}.pdf").write_bytes(content)
    if os.environ.get("UPDATE_GUIDE_SCREENSHOTS") == "1" and name == "grant_notice":
        # the user guide's picture of a grant notice (docs/guide/img/grant-notice-1.png, -2.png, …)
        import subprocess
        import tempfile

        from django.conf import settings

        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
            pdf.write(content)
            pdf.flush()
            subprocess.run(["pdftoppm", "-png", "-r", "60", pdf.name,
                            str(Path(settings.BASE_DIR) / "docs" / "guide" / "img" / "grant-notice")], check=True)
    return content


def fonts(content: bytes) -> set[str]:
    """The base font names used on every page, e.g. {'DejaVuSans', 'DejaVuSans-Bold'} (subset tags removed)."""
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]).lstrip("/")))
    return names


def assert_letterhead(text: str):
    flat = re.sub(r"\s", "", text)
    for part in ("Hessisches Ministerium für Digitalisierung und Innovation", "Georg-August-Zinn-Straße 1",
                 "65183 Wiesbaden", "Telefon", "foerderung-smarte-kommunen@digitales.hessen.de"):
        assert re.sub(r"\s", "", part) in flat, part


def assert_one_sans_font(content: bytes):
    used = fonts(content)
    assert used and all(name.replace("-", "").startswith("DejaVuSans") for name in used), used


def assert_no_orphan_page(content: bytes, minimum: int = 400):
    texts = pages(content)
    for number, text in enumerate(texts, 1):
        body = re.sub(r"Seite \d+ von \d+|\S+ · Aktenzeichen \S+", "", text)  # the page foot
        assert len(body) >= minimum or len(texts) == 1, f"Seite {number} von {len(texts)}: nur {body!r}"


# ---------------------------------------------------------------- configuration


def test_sender_and_court_come_from_settings():
    with override_settings(LETTERHEAD={"land": "Freistaat Beispiel", "authority": "Beispielministerium",
                                       "street": "Allee 2", "postal_code": "01234", "city": "Musterstadt"},
                           LETTERHEAD_COURT={"name": "Verwaltungsgericht Musterstadt", "street": "Gerichtsweg 1",
                                             "postal_code": "01234", "city": "Musterstadt"},
                           LETTERHEAD_COURTS={"06611": {"name": "Verwaltungsgericht Kassel",
                                                        "street": "Goethestraße 41", "postal_code": "34119",
                                                        "city": "Kassel"}}):
        assert sender(case_worker="Sascha S.")["place"] == "01234 Musterstadt"
        assert sender(case_worker="Sascha S.")["case_worker"] == "Sascha S."
        assert court_for("06611000")["name"] == "Verwaltungsgericht Kassel"
        assert court_for("06534014")["address"] == "Gerichtsweg 1, 01234 Musterstadt"
        app = decidable(CallFactory(), lead=addressed(), grant="150000.00")
        decision = decision_services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                                      kind="reject", reasons="Nicht übertragbar.")
        text = " ".join(pages(rejection_notice_pdf(decision, issued_on=dt.date(2027, 5, 3))[0]))
    assert "Beispielministerium" in text and "Allee 2" in text and "Freistaat Beispiel" in text
    assert "Verwaltungsgericht Musterstadt, Gerichtsweg 1, 01234 Musterstadt" in text
    assert "Hessisches Ministerium" not in text and "Wiesbaden" not in text


# ---------------------------------------------------------------- the notices


def test_grant_notice_names_sender_recipient_address_case_worker_and_court():
    call = CallFactory()
    grant, ctx = approved(call, lead=addressed(), grant="200000.00", years={2027: "3", 2028: "1"})
    content, figures = grant_notice_pdf(grant, issued_on=dt.date(2027, 2, 1))
    dump("grant_notice", content)
    text = " ".join(pages(content))
    assert_letterhead(text)
    assert "Universitätsstadt Marburg Markt 1 35037 Marburg" in text
    assert ctx["worker"].display_name in text  # the case worker who prepared the decision
    assert ("Klage beim Verwaltungsgericht Wiesbaden, Mainzer Straße 124, 65189 Wiesbaden, erhoben"
            in text)
    assert figures["recipient"]["street"] == "Markt 1" and figures["court"]["city"] == "Wiesbaden"
    assert_one_sans_font(content)
    assert_no_orphan_page(content)


def test_notice_without_a_postal_address_says_so_instead_of_an_empty_block():
    grant, _ctx = approved(CallFactory(), grant="150000.00")
    text = " ".join(pages(grant_notice_pdf(grant, issued_on=dt.date(2027, 2, 1))[0]))
    assert grant.application.lead.name in text and "Postanschrift nicht hinterlegt" in text


def test_long_grant_notice_with_many_cost_lines_and_amendment():
    grant, _ctx = approved(CallFactory(), lead=addressed(), grant="2400000.00", years={2027: "1", 2028: "1"})
    app = grant.application
    app.summary = LONG
    app.save(update_fields=["summary"])
    lines = list(app.cost_lines.all())
    for i in range(40):
        base = lines[i % len(lines)]
        base.pk = None
        base.position = 100 + i
        base.description = f"Position {i + 1}: Sensoren, Gateways und Montage im Ortsteil {i + 1}"
        base.amount = Decimal("1000.00")
        base.save()
    content, _figures = grant_notice_pdf(grant, issued_on=dt.date(2027, 2, 1))
    dump("grant_notice_long", content)
    assert len(pages(content)) >= 3
    assert_one_sans_font(content)
    assert_no_orphan_page(content)
    content, _figures = amendment_notice_pdf(grant, issued_on=dt.date(2027, 9, 1), amendment=1,
                                             reason="Verlängerung wegen Lieferverzug. " * 5,
                                             old_amount="2400000.00", old_project_end="2028-06-30")
    dump("amendment_notice", content)
    text = " ".join(pages(content))
    assert_letterhead(text)
    assert "35037 Marburg" in text and "Mainzer Straße 124" in text
    assert_one_sans_font(content)
    assert_no_orphan_page(content)


def test_rejection_notice_carries_the_letterhead():
    app = decidable(CallFactory(), lead=addressed(), grant="150000.00")
    worker = staff_user("case_worker", first_name="Sascha", last_name="Sachbearbeitung")
    decision = decision_services.prepare_decision(actor=worker, application_id=app.pk, kind="reject",
                                                  reasons="Das Vorhaben ist nicht übertragbar. " * 8)
    content, figures = rejection_notice_pdf(decision, issued_on=dt.date(2027, 5, 3))
    dump("rejection_notice", content)
    text = " ".join(pages(content))
    assert_letterhead(text)
    assert "Markt 1 35037 Marburg" in text and "Sascha Sachbearbeitung" in text
    assert "Verwaltungsgericht Wiesbaden, Mainzer Straße 124, 65189 Wiesbaden" in text
    assert figures["sender"]["case_worker"] == "Sascha Sachbearbeitung"
    assert_one_sans_font(content)


def test_recovery_notice_carries_the_letterhead():
    seed_rates(*TEST_RATES_2026)
    grant = ended_grant(lead=addressed())
    pay(grant, "180000.00")
    accepted_final(grant, ["100000.00", "50000.00"])
    preparer = staff_user("case_worker", first_name="Sascha", last_name="Sachbearbeitung")
    settlement = settlement_svc.prepare_settlement(actor=preparer, grant_id=grant.pk,
                                                   ineffective_from=dt.date(2025, 8, 1))
    settlement_svc.confirm_settlement(actor=staff_user("approver"), settlement_id=settlement.pk,
                                      today=dt.date(2025, 10, 1))
    recovery = Recovery.objects.select_related("grant__application__lead", "settlement").get(grant=grant)
    content, _figures = recovery_notice_pdf(recovery, issued_on=dt.date(2025, 10, 1))
    dump("recovery_notice", content)
    text = " ".join(pages(content))
    assert_letterhead(text)
    assert "Markt 1 35037 Marburg" in text and "Sascha Sachbearbeitung" in text
    assert "Mainzer Straße 124, 65189 Wiesbaden" in text
    assert_one_sans_font(content)
    assert_no_orphan_page(content)


# ---------------------------------------------------------------- the receipt


def _submitted(lead, *, lines: int, summary: str = "Kurz"):
    call = CallFactory()
    applicant = member_of(lead)
    app = ApplicationFactory(call=call, lead=lead, created_by=applicant)
    costs = [CostLineInput(CostCategory.INVESTMENT if i % 2 else CostCategory.SERVICES,
                           f"Leistung {i + 1}: Sensoren, Gateways und Montage", 2027 + i % 2, Decimal("60000.00"),
                           i % 7 != 6) for i in range(lines)]
    update_application(
        actor=applicant, application_id=app.pk,
        data={"summary": summary, "objectives": "Ziele", "benefit": "Nutzen", "transferability": "Übertragbar",
              "start_date": dt.date(2027, 3, 1), "end_date": dt.date(2028, 12, 31),
              "declaration_not_started": True, "declaration_own_share": True},
        topic_ids=[call.program.topics.first().pk], partner_ids=[], cost_lines=costs)
    add_attachment(actor=applicant, application_id=app.pk, kind="council_resolution", upload=pdf_upload())
    return submit_application(actor=applicant, application_id=app.pk)


@pytest.mark.parametrize("lines", [3, 8, 14, 24, 40])
def test_receipt_has_the_letterhead_and_no_orphan_page(lines):
    app = _submitted(addressed(), lines=lines, summary=LONG if lines > 10 else "Offene Datenplattform.")
    content, _record = receipt_pdf(app, version=1)
    dump(f"receipt_{lines}", content)
    text = " ".join(pages(content))
    assert_letterhead(text)
    assert "Markt 1 35037 Marburg" in text
    assert_one_sans_font(content)
    assert_no_orphan_page(content)


def test_receipt_of_a_normal_application_fits_on_one_page():
    """Three cost lines, one attachment, a short summary (the demo's application): one page, not two."""
    app = _submitted(addressed(), lines=3, summary="Die Kommune baut ein offenes Datenangebot auf und macht es "
                                                  "für Bürgerinnen und Bürger nutzbar.")
    content, _record = receipt_pdf(app, version=1)
    dump("receipt_normal", content)
    assert len(pages(content)) == 1


def test_page_numbers_use_the_body_font():
    """The page counter sits in the page margin, which does not inherit the body's font: @page names it."""
    from django.template.loader import render_to_string

    css = render_to_string("foundation/pdf/_style.html")
    counter = re.search(r"@bottom-right \{([^}]*)\}", css).group(1)
    assert '"DejaVu Sans"' in counter and 'font-family: "DejaVu Sans"' in css.split("@bottom-left")[0]


# ---------------------------------------------------------------- the jury documents


def test_jury_documents_carry_the_sender(django_capture_on_commit_callbacks):
    from jury import services
    from tests.jury.factories import application_in_evaluation, evaluated_call, score

    call, panel = evaluated_call(budget="1000000.00", min_scorers=1)
    for i in range(12):
        score(panel, application_in_evaluation(call, grant=f"{100000 + i * 10000}.00"), [[3 + i % 3, 4]])
    chair = panel.members.first().user
    panel.chair = chair
    panel.save(update_fields=["chair"])
    session = services.open_session(actor=chair, panel=panel, held_on=dt.date(2027, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.close_session(actor=chair, session_id=session.pk, notes="Einstimmig. " * 20)
    for document in SessionDocument.objects.filter(session=session, kind__in=["ranking_pdf", "minutes_pdf"]):
        content = document.file.read()
        dump(document.kind, content)
        text = " ".join(pages(content))
        assert_letterhead(text)
        assert_one_sans_font(content)


@pytest.mark.parametrize("value", ["{bad", "[1]", '{"066": "Kassel"}'])
def test_a_malformed_court_table_stops_the_start_with_a_clear_message(monkeypatch, value):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("LETTERHEAD_COURTS", value)
    sys.modules.pop("config.settings", None)
    try:
        with pytest.raises(ImproperlyConfigured, match="LETTERHEAD_COURTS must be JSON"):
            importlib.import_module("config.settings")
    finally:
        sys.modules.pop("config.settings", None)
