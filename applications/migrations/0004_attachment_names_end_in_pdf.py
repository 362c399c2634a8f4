from django.db import migrations


def names_end_in_pdf(apps, schema_editor):
    """Attachments stored before the rule (applications.uploads.stored_name) get a `.pdf` name too."""
    Attachment = apps.get_model("applications", "Attachment")
    for attachment in Attachment.objects.exclude(original_name__iendswith=".pdf").only("pk", "original_name"):
        base = attachment.original_name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".") or "anlage"
        base = base.rsplit(".", 1)[0] if "." in base else base
        attachment.original_name = f"{base[:250]}.pdf"
        attachment.save(update_fields=["original_name"])


class Migration(migrations.Migration):
    dependencies = [("applications", "0003_alter_application_state")]
    operations = [migrations.RunPython(names_end_in_pdf, migrations.RunPython.noop)]
