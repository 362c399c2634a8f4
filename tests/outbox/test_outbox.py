"""The outbox: promised work survives a broker outage, is done once, and is visible to staff when stuck."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from applications import services as application_services
from applications.models import Receipt
from outbox import services
from outbox.models import OutboxMessage
from outbox.selectors import stuck_messages
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def broker_down():
    return mock.patch("outbox.tasks.run.apply_async", side_effect=ConnectionRefusedError("broker down"))


def submit(complete, applicant, capture):
    with capture(execute=True):
        return application_services.submit_application(actor=applicant, application_id=complete.pk)


def test_a_submission_promises_its_receipt_and_mails_in_the_same_transaction(
        complete, applicant, django_capture_on_commit_callbacks):
    with broker_down():
        submit(complete, applicant, django_capture_on_commit_callbacks)
    receipt = OutboxMessage.objects.get(key=f"receipt:{complete.pk}:1")
    assert receipt.state == State.PENDING and receipt.task == "applications.tasks.render_receipt"
    assert receipt.due_at <= timezone.now()  # the failed hand-over makes it due for the sweeper at once
    assert OutboxMessage.objects.filter(task="accounts.tasks.send_email").exists()
    assert not Receipt.objects.exists() and not mail.outbox


def test_the_sweeper_does_the_work_once_after_the_broker_returns(
        complete, applicant, django_capture_on_commit_callbacks):
    with broker_down():
        submit(complete, applicant, django_capture_on_commit_callbacks)
        assert services.sweep() == 0  # still down: nothing handed over, nothing lost
    OutboxMessage.objects.update(due_at=timezone.now())
    assert services.sweep() == OutboxMessage.objects.count()
    assert Receipt.objects.filter(application=complete, version=1).count() == 1
    sent = len(mail.outbox)
    assert sent >= 1
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.DONE}
    # Everything delivered again (a redelivery, a second sweeper): nothing happens twice.
    for message in OutboxMessage.objects.all():
        services.run_message(outbox_id=message.pk)
    OutboxMessage.objects.update(due_at=timezone.now() - timedelta(hours=1))
    assert services.sweep() == 0
    assert Receipt.objects.filter(application=complete).count() == 1 and len(mail.outbox) == sent


def test_the_same_key_promises_once():
    first = services.enqueue(task="accounts.tasks.send_email", key="k", kwargs={"to": "a@example.org",
                                                                               "subject": "s", "body": "b"})
    second = services.enqueue(task="accounts.tasks.send_email", key="k", kwargs={"to": "other@example.org"})
    assert first.pk == second.pk and OutboxMessage.objects.count() == 1


def test_a_failing_task_backs_off_and_is_shown_to_staff(settings):
    message = services.enqueue(task="accounts.tasks.send_email", key="mail:x", at_most_once=True,
                               kwargs={"to": "a@example.org", "subject": "s", "body": "b"}, label="Testmail")
    with mock.patch("accounts.tasks.send_mail", side_effect=OSError("mail server down")):
        services.run_message(outbox_id=message.pk)
    message.refresh_from_db()
    assert message.state == State.PENDING and "mail server down" in message.last_error
    assert message.due_at > timezone.now()
    assert list(stuck_messages()) == [message]
    settings.OUTBOX_MAX_ATTEMPTS = 0
    with mock.patch("accounts.tasks.send_mail", side_effect=OSError("still down")):
        services.run_message(outbox_id=message.pk)
    message.refresh_from_db()
    assert message.state == State.FAILED


def test_a_mail_is_sent_at_most_once_even_when_delivered_twice():
    message = services.enqueue(task="accounts.tasks.send_email", key="mail:y", at_most_once=True,
                               kwargs={"to": "a@example.org", "subject": "s", "body": "b"})
    services.run_message(outbox_id=message.pk)
    services.run_message(outbox_id=message.pk)
    assert len(mail.outbox) == 1


def test_a_claimed_mail_is_not_resent_by_the_sweeper_but_shown_to_staff(settings):
    message = services.enqueue(task="accounts.tasks.send_email", key="mail:z", at_most_once=True,
                               kwargs={"to": "a@example.org", "subject": "s", "body": "b"})
    # A worker claimed it and died while sending.
    OutboxMessage.objects.filter(pk=message.pk).update(state=State.CLAIMED,
                                                       claimed_at=timezone.now() - timedelta(hours=1),
                                                       due_at=timezone.now() - timedelta(hours=1))
    assert services.sweep() == 0 and not mail.outbox
    assert message.pk in [m.pk for m in stuck_messages()]


def test_staff_see_stuck_work_and_retry_it_on_the_page_and_the_api(client):
    message = services.enqueue(task="accounts.tasks.send_email", key="mail:w", at_most_once=True,
                               kwargs={"to": "a@example.org", "subject": "s", "body": "b"}, label="Mail an a")
    OutboxMessage.objects.filter(pk=message.pk).update(state=State.FAILED, last_error="SMTPServerDisconnected")
    worker = staff_user("case_worker")
    client.force_login(worker)
    page = client.get(reverse("outbox:stuck")).content.decode()
    assert "Mail an a" in page and "SMTPServerDisconnected" in page
    response = client.post(reverse("outbox:retry", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == State.PENDING and message.attempts == 0

    OutboxMessage.objects.filter(pk=message.pk).update(state=State.FAILED)
    api = APIClient()
    api.force_login(worker)
    rows = api.get("/api/v1/staff/outbox/").json()["results"]
    assert [row["id"] for row in rows] == [message.pk]
    assert api.post(f"/api/v1/staff/outbox/{message.pk}/retry/").json()["state"] == "pending"


@pytest.mark.parametrize("role", ["applicant", "jury"])
def test_others_cannot_see_or_retry_background_work(client, role):
    message = services.enqueue(task="accounts.tasks.send_email", key="mail:v", kwargs={})
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("outbox:stuck")).status_code == 403
    assert client.post(reverse("outbox:retry", args=[message.pk])).status_code == 403
    api = APIClient()
    api.force_login(UserFactory(roles=[role]))
    assert api.get("/api/v1/staff/outbox/").status_code == 403
    assert api.post(f"/api/v1/staff/outbox/{message.pk}/retry/").status_code == 403


def test_the_stuck_list_keeps_its_query_count(client, django_assert_max_num_queries):
    client.force_login(staff_user("case_worker"))
    for n in range(30):
        message = services.enqueue(task="accounts.tasks.send_email", key=f"mail:{n}", kwargs={})
        OutboxMessage.objects.filter(pk=message.pk).update(state=State.FAILED)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("outbox:stuck")).status_code == 200


def test_the_finance_dashboard_counts_stuck_work_as_needing_action(client):
    message = services.enqueue(task="accounts.tasks.send_email", key="mail:dash", kwargs={}, label="Bescheid X")
    OutboxMessage.objects.filter(pk=message.pk).update(state=State.FAILED, last_error="OSError: disk full")
    client.force_login(staff_user("case_worker"))
    page = client.get(reverse("payments:dashboard-actions")).content.decode()
    assert "Hängende Hintergrundarbeiten" in page and "Bescheid X" in page and "disk full" in page
    api = APIClient()
    api.force_login(staff_user("case_worker"))
    from tests.factories import CallFactory

    call = CallFactory()
    groups = api.get(f"/api/v1/staff/payments/dashboard/{call.pk}/").json()["actions"]
    stuck = next(g for g in groups if g["kind"] == "background_work")
    assert [item["object_id"] for item in stuck["items"]] == [message.pk]
