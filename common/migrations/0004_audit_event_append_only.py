"""The database itself refuses UPDATE and DELETE (and TRUNCATE) on the audit table."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION kai_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused on common_auditevent', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER common_auditevent_no_update BEFORE UPDATE OR DELETE ON common_auditevent
    FOR EACH ROW EXECUTE FUNCTION kai_audit_append_only();
CREATE TRIGGER common_auditevent_no_truncate BEFORE TRUNCATE ON common_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION kai_audit_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS common_auditevent_no_update ON common_auditevent;
DROP TRIGGER IF EXISTS common_auditevent_no_truncate ON common_auditevent;
DROP FUNCTION IF EXISTS kai_audit_append_only();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER common_auditevent_no_update BEFORE UPDATE ON common_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused on common_auditevent'); END;",
    "CREATE TRIGGER common_auditevent_no_delete BEFORE DELETE ON common_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused on common_auditevent'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS common_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS common_auditevent_no_delete;",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("common", "0003_audit_event")]
    operations = [migrations.RunPython(forward, reverse)]
