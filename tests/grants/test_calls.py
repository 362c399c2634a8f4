import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services
from grants.models import CallBudgetYear
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_window_and_money_rules_freeze_with_first_submission(complete, applicant):
    call = complete.call
    call.total_budget = Decimal("17000000.00")
    call.save()  # still changeable before the first submission
    services.submit_application(actor=applicant, application_id=complete.pk)
    call.refresh_from_db()
    for field, value in (("total_budget", Decimal("1.00")),
                         ("closes_at", call.closes_at + dt.timedelta(days=1))):
        setattr(call, field, value)
        with pytest.raises(ValidationError, match="festgeschrieben"):
            call.save()
        call.refresh_from_db()
    call.title = "Neuer Titel"  # texts may still change
    call.save()
    year = call.budget_years.first()
    year.amount = Decimal("1.00")
    with pytest.raises(ValidationError):
        year.save()
    with pytest.raises(ValidationError):
        CallBudgetYear.objects.create(call=call, year=2030, amount=Decimal("1"))
    with pytest.raises(ValidationError):
        call.budget_years.first().delete()
    assert call.budget_years.count() == 2


def test_admin_shows_frozen_error_instead_of_saving(client, complete, applicant):
    services.submit_application(actor=applicant, application_id=complete.pk)
    admin = UserFactory(is_staff=True, is_superuser=True, roles=["admin"])
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    TOTP.activate(admin, generate_totp_secret())
    client.force_login(admin)
    page = client.get(reverse("admin:grants_call_change", args=[complete.call.pk]))
    assert page.status_code == 200
    # frozen fields are read-only in the admin form
    assert 'name="total_budget"' not in page.content.decode()


def test_window_order_is_a_database_constraint(call):
    from django.db import IntegrityError, transaction

    call.closes_at = call.opens_at - dt.timedelta(seconds=1)
    with pytest.raises((ValidationError, IntegrityError)), transaction.atomic():
        call.save()


@pytest.mark.django_db
def test_programs_with_the_same_case_number_pattern_share_one_sequence():
    """Two programs with the same template and prefix (a later round set up anew) never give the same
    case number (found by bench/faults.py: the second program's first submission answered 500)."""
    from grants.services import next_case_number
    from tests.factories import ProgramFactory

    first, second = ProgramFactory(), ProgramFactory()
    numbers = [next_case_number(program=p, year=2027) for p in (first, second, first, second)]
    assert len(set(numbers)) == 4
    other = ProgramFactory(case_number_prefix="ANDERS")
    assert next_case_number(program=other, year=2027).startswith("ANDERS-2027-0001")
