"""An export killed half-way, while GDAL writes the file, leaves no partial file where
exports are delivered: not at the command's output path, not in the job's storage."""

from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString
from django.urls import reverse

from layers.models import ExportJob, Feature
from tests.conftest import client_for
from tests.kill import kill, start_manage, wait_until
from tests.layers.test_export_jobs import manage_env

pytestmark = pytest.mark.django_db(transaction=True)
ROADS = 5_000


@pytest.fixture
def many_roads(world):
    Feature.objects.bulk_create(
        Feature(layer=world.roads, geom=LineString((100.24 + i / 1e6, 13.64), (100.25, 13.65 + i / 1e6), srid=4326),
                properties={"name_th": f"ซอย {i}", "surface": "asphalt", "condition": "good"})
        for i in range(ROADS)
    )
    return world


def started_writing(scratch, prefix):
    """GDAL has put bytes into a file in the process's own temporary folder."""
    return any(path.is_file() and path.stat().st_size > 0 for path in scratch.glob(f"{prefix}*/**/*"))


def files_in(folder):
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_an_export_killed_while_writing_leaves_no_file_at_its_output(many_roads, tmp_path, settings):
    scratch, delivered = tmp_path / "scratch", tmp_path / "exports"
    scratch.mkdir(), delivered.mkdir()
    exporting = start_manage(manage_env(settings, TMPDIR=str(scratch)), "export_layer", "--municipality", "krathum-baen",
                             "--layer", "roads", "--format", "gpkg", "-o", delivered / "roads.gpkg")
    wait_until(lambda: started_writing(scratch, "export-"), exporting)
    kill(exporting)
    assert files_in(delivered) == []


def test_an_export_job_killed_while_writing_stores_no_file_and_is_not_done(many_roads, tmp_path, settings):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    started = client_for(many_roads.viewer).post(
        reverse("layer-export-jobs", args=[many_roads.roads.pk]), {"format": "gpkg", "srid": 32647}, format="json")
    assert started.status_code == 202
    worker = start_manage(manage_env(settings, TMPDIR=str(scratch)), "procrastinate", "worker", "--one-shot")
    wait_until(lambda: started_writing(scratch, "export-job-"), worker)
    kill(worker)
    job = ExportJob.objects.get(pk=started.json()["id"])
    assert job.status != ExportJob.Status.DONE and not job.file
    assert files_in(Path(settings.MEDIA_ROOT)) == []
    assert client_for(job.user).get(reverse("exportjob-file", args=[job.pk])).status_code == 404
