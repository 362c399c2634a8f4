"""Documents made in the background (downloads/): requested by one person, promised in the request's transaction,
made once, handed out to that person only — through the page and the API alike."""

import pytest
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from downloads import services
from downloads.exceptions import DownloadError
from downloads.models import Download, DownloadState
from outbox.models import OutboxMessage
from tests.factories import UserFactory, staff_user
from tests.jury.factories import scored_call

pytestmark = pytest.mark.django_db


def request_pdf(client, call):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("jury:ranking-pdf", args=[call.pk]))


def test_the_ranking_pdf_is_promised_with_the_request_made_once_and_handed_to_its_owner(client):
    call, *_ = scored_call()
    worker = staff_user()
    client.force_login(worker)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = client.post(reverse("jury:ranking-pdf", args=[call.pk]))
    download = Download.objects.get()
    # the promise is a row of the same transaction; nothing is made before the commit
    assert response.status_code == 302 and response["Location"] == reverse("downloads:detail",
                                                                            args=[download.public_id])
    assert download.state == DownloadState.PENDING and not download.file
    assert OutboxMessage.objects.filter(key=f"download:{download.pk}").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "wird erstellt" in page and 'hx-trigger="every 2s"' in page  # the page refreshes itself
    for callback in callbacks:
        callback()
    download.refresh_from_db()
    assert download.state == DownloadState.READY and download.size > 0 and len(download.sha256) == 64
    page = client.get(response["Location"]).content.decode()
    assert "Das Dokument ist fertig" in page and "hx-trigger" not in page
    assert f"Rangliste-Aufruf-{call.pk}.pdf herunterladen" in page
    file = client.get(reverse("downloads:file", args=[download.public_id]))
    assert b"".join(file.streaming_content).startswith(b"%PDF") and file["Cache-Control"] == "private, no-store"
    assert download.label in client.get(reverse("downloads:list")).content.decode()

    # running the promised work again changes nothing
    services.make_download(download_id=download.pk)
    assert Download.objects.get().sha256 == download.sha256


def test_a_second_click_while_it_is_made_gives_the_same_document(client):
    call, *_ = scored_call()
    client.force_login(staff_user())
    with TestCase.captureOnCommitCallbacks(execute=False):
        first = client.post(reverse("jury:ranking-pdf", args=[call.pk]))
        second = client.post(reverse("jury:ranking-pdf", args=[call.pk]))
    assert first["Location"] == second["Location"]
    assert Download.objects.count() == 1 and OutboxMessage.objects.filter(key__startswith="download:").count() == 1


def test_nobody_else_sees_or_fetches_someones_document(client):
    call, *_ = scored_call()
    owner = staff_user()
    client.force_login(owner)
    request_pdf(client, call)
    download = Download.objects.get()
    for other in (staff_user("approver"), staff_user("admin"), UserFactory()):
        client.force_login(other)
        assert client.get(reverse("downloads:detail", args=[download.public_id])).status_code == 404
        assert client.get(reverse("downloads:file", args=[download.public_id])).status_code == 404
        assert download.label not in client.get(reverse("downloads:list")).content.decode()
        api = APIClient()
        api.force_authenticate(other)
        assert api.get(f"/api/v1/downloads/{download.public_id}/").status_code == 404
        assert api.get(f"/api/v1/downloads/{download.public_id}/file/").status_code == 404
        assert api.get("/api/v1/downloads/").json()["count"] == 0


def test_who_may_not_see_the_ranking_cannot_request_it(client):
    call, *_ = scored_call()
    client.force_login(UserFactory(roles=["applicant"]))
    assert client.post(reverse("jury:ranking-pdf", args=[call.pk])).status_code == 403
    with pytest.raises(Exception) as refused:
        services.request_download(actor=User.objects.get(pk=client.session["_auth_user_id"]),
                                  kind="jury.ranking_pdf", params={"call_id": call.pk})
    assert refused.type.__name__ == "PermissionDenied"
    assert not Download.objects.exists() and not OutboxMessage.objects.filter(key__startswith="download:").exists()


def test_a_right_lost_before_the_document_is_made_gives_a_refusal_not_the_document(client):
    call, *_ = scored_call()
    worker = staff_user()
    client.force_login(worker)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        client.post(reverse("jury:ranking-pdf", args=[call.pk]))
    worker.groups.clear()  # no longer a case worker
    for callback in callbacks:
        callback()
    download = Download.objects.get()
    assert download.state == DownloadState.REFUSED and not download.file
    assert "keinen Zugriff" in download.reason
    assert OutboxMessage.objects.get(key=f"download:{download.pk}").state == OutboxMessage.State.DONE


def test_unknown_kinds_and_bad_parameters_are_clear_errors_that_change_nothing():
    worker = staff_user()
    with pytest.raises(DownloadError, match="gibt es nicht"):
        services.request_download(actor=worker, kind="jury.nothing", params={})
    with pytest.raises(DownloadError, match="ungültig"):
        services.request_download(actor=worker, kind="jury.ranking_pdf", params={"call_id": "abc"})
    with pytest.raises(DownloadError, match="ungültig"):
        services.request_download(actor=worker, kind="payments.dashboard_xlsx", params={"kind": "salaries"})
    with pytest.raises(DownloadError, match="nicht gefunden"):  # through the API the view's 404 is not in front
        services.request_download(actor=worker, kind="payments.dashboard_xlsx",
                                  params={"kind": "grants", "call": 999999})
    api = APIClient()
    api.force_authenticate(worker)
    response = api.post("/api/v1/downloads/", {"kind": "jury.nothing"}, format="json")
    assert response.status_code == 400 and "jury.ranking_pdf" in str(response.json())
    assert api.post("/api/v1/downloads/", {"kind": "jury.ranking_pdf", "params": {"call_id": "x"}},
                    format="json").status_code == 400
    assert not Download.objects.exists()


@pytest.mark.parametrize(("kind", "ext", "magic"), [("jury.ranking_pdf", "pdf", b"%PDF"),
                                                    ("jury.ranking_xlsx", "xlsx", b"PK")])
def test_the_api_requests_polls_and_fetches_a_document(kind, ext, magic):
    call, *_ = scored_call()
    api = APIClient()
    api.force_authenticate(staff_user())
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post("/api/v1/downloads/", {"kind": kind, "params": {"call_id": call.pk}}, format="json")
    assert response.status_code == 202, response.content
    public_id = response.json()["id"]
    state = api.get(f"/api/v1/downloads/{public_id}/").json()
    assert state["state"] == "ready" and state["filename"] == f"Rangliste-Aufruf-{call.pk}.{ext}"
    file = api.get(f"/api/v1/downloads/{public_id}/file/")
    assert file.status_code == 200 and b"".join(file.streaming_content).startswith(magic)


def test_the_dashboard_workbook_is_made_in_the_background(client):
    from tests.payments.factories import money_world

    world = money_world()
    client.force_login(staff_user())
    assert client.get(reverse("payments:dashboard-export-xlsx", args=["grants"])).status_code == 405
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("payments:dashboard-export-xlsx", args=["grants"]) + f"?call={world.call.pk}")
    download = Download.objects.get()
    assert download.params == {"kind": "grants", "call": world.call.pk}
    assert download.state == DownloadState.READY and download.filename == f"Zuwendungen-Aufruf-{world.call.pk}.xlsx"
    assert response["Location"] == reverse("downloads:detail", args=[download.public_id])
    assert client.post(reverse("payments:dashboard-export-xlsx", args=["grants"]) + "?call=999999").status_code == 404
    assert Download.objects.count() == 1
