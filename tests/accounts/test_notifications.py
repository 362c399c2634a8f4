"""Plain-text mails reach the reader as typed (accounts.notifications.render_text): no HTML escaping of titles,
reasons and links in a text mail, whatever the template."""

import pytest
from django.core import mail

from applications.models import Application
from payments.services import proofs as services
from tests.factories import staff_user
from tests.payments.factories import ended_grant, submit_final

pytestmark = pytest.mark.django_db

TYPED = "Kita & Schule „Nord“ <Phase 2> – \"Bürger'innen\""
ESCAPED = ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;")


def _bodies(address) -> list[str]:
    return [m.body for m in mail.outbox if address in m.to]


def test_a_mail_shows_the_title_and_the_reason_as_they_were_typed(django_capture_on_commit_callbacks):
    grant = ended_grant()
    Application.objects.filter(pk=grant.application_id).update(title=TYPED)
    proof = submit_final(grant, ["100000.00", "90000.00"])
    with django_capture_on_commit_callbacks(execute=True):
        services.return_proof(actor=staff_user("case_worker"), proof_id=proof.pk,
                              reason='Bitte den "Sachbericht" & die <Anlage 3> ergänzen.')
    [body] = _bodies(grant.grantee.email)
    assert f"(„{TYPED}“)" in body
    assert 'Bitte den "Sachbericht" & die <Anlage 3> ergänzen.' in body
    assert not any(entity in body for entity in ESCAPED)


def test_a_template_that_turned_escaping_off_itself_renders_the_same():
    """The disbursement mails said ``{% autoescape off %}`` themselves; the renderer now does it for every mail."""
    from types import SimpleNamespace

    from accounts.notifications import render_text

    grant = SimpleNamespace(case_number="SHH2-2027-0001", application=SimpleNamespace(title=TYPED))
    d = SimpleNamespace(number=2, amount="1234.50")
    body = render_text("payments/mail/disbursements_rejected.txt", {"d": d, "grant": grant, "reason": "A & B"})
    assert f"(„{TYPED}“) wurde abgelehnt." in body and "über 1.234,50\xa0€" in body
    assert "Begründung:\nA & B\n" in body
    assert "autoescape" not in body and not any(entity in body for entity in ESCAPED)
