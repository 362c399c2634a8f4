"""The missing grant notices of a call at once (issue 13): staff start it (page with confirmation, API), one
outbox row per notice is handed to the workers, the progress is counted from the stored notices; safe twice."""

import pytest
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEntry
from outbox.models import OutboxMessage
from payments.enums import GrantState, NoticeKind
from payments.exceptions import PaymentsError
from payments.models import Notice, NoticeRun
from payments.selectors.notice_runs import progress
from payments.services.notice_runs import start_notice_run
from tests.factories import CallFactory, UserFactory, member_of, staff_user
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_with_grants():
    call = CallFactory()
    waiting = [make_grant(call=call, state=GrantState.APPROVED, issued_on=None, with_bank_account=False)
               for _ in range(3)]
    done = make_grant(call=call, state=GrantState.FINAL)  # has its notice already (issued)
    Notice.objects.create(application=done.application, grant=done, kind=NoticeKind.GRANT, version=1,
                          file="x.pdf", sha256="0" * 64, issued_on=done.notice_issued_on)
    make_grant(state=GrantState.APPROVED, issued_on=None, with_bank_account=False)  # another call's
    return call, waiting


def test_a_run_promises_one_notice_per_waiting_grant_and_the_workers_store_them(call_with_grants):
    call, waiting = call_with_grants
    worker = staff_user("case_worker")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        run = start_notice_run(actor=worker, call_id=call.pk)
    assert sorted(run.grant_ids) == sorted(g.pk for g in waiting)
    keys = {f"notice:grant:{g.pk}" for g in waiting}
    assert set(OutboxMessage.objects.filter(task="payments.render_grant_notice").values_list("key", flat=True)) == keys
    assert len(callbacks) == 3  # one hand-over to Celery per notice, after the commit
    assert progress(run) == progress(run).__class__(total=3, done=0, failed=0) and not progress(run).finished
    assert AuditEntry.objects.filter(action="notice_run.started", object_id=call.pk).count() == 1

    for callback in callbacks:  # the workers (eager here): each renders and stores its notice
        callback()
    assert progress(run).done == 3 and progress(run).finished
    for grant in waiting:
        grant.refresh_from_db()
        assert grant.state == GrantState.NOTICE_ISSUED


def test_starting_twice_gives_the_open_run_and_promises_nothing_new(call_with_grants):
    call, _ = call_with_grants
    worker, other = staff_user("case_worker"), staff_user("approver")
    with TestCase.captureOnCommitCallbacks(execute=False):
        first = start_notice_run(actor=worker, call_id=call.pk)
        second = start_notice_run(actor=other, call_id=call.pk)
    assert second.pk == first.pk and NoticeRun.objects.count() == 1
    assert OutboxMessage.objects.filter(task="payments.render_grant_notice").count() == 3


def test_a_notice_promised_at_confirmation_is_handed_over_again_and_a_failed_one_is_retried(call_with_grants):
    from outbox.services import enqueue
    from payments.services.decisions import grant_notice_promise

    call, waiting = call_with_grants
    pending = enqueue(**grant_notice_promise(waiting[0]))
    failed = enqueue(**grant_notice_promise(waiting[1]))
    OutboxMessage.objects.filter(pk=failed.pk).update(state=OutboxMessage.State.FAILED, attempts=48)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        start_notice_run(actor=staff_user(), call_id=call.pk)
    assert OutboxMessage.objects.filter(task="payments.render_grant_notice").count() == 3
    assert OutboxMessage.objects.get(pk=failed.pk).state == OutboxMessage.State.PENDING
    assert OutboxMessage.objects.get(pk=pending.pk).state == OutboxMessage.State.PENDING
    assert len(callbacks) == 3


def test_failed_notices_are_counted_and_end_the_run(call_with_grants):
    call, waiting = call_with_grants
    with TestCase.captureOnCommitCallbacks(execute=False):
        run = start_notice_run(actor=staff_user(), call_id=call.pk)
    OutboxMessage.objects.filter(key=f"notice:grant:{waiting[0].pk}").update(state=OutboxMessage.State.FAILED)
    assert (progress(run).failed, progress(run).finished) == (1, False)
    OutboxMessage.objects.filter(task="payments.render_grant_notice").update(state=OutboxMessage.State.FAILED)
    assert progress(run).finished
    with TestCase.captureOnCommitCallbacks(execute=False):  # finished: a new start is a new run
        again = start_notice_run(actor=staff_user(), call_id=call.pk)
    assert again.pk != run.pk and again.total == 3


