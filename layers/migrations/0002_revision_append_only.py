from django.db import migrations

# History must not be rewritten: the database itself refuses UPDATE on revisions, whatever
# code path (admin, shell, a bug) tries it. DELETE stays possible so that deleting a
# whole layer can cascade.
FORWARD = """
CREATE FUNCTION layers_revision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'layers_revision is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER layers_revision_no_update BEFORE UPDATE ON layers_revision
    FOR EACH ROW EXECUTE FUNCTION layers_revision_append_only();
"""
BACKWARD = """
DROP TRIGGER layers_revision_no_update ON layers_revision;
DROP FUNCTION layers_revision_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
