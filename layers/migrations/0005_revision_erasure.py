from django.db import migrations

# Revisions stay append-only, with one exception: an erasure on the data subject's
# request (Feature.erase) may blank the content of that feature's revisions, and only in
# a transaction that says so with SET LOCAL layers.erasure = 'on'.
FORWARD = """
CREATE OR REPLACE FUNCTION layers_revision_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('layers.erasure', true) = 'on'
       AND NEW.before IS NULL AND NEW.after IS NULL
       AND NEW.id = OLD.id AND NEW.feature_id = OLD.feature_id AND NEW.action = OLD.action THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'layers_revision is append-only';
END;
$$ LANGUAGE plpgsql;
"""
BACKWARD = """
CREATE OR REPLACE FUNCTION layers_revision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'layers_revision is append-only';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0004_access_record")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
