# The rendered case-number pattern owns the sequence, not the program (grants/case_numbers.py).

from django.db import migrations, models


def to_patterns(apps, schema_editor):
    """Each (program, year) counter becomes the counter of its rendered pattern; counters whose patterns render
    alike keep the highest number (the old scheme already shared them for identical template + prefix)."""
    from grants.case_numbers import TemplateError, pattern

    Sequence = apps.get_model("grants", "CaseNumberSequence")
    kept: dict[str, object] = {}
    for seq in Sequence.objects.select_related("program").order_by("pk"):
        try:
            key = pattern(seq.program.case_number_template, prefix=seq.program.case_number_prefix, year=seq.year).key
        except TemplateError:
            key = f"program-{seq.program_id}-{seq.year}"  # a template that cannot make numbers keeps its counter
        if key in kept:
            kept[key].last = max(kept[key].last, seq.last)
            seq.delete()
        else:
            seq.key = key
            kept[key] = seq
    for seq in kept.values():
        seq.save(update_fields=["key", "last"])


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0005_call_min_trust_level"),
    ]

    operations = [
        migrations.AddField(model_name="casenumbersequence", name="key",
                            field=models.CharField(max_length=200, null=True)),
        migrations.RunPython(to_patterns, migrations.RunPython.noop),
    ]
