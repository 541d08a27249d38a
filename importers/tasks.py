"""The import, run by the task queue's worker (`manage.py procrastinate worker`)."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from procrastinate.contrib.django import app

from layers.files import local_path
from layers.jobs import fail_unfinished, on_abandoned
from layers.schema import bilingual

from .importing import import_file
from .models import ImportJob
from .sources import ImportFailed


@app.task(queue="imports")
def run_import(job_id):
    job = ImportJob.objects.select_related("layer__municipality", "user").get(pk=job_id)
    job.status, job.progress = ImportJob.Status.RUNNING, 5
    job.save(update_fields=["status", "progress"])

    # The rows stream to PostgreSQL in one COPY on this task's connection, inside the
    # import's transaction: the progress goes through a connection of its own, so that it
    # can be written during the COPY and the status page sees it before the commit.
    side = connections.create_connection(DEFAULT_DB_ALIAS)

    def progress(done, total):
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET progress = %s WHERE id = %s",
                           [5 + int(85 * done / max(total, 1)), job.pk])

    options = job.options
    try:
        with local_path(job.file) as path:
            report = import_file(
                path, job.layer, job.user, source_layer=options.get("source_layer"), encoding=options.get("encoding"),
                srid=options.get("srid"), mapping=options.get("mapping"), key=options.get("key"),
                strict=options.get("strict", False), progress=progress,
            )
        job.report, job.status, job.progress = report.as_dict(), ImportJob.Status.DONE, 100
    except ImportFailed as error:
        # import_file is one transaction: a failure has stored nothing.
        job.status, job.error = ImportJob.Status.FAILED, str(error)
    except Exception:
        job.status, job.error = ImportJob.Status.FAILED, bilingual("นำเข้าไม่สำเร็จ ไม่มีข้อมูลใดถูกบันทึก", "The import failed; nothing was stored.")
        raise  # the queue records the traceback
    finally:
        side.close()
        job.finished_at = timezone.now()
        job.save()


@on_abandoned(run_import)
def import_abandoned(job_id):
    # import_file is one transaction: the dead worker's connection rolled it back.
    fail_unfinished(ImportJob, job_id, bilingual(
        "เครื่องที่นำเข้าข้อมูลนี้หยุดทำงานก่อนเสร็จ กรุณานำเข้าใหม่อีกครั้ง",
        "The worker doing this import stopped before it finished. Please start the import again.",
    ))
