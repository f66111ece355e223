"""Registry search is a case-insensitive "contains" on the listed name.
Django turns ``icontains`` into ``UPPER(col::text) LIKE UPPER(%s)`` on
PostgreSQL, which a B-tree cannot serve; a trigram GIN index on that same
expression can. SQLite (``make run``) has neither and needs neither: the
step does nothing there."""

from django.db import migrations

INDEX = "certification_registry_name_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS {INDEX} ON certification_certification '
        'USING gin ((UPPER("registry_name"::text)) gin_trgm_ops) WHERE in_registry'
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("certification", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
