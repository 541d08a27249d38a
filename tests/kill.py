"""Killing a real `manage.py` process half-way, as the OOM killer, a lost server or
`docker stop` past its grace period would: SIGKILL to its whole process group, so
nothing it started (ogr2ogr) outlives it and no handler of ours gets to tidy up."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def start_manage(env, *args):
    return subprocess.Popen([sys.executable, "manage.py", *map(str, args)], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_until(condition, process=None, timeout=240):
    """Until `condition()`; while `process`, if given, is still running."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process is None or process.poll() is None, f"finished before it could be killed: {process.communicate()[1][-2000:]!r}"
        assert time.monotonic() < deadline, "never got that far"
        time.sleep(0.02)


def kill(process):
    assert process.poll() is None, "finished before it could be killed: give it more to do"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def writers(table):
    """The database backends (other than ours) holding a write lock on `table`: they
    inserted into it in a transaction that is still open."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
               WHERE c.relname = %s AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()""",
            [table],
        )
        return {pid for (pid,) in cursor.fetchall()}


def gone(pids):
    """A killed client's backend notices the closed socket, rolls back and ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [list(pids)])
        return cursor.fetchone()[0] == 0
