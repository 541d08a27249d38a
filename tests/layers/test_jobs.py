"""Jobs a dead worker left behind: the sweep (layers/jobs.py), run by a real worker,
marks them failed, and the user's page says so."""

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse

from basemaps.models import BasemapSource, Imagery
from basemaps.tasks import convert_imagery
from importers.models import ImportJob
from importers.tasks import run_import
from layers.jobs import sweep_abandoned_jobs
from layers.models import ExportJob
from layers.tasks import run_export
from tests.basemaps.test_imagery import kb, write_geotiff  # noqa: F401 (kb is a fixture)
from tests.conftest import client_for
from tests.kill import kill, start_manage, wait_until
from tests.layers.test_export_jobs import manage_env, run_worker
from tests.layers.test_export_kill import many_roads, started_writing  # noqa: F401 (many_roads is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def queue_status(task_name, job_id):
    """The queue's status of the job of `task_name` for our record `job_id` (the queue's
    table is not emptied between tests)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE task_name = %s AND args ->> 'job_id' = %s",
                       [task_name, str(job_id)])
        return [status for (status,) in cursor.fetchall()]


def a_minute_passes():
    """Every worker's last heartbeat a minute older: the killed worker is now silent for
    longer than the sweep waits (a live worker would have beaten meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_workers SET last_heartbeat = last_heartbeat - interval '1 minute'")


def taken_by_a_worker(job_id, heartbeat_age):
    """The queued job as a worker that took it leaves it: "doing", with that worker's id."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - %s * interval '1 second') RETURNING id",
                       [heartbeat_age])
        (worker,) = cursor.fetchone()
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s", [worker, job_id])


def sweep(settings):
    sweep_abandoned_jobs.defer(timestamp=0)  # what the periodic deferrer does once a minute
    run_worker(settings)


def test_an_export_job_whose_worker_was_killed_is_failed_by_the_sweep_and_says_so(many_roads, tmp_path, settings):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    owner = client_for(many_roads.viewer)
    started = owner.post(reverse("layer-export-jobs", args=[many_roads.roads.pk]), {"format": "gpkg", "srid": 32647}, format="json")
    worker = start_manage(manage_env(settings, TMPDIR=str(scratch)), "procrastinate", "worker", "--one-shot")
    wait_until(lambda: started_writing(scratch, "export-job-"), worker)
    kill(worker)
    job_url = reverse("exportjob-detail", args=[started.json()["id"]])
    assert owner.get(job_url).json()["status"] == "running"  # for ever, before the sweep

    sweep(settings)  # a fresh worker: its heartbeat is new, the killed one's is not
    assert owner.get(job_url).json()["status"] == "running"  # not yet: the dead worker may only be slow
    a_minute_passes()
    sweep(settings)
    job = owner.get(job_url).json()
    assert (job["status"], job["file_url"]) == ("failed", None)
    assert "หยุดทำงานก่อนเสร็จ" in job["error"] and "The worker writing this export stopped" in job["error"]
    assert queue_status("layers.tasks.run_export", job["id"]) == ["failed"]
    assert ExportJob.objects.get().finished_at is not None


def test_an_abandoned_import_and_conversion_fail_on_their_pages_and_a_live_workers_job_is_left_alone(kb, client, tmp_path, settings):
    world = kb
    importing = ImportJob.objects.create(layer=world.roads, user=world.owner, file=ContentFile(b"{}", name="roads.geojson"),
                                         status=ImportJob.Status.RUNNING, progress=40)
    taken_by_a_worker(run_import.defer(job_id=importing.pk), heartbeat_age=120)
    with open(write_geotiff(tmp_path / "ortho.tif"), "rb") as source:
        converting = Imagery.upload(File(source, name="ortho.tif"), world.kb, world.owner, name_th="ภาพออร์โธ 2567")
    Imagery.objects.filter(pk=converting.pk).update(status=Imagery.Status.RUNNING, progress=10)
    taken_by_a_worker(convert_imagery.defer(imagery_id=converting.pk), heartbeat_age=120)
    exporting = ExportJob.objects.create(layer=world.roads, user=world.viewer, format="gpkg", srid=32647,
                                         status=ExportJob.Status.RUNNING)
    taken_by_a_worker(run_export.defer(job_id=exporting.pk), heartbeat_age=2)  # a worker alive and busy

    sweep(settings)
    client.force_login(world.owner)
    status = client.get(f"/imports/{importing.pk}/status/").content.decode()
    assert "ไม่สำเร็จ" in status and "เครื่องที่นำเข้าข้อมูลนี้หยุดทำงานก่อนเสร็จ" in status and "Please start the import again" in status
    page = client.get(reverse("imagery-detail", args=[converting.pk])).content.decode()
    assert "ไม่สำเร็จ" in page and "เครื่องที่แปลงภาพนี้หยุดทำงานก่อนเสร็จ" in page
    converting.refresh_from_db()
    assert converting.deletable() and not BasemapSource.objects.filter(imagery=converting).exists()  # its manager may delete it
    exporting.refresh_from_db()
    assert (exporting.status, exporting.error) == ("running", "")
    assert queue_status("layers.tasks.run_export", exporting.pk) == ["doing"]
