"""The four-eyes migrations keep the data: creators become preparers, accounts wait for confirmation, and a
payment run that one person created and confirmed loses only the false second signature."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("payments", "0003_settlement_difference_in_cents")]


@pytest.mark.slow  # replays the payments migrations back and forth: about 20 s of table rebuilds on SQLite
@pytest.mark.django_db(transaction=True)
def test_four_eyes_migration_keeps_runs_and_accounts():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("payments")
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("accounts", "User").objects.create(email="sb@example.org")
    other = old.get_model("accounts", "User").objects.create(email="ab@example.org")
    town = old.get_model("accounts", "Municipality").objects.create(name="Musterstadt", kind="gemeinde",
                                                                    official_key="06411000")
    old.get_model("payments", "BankAccount").objects.create(
        municipality=town, holder="Stadtkasse", iban="DE89370400440532013000", created_by=user)
    runs = old.get_model("payments", "PaymentRun")
    common = {"execution_date": dt.date(2027, 4, 1), "file": "x.xml", "sha256": "0" * 64,
              "total": Decimal("1.00"), "count": 1, "state": "confirmed"}
    runs.objects.create(number=1, message_id="M1", created_by=user, confirmed_by=user, **common)
    runs.objects.create(number=2, message_id="M2", created_by=user, confirmed_by=other, **common)

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    new = executor.loader.project_state(latest).apps
    account = new.get_model("payments", "BankAccount").objects.get()
    assert (account.prepared_by_id, account.confirmed_by_id, account.confirmed_at) == (user.pk, None, None)
    by_number = {r.number: r for r in new.get_model("payments", "PaymentRun").objects.all()}
    assert (by_number[1].prepared_by_id, by_number[1].confirmed_by_id, by_number[1].state) == (user.pk, None,
                                                                                            "confirmed")
    assert (by_number[2].prepared_by_id, by_number[2].confirmed_by_id) == (user.pk, other.pk)
