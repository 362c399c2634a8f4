"""The base rates (Basiszinssatz, § 247 BGB) published by the Deutsche Bundesbank up to 1 July 2025.

Later rates are entered by staff on the base-rates page (payments:base-rates) as they are published.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

RATES = [
    (dt.date(2016, 7, 1), Decimal("-0.88")),
    (dt.date(2023, 1, 1), Decimal("1.62")),
    (dt.date(2023, 7, 1), Decimal("3.12")),
    (dt.date(2024, 1, 1), Decimal("3.62")),
    (dt.date(2024, 7, 1), Decimal("3.37")),
    (dt.date(2025, 1, 1), Decimal("2.27")),
    (dt.date(2025, 7, 1), Decimal("1.27")),
]


def add_rates(apps, schema_editor):
    BaseRate = apps.get_model("payments", "BaseRate")
    for valid_from, rate in RATES:
        BaseRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": rate})


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]
    operations = [migrations.RunPython(add_rates, migrations.RunPython.noop)]
