"""Jobs that a dead worker left behind, found and marked failed.

A worker killed while it runs a job (the OOM killer, a lost machine, `docker stop` past
its grace period) gets no chance to say so: the queue keeps the job "doing" and the app
its own record ("running", "converting") for ever, and the user waits for nothing. Every
worker writes a heartbeat to the queue's tables; a worker silent for STALLED_AFTER_S is
dead, and its jobs are abandoned. Once a minute one running worker sweeps them: each is
marked failed in the queue, and the app that owns its task is told through the function
it registered with `on_abandoned`, so that its record (and the user's page) says what
happened. They are not retried: what killed a worker once (memory) would kill it again.

Apps register here (layers, importers, basemaps); this module knows none of them.
"""

from asgiref.sync import sync_to_async
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.jobs import Status

# Procrastinate's worker beats every 10 s and counts a worker silent for 30 s as stalled.
STALLED_AFTER_S = 30

# task name -> function(**the job's arguments) that fails the app's own record of it
ABANDONED = {}


def on_abandoned(task):
    """Decorator: the function runs, with the job's arguments, for each job of `task`
    that a dead worker abandoned. It must leave a record that is already finished alone."""

    def register(function):
        ABANDONED[task.name] = function
        return function

    return register


def fail_unfinished(model, pk, error):
    """What most handlers do: the job's record (a model with the usual Status, error and
    finished_at) marked failed with `error`, unless it had finished already."""
    model.objects.filter(pk=pk, status__in=[model.Status.QUEUED, model.Status.RUNNING]).update(
        status=model.Status.FAILED, finished_at=timezone.now(), error=error)


@app.periodic(cron="* * * * *")
@app.task(queue="sweep")
async def sweep_abandoned_jobs(timestamp):
    """Marks failed every job whose worker stopped beating, and its app's record with it."""
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_S):
        await app.job_manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
        if job.task_name in ABANDONED:
            await sync_to_async(ABANDONED[job.task_name])(**job.task_kwargs)
