"""Backup and restore of the whole platform: the database (pg_dump's custom format, which
keeps PostGIS types and can be restored into a newer server) and the uploaded files.

One archive: a tar holding `database.dump` and `media/...`.
"""

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def pg_tool(name):
    """Debian's versioned binary first: a newer pg_dump on PATH may not match the server."""
    path = PG_BIN / name
    return str(path) if path.exists() else shutil.which(name) or name


def pg_environment():
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, variable in (("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def backup(archive):
    archive = Path(archive)
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "database.dump"
        subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}"], env=pg_environment(), check=True)
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(dump, arcname="database.dump")
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                tar.add(media, arcname="media")
        # Renamed only when complete: a killed backup never looks like a good one.
        partial.replace(archive)
    return archive


def database_is_empty():
    return "layers_feature" not in connection.introspection.table_names()


def restore(archive):
    """Restores into the configured database, which must be empty (a new database);
    media files go back under MEDIA_ROOT."""
    connection.close()
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive) as tar:
        # filter="data" refuses absolute paths, links out of the folder and "..".
        tar.extractall(work, filter="data")
        subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
             f"--dbname={settings.DATABASES['default']['NAME']}", str(Path(work) / "database.dump")],
            env=pg_environment(), check=True,
        )
        media = Path(work) / "media"
        if media.exists():
            shutil.copytree(media, settings.MEDIA_ROOT, dirs_exist_ok=True)
