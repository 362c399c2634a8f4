"""Four eyes, once: Decision, Settlement, PaymentRun and BankAccount share payments.four_eyes.FourEyes.

Data-safe: the creators of payment runs and bank accounts are renamed to prepared_by/prepared_at (no row
is copied or dropped). Bank accounts recorded before this migration are left unconfirmed, so no money goes
to them until staff confirm them. A payment run created and confirmed by the same person would break the
new constraint: the migration stops and names it rather than changing who did what.
"""

from django.conf import settings
from django.db import migrations, models


def refuse_one_person_runs(apps, schema_editor):
    PaymentRun = apps.get_model("payments", "PaymentRun")
    same = list(PaymentRun.objects.filter(confirmed_by=models.F("prepared_by")).values_list("number", flat=True))
    if same:
        raise RuntimeError(
            f"Payment runs {same} were created and confirmed by the same person. Record who confirmed them "
            "(a second person) before migrating; this migration does not guess.")


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0003_settlement_difference_in_cents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("paymentrun", "created_by", "prepared_by"),
        migrations.RenameField("paymentrun", "created_at", "prepared_at"),
        migrations.RenameField("bankaccount", "created_by", "prepared_by"),
        migrations.RenameField("bankaccount", "created_at", "prepared_at"),
        migrations.RunPython(refuse_one_person_runs, migrations.RunPython.noop),
    ]
