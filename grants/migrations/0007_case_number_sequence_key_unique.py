# Second step of 0006 (a migration of its own: PostgreSQL refuses to alter a table with the data step's
# pending foreign-key checks in the same transaction).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0006_case_number_sequence_per_pattern"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="casenumbersequence", name="case_seq_unique"),
        migrations.RemoveField(model_name="casenumbersequence", name="program"),
        migrations.RemoveField(model_name="casenumbersequence", name="year"),
        migrations.AlterField(model_name="casenumbersequence", name="key",
                              field=models.CharField(max_length=200, unique=True)),
    ]
