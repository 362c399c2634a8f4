"""A closed jury session admits no new sheet, declaration or score: enforced by the database, too.

The services refuse it first (`jury.services.lock_open_evaluation`); these triggers make sure no other
path (a race, the admin, a script) can write a score after the jury closed its session. Both the
demo's SQLite and PostgreSQL get them; a refusal is an IntegrityError ("jury_evaluation_closed").
"""

from django.db import migrations

CLOSED_PANEL = "SELECT 1 FROM jury_session se WHERE se.panel_id = {panel} AND se.state = 'closed'"
PANEL_OF_SHEET = ("(SELECT m.panel_id FROM jury_scoresheet s JOIN jury_assignment a ON a.id = s.assignment_id "
                  "JOIN jury_panelmember m ON m.id = a.member_id WHERE s.id = NEW.sheet_id)")
PANEL_OF_ASSIGNMENT = ("(SELECT m.panel_id FROM jury_assignment a JOIN jury_panelmember m ON m.id = a.member_id "
                       "WHERE a.id = NEW.assignment_id)")
PANEL_OF_MEMBER = "(SELECT m.panel_id FROM jury_panelmember m WHERE m.id = NEW.member_id)"

# (name, timing, table, extra WHEN condition, panel expression)
TRIGGERS = [
    ("jury_score_insert_closed", "BEFORE INSERT", "jury_score", "", PANEL_OF_SHEET),
    ("jury_score_update_closed", "BEFORE UPDATE", "jury_score", "", PANEL_OF_SHEET),
    ("jury_sheet_insert_closed", "BEFORE INSERT", "jury_scoresheet", "", PANEL_OF_ASSIGNMENT),
    ("jury_declaration_closed", "BEFORE UPDATE", "jury_assignment",
     "OLD.declaration IS DISTINCT FROM NEW.declaration", PANEL_OF_MEMBER),
]


def sqlite_sql(name, timing, table, condition, panel):
    when = f"EXISTS ({CLOSED_PANEL.format(panel=panel)})"
    if condition:
        when = f"{condition.replace('IS DISTINCT FROM', 'IS NOT')} AND {when}"
    return (f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW WHEN {when} "
            "BEGIN SELECT RAISE(ABORT, 'jury_evaluation_closed'); END;")


def postgres_sql(name, timing, table, condition, panel):
    function = (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                f"IF EXISTS ({CLOSED_PANEL.format(panel=panel)}) THEN "
                "RAISE EXCEPTION 'jury_evaluation_closed' USING ERRCODE = '23514'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql;")
    when = f" WHEN ({condition})" if condition else ""
    return [function, f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW{when} EXECUTE FUNCTION {name}();"]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for trigger in TRIGGERS:
        if vendor == "sqlite":
            schema_editor.execute(sqlite_sql(*trigger))
        elif vendor == "postgresql":
            for statement in postgres_sql(*trigger):
                schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, _timing, table, _condition, _panel in TRIGGERS:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}();")


class Migration(migrations.Migration):
    dependencies = [("jury", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
