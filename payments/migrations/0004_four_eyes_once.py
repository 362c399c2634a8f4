"""Four eyes, once: Decision, Settlement, PaymentRun and BankAccount share payments.four_eyes.FourEyes.

Data-safe: the creators of payment runs and bank accounts are renamed to prepared_by/prepared_at (no row
is copied or dropped). Bank accounts recorded before this migration are left unconfirmed, so no money goes
to them until staff confirm them. A payment run created and confirmed by the same person (the defect this
fixes) would break the new constraint: its confirmed_by is cleared — no second person confirmed it — while
confirmed_at, the state and the audit entry "payment_run.confirmed" (which names who confirmed) stay.
"""

from django.conf import settings
from django.db import migrations, models


def clear_one_person_confirmations(apps, schema_editor):
    PaymentRun = apps.get_model("payments", "PaymentRun")
    PaymentRun.objects.filter(confirmed_by=models.F("prepared_by")).update(confirmed_by=None)


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
        migrations.RunPython(clear_one_person_confirmations, migrations.RunPython.noop),
    ]
