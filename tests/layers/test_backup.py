"""Backup, then restore into a new, empty database and compare."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from layers.models import Attachment, Feature, Revision
from tests.layers.test_attachments import phone_photo

ROOT = Path(__file__).resolve().parent.parent.parent


def rows(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchall()


SNAPSHOT = [
    "SELECT id, layer_id, ST_AsEWKB(geom), properties::text, version FROM layers_feature ORDER BY id",
    "SELECT id, feature_id, action, version, before::text, after::text FROM layers_revision ORDER BY id",
    "SELECT id, feature_id, image, thumbnail FROM layers_attachment ORDER BY id",
]


@pytest.mark.django_db(transaction=True)
def test_a_restore_gives_back_every_feature_revision_and_photo(world, tmp_path, settings):
    Attachment.add(world.road, phone_photo(400, 300), world.colleague)
    world.road.change(world.colleague, 1, properties={"condition": "poor"})
    world.drain.remove(world.colleague)
    archive = tmp_path / "backup.tar"
    call_command("backup", output=str(archive))
    with connection.cursor() as cursor:
        before = [rows(cursor, sql) for sql in SNAPSHOT]
    photo = Attachment.objects.get()
    photo_bytes = Path(photo.image.path).read_bytes()

    # Restore into a brand-new database and a new media folder, as after losing the server.
    name = connection.settings_dict["NAME"] + "_restored"
    admin_url = os.environ["DATABASE_URL"]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base, _, query = admin_url.partition("?")
        restored_url = base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
        media = tmp_path / "restored-media"
        env = {**os.environ, "DATABASE_URL": restored_url, "DJANGO_MEDIA_ROOT": str(media), "DJANGO_DEBUG": "true"}
        result = subprocess.run([sys.executable, "manage.py", "restore", str(archive)], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        with psycopg.connect(restored_url) as conn, conn.cursor() as cursor:
            after = [rows(cursor, sql) for sql in SNAPSHOT]
        assert after == before
        assert (media / photo.image.name).read_bytes() == photo_bytes
        # Restoring over data is refused: nothing stored is overwritten.
        again = subprocess.run([sys.executable, "manage.py", "restore", str(archive)], cwd=ROOT, env=env, capture_output=True, text=True)
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    assert Feature.objects.count() == 5 and Revision.objects.filter(action="delete").count() == 1
