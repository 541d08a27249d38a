"""Work for the task queue's worker (`manage.py procrastinate worker`)."""

import shutil
import tempfile
from pathlib import Path

from django.core.files import File
from django.utils import timezone
from procrastinate.contrib.django import app

from .exports import ExportFailed, export_layer
from .jobs import fail_unfinished, on_abandoned
from .models import ExportJob, Feature
from .schema import bilingual


class ScratchFile(File):
    """A file of ours in a scratch folder: a storage on the same disk (FileSystemStorage)
    moves it into place instead of copying it, as it does with a large upload (a copy of
    the GeoPackage of 1,000,000 points took seconds); other storages read it."""

    def temporary_file_path(self):
        return self.file.name


@app.task(queue="exports")
def run_export(job_id):
    job = ExportJob.objects.select_related("layer__municipality").get(pk=job_id)
    job.status, job.progress = ExportJob.Status.RUNNING, 10
    job.feature_count = Feature.objects.filter(layer=job.layer).count()
    job.save(update_fields=["status", "progress", "feature_count"])
    directory = tempfile.mkdtemp(prefix="export-job-")
    try:
        path = Path(export_layer(job.layer, job.format, job.srid, directory, encoding=job.encoding))
        job.progress = 90
        job.save(update_fields=["progress"])
        with open(path, "rb") as written:
            job.file.save(path.name, ScratchFile(written), save=False)
        job.status, job.progress = ExportJob.Status.DONE, 100
    except ExportFailed as error:
        # A failed export leaves nothing behind but its message: no half-written file.
        job.status, job.error = ExportJob.Status.FAILED, str(error)
    except Exception:
        job.status, job.error = ExportJob.Status.FAILED, bilingual("ส่งออกไม่สำเร็จ", "The export failed.")
        raise  # the queue records the traceback
    finally:
        shutil.rmtree(directory)
        job.finished_at = timezone.now()
        job.save()


@on_abandoned(run_export)
def export_abandoned(job_id):
    # Its file was never stored: the job stores it only once GDAL has written all of it.
    fail_unfinished(ExportJob, job_id, bilingual(
        "เครื่องที่ส่งออกไฟล์นี้หยุดทำงานก่อนเสร็จ ไม่มีไฟล์ให้ดาวน์โหลด กรุณาสั่งส่งออกใหม่",
        "The worker writing this export stopped before it finished; there is no file. Please start the export again.",
    ))
