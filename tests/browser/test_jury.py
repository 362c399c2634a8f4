"""A jury member's scoring round in the browser, and the accessibility of every jury page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jury.models import Panel, ScoreSheet, Session
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import staff_user
from tests.jury import factories as tv

pytestmark = pytest.mark.browser


def test_member_declares_scores_and_submits(page):
    call, panel, first, second = tv.scored_call()
    member = tv.add_member(panel)
    app = tv.application_in_evaluation(call, grant="150000.00")
    tv.assign(member, app, declared=False)
    log_in(page, member.user)
    page.goto(reverse("jury:workspace"))
    expect(page.get_by_text("Erklärung ausstehend")).to_be_visible()
    page.goto(reverse("jury:score", args=[app.pk]))  # not declared yet: sent to the declaration
    expect(page.locator("h1")).to_contain_text("Befangenheit")
    page.get_by_label("Keine Befangenheit", exact=False).first.check()
    page.get_by_role("button", name="Erklärung abgeben").click()
    expect(page.locator("h1")).to_contain_text(app.title)
    selects = page.locator("select")
    for i in range(selects.count()):
        selects.nth(i).select_option("4.5")
    page.get_by_role("button", name="Entwurf speichern").click()
    expect(page.locator(".kern-alert--success, [role=status]").first).to_be_visible()
    assert ScoreSheet.objects.get(assignment__member=member).state == "draft"
    page.locator("input[name=confirm]").check()
    page.locator("button[value=submit]").click()
    expect(page.get_by_text("abgegeben", exact=False).first).to_be_visible()
    sheet = ScoreSheet.objects.get(assignment__member=member)
    assert sheet.state == "submitted"
    assert sorted(str(s.value) for s in sheet.scores.all()) == ["4.5", "4.5"]


def test_jury_pages_are_accessible(page):
    call, panel, first, second = tv.scored_call()
    chair_member = tv.add_member(panel)
    Panel.objects.filter(pk=panel.pk).update(chair=chair_member.user)
    third = tv.application_in_evaluation(call, grant="100000.00")
    tv.assign(chair_member, third, declared=False)
    fourth = tv.application_in_evaluation(call, grant="100000.00")
    tv.assign(chair_member, fourth)
    Session.objects.create(panel=panel, held_on="2027-05-04")
    log_in(page, chair_member.user)
    for url in [reverse("jury:workspace"), reverse("jury:declare", args=[third.pk]),
                reverse("jury:score", args=[fourth.pk]), reverse("jury:ranking", args=[call.pk]),
                reverse("jury:session", args=[call.pk]),
                reverse("jury:session-close", args=[Session.objects.get().pk])]:
        page.goto(url)
        assert page.locator("h1").count() == 1, url
        assert_accessible(page)
    page.goto(reverse("jury:declare", args=[third.pk]))
    page.get_by_role("button", name="Erklärung abgeben").click()  # nothing chosen: an error
    expect(page.locator(".kern-error").first).to_be_visible()
    assert_accessible(page)
    page.goto(reverse("jury:score", args=[fourth.pk]))
    page.locator("select").first.select_option("1.0")
    page.locator("input[name=confirm]").check()
    page.locator("button[value=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)
    page.goto(reverse("jury:session", args=[call.pk]))
    page.locator(f"#id_d{second.pk}-outcome").select_option("recommended")
    page.locator(f"#decision-{second.pk} button").click()
    page.wait_for_selector(f"#decision-{second.pk} .kern-error")
    assert_accessible(page)
    assert not page.js_errors

    staff = staff_user()
    page.context.clear_cookies()
    log_in(page, staff)
    for url in [reverse("jury:workspace"), reverse("jury:panel", args=[call.pk]),
                reverse("jury:ranking", args=[call.pk]) + "?budget=500.000",
                reverse("jury:ranking", args=[call.pk]) + "?budget=abc"]:
        page.goto(url)
        assert page.locator("h1").count() == 1, url
        assert_accessible(page)
