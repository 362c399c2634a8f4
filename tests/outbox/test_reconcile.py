"""manage.py reconcile_documents: after a restore, every case gets the document it lacks, once."""

import pytest
from django.core.management import call_command

from applications import services as application_services
from applications.models import Receipt
from outbox.models import OutboxMessage
from payments.enums import GrantState, NoticeKind
from payments.models import Notice
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db


def reconcile(capture, *args):
    with capture(execute=True), pytest.raises(SystemExit) as done:
        call_command("reconcile_documents", *args)
    return done.value.code


def test_a_lost_receipt_and_a_missing_notice_are_promised_again_once(
        complete, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application_services.submit_application(actor=applicant, application_id=complete.pk)
    assert Receipt.objects.filter(application=complete).count() == 1
    Receipt.objects.all().delete()  # the media and database backups did not match
    grant = make_grant(state=GrantState.APPROVED, issued_on=None, with_bank_account=False)  # never promised

    assert reconcile(django_capture_on_commit_callbacks, "--dry-run") == 1
    assert not Receipt.objects.exists()  # a dry run promises nothing

    assert reconcile(django_capture_on_commit_callbacks) == 1
    assert Receipt.objects.filter(application=complete, version=1).count() == 1
    assert Notice.objects.filter(grant=grant, kind=NoticeKind.GRANT).count() == 1
    assert OutboxMessage.objects.get(key=f"receipt:{complete.pk}:1").state == OutboxMessage.State.DONE

    # Nothing missing any more: the command says so and promises nothing.
    before = OutboxMessage.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile_documents")
    assert OutboxMessage.objects.count() == before
    assert Receipt.objects.count() == 1 and Notice.objects.filter(grant=grant).count() == 1
