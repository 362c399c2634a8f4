"""Issue 11: the scoring page shows the whole application, its cost plan and its attachments; the
attachments are private to the members assigned to score it (`jury.view_application_documents`)."""

import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from applications.enums import AttachmentKind
from applications.models import Attachment, CostLine, ThirdPartyFunding
from jury.enums import AffiliationKind
from jury.models import Affiliation, Assignment
from jury.services import sync_exclusions
from tests.factories import MunicipalityFactory, UserFactory, minimal_pdf, staff_user
from tests.jury.factories import add_member, application_in_evaluation, assign, evaluated_call

pytestmark = pytest.mark.django_db


def attach(application, name="ratsbeschluss.pdf", kind=AttachmentKind.COUNCIL_RESOLUTION):
    content = minimal_pdf("Geheimer Ratsbeschluss")
    attachment = Attachment(application=application, kind=kind, original_name=name, size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_by=application.created_by)
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


@pytest.fixture
def world(db):
    call, panel = evaluated_call()
    partner = MunicipalityFactory(name="Partnerdorf")
    app = application_in_evaluation(call, grant="180000.00", years={2027: "1", 2028: "1"}, partners=[partner],
                                    summary="Sensoren an allen Laternen", objectives="Energie sparen")
    CostLine.objects.create(application=app, category="personnel", description="Projektleitung", budget_year=2028,
                            amount=Decimal("12000.00"), eligible=False)
    ThirdPartyFunding.objects.create(application=app, source="Stiftung Digitales Land", amount=Decimal("5000.00"))
    app.topics.add(call.program.topics.first())
    document = attach(app)
    assigned = add_member(panel)
    assign(assigned, app)
    unassigned = add_member(panel)
    excluded = add_member(panel)
    Affiliation.objects.create(member=excluded, kind=AffiliationKind.MUNICIPALITY, municipality=app.lead)
    sync_exclusions(actor=None, panel=panel)
    assert Assignment.objects.get(member=excluded, application=app).excluded
    other_call, other_panel = evaluated_call()
    other_app = application_in_evaluation(other_call, grant="150000.00")
    foreign = add_member(other_panel)
    assign(foreign, other_app)
    return {"app": app, "document": document, "assigned": assigned.user, "unassigned": unassigned.user,
            "excluded": excluded.user, "foreign": foreign.user, "other_app": other_app}


def test_the_scoring_page_shows_texts_plan_and_attachments(client, world):
    app, document = world["app"], world["document"]
    client.force_login(world["assigned"])
    response = client.get(reverse("jury:score", args=[app.pk]))
    html = response.content.decode().replace("\xa0", " ")
    assert response.status_code == 200
    assert "Sensoren an allen Laternen" in html and "Energie sparen" in html and "Partnerdorf" in html
    assert app.topics.first().name in html
    # the plan per category and year
    assert 'data-category="investment"' in html and 'data-category="personnel"' in html
    assert '<th scope="col" class="kern-table__header kern-table__header--numeric">2027</th>' in html
    assert "12.000,00 €" in html and "Stiftung Digitales Land: 5.000,00 €" in html
    # the attachment, through the jury's own private route
    assert reverse("jury:attachment", args=[app.pk, document.pk]) in html and "ratsbeschluss.pdf" in html
    assert "Ratsbeschluss" in html


def test_the_assigned_member_downloads_the_attachment(client, world):
    app, document = world["app"], world["document"]
    client.force_login(world["assigned"])
    response = client.get(reverse("jury:attachment", args=[app.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"%PDF")


@pytest.mark.parametrize("who", ["excluded", "unassigned", "foreign", "applicant", "case_worker"])
def test_everyone_else_gets_404(client, world, who):
    app, document = world["app"], world["document"]
    user = {"applicant": app.created_by, "case_worker": staff_user("case_worker")}.get(who) or world[who]
    client.force_login(user)
    assert client.get(reverse("jury:attachment", args=[app.pk, document.pk])).status_code == 404


def test_an_attachment_of_another_application_is_404(client, world):
    other_document = attach(world["other_app"], name="fremd.pdf")
    client.force_login(world["assigned"])
    assert client.get(reverse("jury:attachment", args=[world["app"].pk, other_document.pk])).status_code == 404


@pytest.mark.parametrize(("who", "allowed"), [
    ("assigned", True), ("excluded", False), ("unassigned", False), ("foreign", False), ("nobody", False)])
def test_the_permission_by_name(world, who, allowed):
    user = UserFactory() if who == "nobody" else world[who]
    assert user.has_perm("jury.view_application_documents", world["app"]) is allowed


def test_a_member_who_declares_a_conflict_loses_access(client, world):
    from jury import services as jury_services
    from jury.enums import Declaration

    app, document = world["app"], world["document"]
    Assignment.objects.filter(application=app, member__user=world["assigned"]).update(
        declaration=Declaration.PENDING)
    jury_services.declare(user=world["assigned"], application_id=app.pk, conflict=True, reason="Ich wohne dort.")
    client.force_login(world["assigned"])
    assert client.get(reverse("jury:attachment", args=[app.pk, document.pk])).status_code == 404


def test_nothing_of_the_application_before_the_declaration(client, world):
    """Found by the access-control matrix: the download did not wait for the declaration (the page did)."""
    from jury.enums import Declaration

    app, document = world["app"], world["document"]
    Assignment.objects.filter(application=app, member__user=world["assigned"]).update(
        declaration=Declaration.PENDING)
    client.force_login(world["assigned"])
    assert client.get(reverse("jury:attachment", args=[app.pk, document.pk])).status_code == 404
    assert not world["assigned"].has_perm("jury.view_application_documents", app)
