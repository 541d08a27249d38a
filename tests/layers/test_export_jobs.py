"""Large exports run as jobs in the task queue, written by a real worker process."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from layers.models import AccessRecord, ExportJob
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def manage_env(settings, **extra):
    """The environment for a `manage.py` process of its own on the test database."""
    base, _, query = os.environ["DATABASE_URL"].partition("?")
    url = base.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"] + ("?" + query if query else "")
    return {**os.environ, "DATABASE_URL": url, "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT), "DJANGO_DEBUG": "true", **extra}


def run_worker(settings):
    """`manage.py procrastinate worker --one-shot` on the test database: does every
    queued job, then stops."""
    result = subprocess.run([sys.executable, "manage.py", "procrastinate", "worker", "--one-shot"],
                            cwd=ROOT, env=manage_env(settings), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_an_export_job_is_written_by_the_worker_and_downloaded_by_its_owner(world, settings):
    health = client_for(world.health)
    started = health.post(reverse("layer-export-jobs", args=[world.welfare.pk]), {"format": "gpkg", "srid": 32647}, format="json")
    assert started.status_code == 202 and started.json()["status"] == "queued"
    job_url = reverse("exportjob-detail", args=[started.json()["id"]])
    run_worker(settings)
    job = health.get(job_url).json()
    assert (job["status"], job["progress"], job["feature_count"]) == ("done", 100, 1)
    download = health.get(job["file_url"])
    path = Path(settings.MEDIA_ROOT) / "download.gpkg"
    path.write_bytes(b"".join(download.streaming_content))
    with sqlite3.connect(path) as gpkg:
        assert gpkg.execute('SELECT full_name FROM "welfare-cases"').fetchall() == [("สมศรี ใจดี",)]
    assert AccessRecord.objects.filter(layer=world.welfare, action="export", username="health").exists()
    # Nobody else sees the job or its file, not even the municipality's manager.
    for other in (world.owner, world.stranger, None):
        assert client_for(other).get(job_url).status_code in (401, 403, 404)
        assert client_for(other).get(job["file_url"]).status_code in (401, 403, 404)


def test_an_export_job_needs_a_layer_one_may_see_and_a_known_format(world):
    assert client_for(world.owner).post(reverse("layer-export-jobs", args=[world.welfare.pk]), {}, format="json").status_code == 404
    wrong = client_for(world.health).post(reverse("layer-export-jobs", args=[world.welfare.pk]), {"format": "exe"}, format="json")
    assert wrong.status_code == 400
    assert ExportJob.objects.count() == 0


def test_a_large_layer_is_not_exported_during_the_request(world, settings):
    settings.EXPORT_NOW_MAX = 0
    response = client_for(world.viewer).get(reverse("layer-export", args=[world.roads.pk]), {"format": "csv"})
    assert response.status_code == 400 and "export-jobs" in response.json()["detail"][0]