def test_nothing_to_do_and_unknown_calls_are_clear_errors_that_change_nothing():
    worker = staff_user()
    with pytest.raises(PaymentsError, match="nichts zu erstellen"):
        start_notice_run(actor=worker, call_id=CallFactory().pk)
    with pytest.raises(PaymentsError, match="gibt es nicht"):
        start_notice_run(actor=worker, call_id=999999)
    assert not NoticeRun.objects.exists()


def test_only_money_staff_may_start(call_with_grants):
    from django.core.exceptions import PermissionDenied

    call, waiting = call_with_grants
    for user in (member_of(waiting[0].application.lead), UserFactory(roles=["jury"])):
        with pytest.raises(PermissionDenied):
            start_notice_run(actor=user, call_id=call.pk)
    assert not NoticeRun.objects.exists() and not OutboxMessage.objects.exists()


def test_the_pages_confirm_start_and_show_progress(client, call_with_grants):
    call, waiting = call_with_grants
    client.force_login(staff_user("case_worker"))
    assert reverse("payments:notice-run-start", args=[call.pk]) in client.get(
        reverse("payments:decisions-call", args=[call.pk])).content.decode()
    page = client.get(reverse("payments:notice-run-start", args=[call.pk])).content.decode()
    assert "3 Bescheide jetzt erstellen" in page
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = client.post(reverse("payments:notice-run-start", args=[call.pk]))
    run = NoticeRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("payments:notice-run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "0 von 3 Bescheiden erstellt" in page and 'hx-trigger="every 2s"' in page
    # a second click shows the same run
    assert client.post(reverse("payments:notice-run-start", args=[call.pk]))["Location"] == response["Location"]
    for callback in callbacks:
        callback()
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "3 von 3 Bescheiden erstellt" in partial and "abgeschlossen" in partial and "hx-trigger" not in partial
    assert "<html" not in partial
    # nothing left: the start page says so and a POST answers with the reason, nothing new
    assert "haben ihren Zuwendungsbescheid" in client.get(reverse("payments:notice-run-start", args=[call.pk])
                                                          ).content.decode()
    refused = client.post(reverse("payments:notice-run-start", args=[call.pk]), follow=True)
    assert "nichts zu erstellen" in refused.content.decode() and NoticeRun.objects.count() == 1


def test_the_api_starts_and_reports_progress(call_with_grants):
    call, _ = call_with_grants
    api = APIClient()
    api.force_authenticate(staff_user("approver"))
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = api.post("/api/v1/staff/payments/notice-runs/", {"call": call.pk}, format="json")
        again = api.post("/api/v1/staff/payments/notice-runs/", {"call": call.pk}, format="json")
    assert response.status_code == 202, response.content
    data = response.json()
    assert again.json()["id"] == data["id"]
    assert (data["total"], data["done"], data["failed"], data["finished"]) == (3, 0, 0, False)
    for callback in callbacks:
        callback()
    state = api.get(f"/api/v1/staff/payments/notice-runs/{data['id']}/").json()
    assert (state["done"], state["finished"]) == (3, True)
    assert api.get(f"/api/v1/staff/payments/notice-runs/?call={call.pk}").json()["count"] == 1
    assert api.post("/api/v1/staff/payments/notice-runs/", {"call": "x"}, format="json").status_code == 400
    assert api.post("/api/v1/staff/payments/notice-runs/", {"call": 999999}, format="json").status_code == 400
    assert api.post("/api/v1/staff/payments/notice-runs/", {}, format="json").status_code == 400
    outsider = APIClient()
    outsider.force_authenticate(UserFactory(roles=["jury"]))
    assert outsider.post("/api/v1/staff/payments/notice-runs/", {"call": call.pk}, format="json").status_code == 403
    assert NoticeRun.objects.count() == 1


def test_the_list_of_runs_does_not_grow_in_queries(call_with_grants, django_assert_max_num_queries):
    call, _ = call_with_grants
    api = APIClient()
    api.force_authenticate(staff_user("approver"))
    for _ in range(6):
        NoticeRun.objects.create(call=call, started_by=staff_user(), grant_ids=[1, 2, 3])
    api.get("/api/v1/staff/payments/notice-runs/")  # warm up (session, content types)
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/staff/payments/notice-runs/")
    assert response.json()["count"] == 6 and "done" not in response.json()["results"][0]
