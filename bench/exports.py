"""Exports to GeoPackage and Shapefile beside ogr2ogr writing the same rows from the same
table (called from run.py's main()).

Our side is what a user waits for: the task queue's job (`layers.tasks.run_export`, run
in this process as the worker runs it) up to the file stored for download, and for a
layer small enough to export during the request (settings.EXPORT_NOW_MAX) the download
from the HTTP endpoint under gunicorn too. Either way that is the layer's typed columns,
the QGIS style in the GeoPackage, the Shapefile zipped for download.

The baseline is what a GIS officer would type: `ogr2ogr` from the same PostGIS table
with the same typed columns (`layers.exports.layer_sql`), into the same CRS (the
municipality's UTM zone), a Shapefile in UTF-8 with GDAL's own text widths, not zipped.
"""

import functools
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import override_settings

FORMATS = {"gpkg": ("GeoPackage", ["-f", "GPKG"]), "shp": ("Shapefile", ["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8"])}


def ogr2ogr_export(layer, fmt, srid, folder):
    """The baseline: plain ogr2ogr over the same SELECT, into a folder of its own."""
    from layers import exports

    folder.mkdir()
    source, env = exports.postgis_source()
    target = folder / f"{layer.slug}.{'shp' if fmt == 'shp' else fmt}"
    subprocess.run(["ogr2ogr", *FORMATS[fmt][1], str(target), source, "-sql", exports.layer_sql(layer, "gpkg"),
                    "-nln", layer.slug, "-s_srs", "EPSG:4326", "-t_srs", exports.TARGET_CRS[srid]],
                   env=env, check=True, capture_output=True)
    shutil.rmtree(folder)


def job_export(layer, fmt, srid, user):
    """Ours: the export job, as the worker runs it."""
    from layers.models import ExportJob
    from layers.tasks import run_export

    job = ExportJob.objects.create(layer=layer, user=user, format=fmt, srid=srid)
    run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error


def paired_medians(functions, repeat, warm_up):
    """The median seconds of each function, run in turns (ours, then the baseline, ...):
    on a shared machine the load changes from one minute to the next, and measured in
    turns both sides see the same load."""
    if warm_up:
        for function in functions.values():
            function()
    times = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def export_scenarios(server, layers, repeat, workdir, entry):
    """`layers`: (layer, label) pairs, each exported to GeoPackage and Shapefile `repeat`
    times by the job, by the HTTP endpoint too if it is small enough, and by ogr2ogr.
    Over 100,000 features (1,000,000 points: 20 s a file), once and with no warm-up, to
    stay within three minutes in all."""
    from django.conf import settings

    from layers.models import ExportJob, Feature

    user, _ = get_user_model().objects.get_or_create(username="bench-exporter")
    workdir = Path(workdir)
    results = []
    with override_settings(MEDIA_ROOT=str(workdir / "media")):
        for layer, label in layers:
            size = Feature.objects.filter(layer=layer).count()
            srid = layer.municipality.default_export_srid
            for fmt, (name, _) in FORMATS.items():
                sides = {
                    "ogr2ogr": functools.partial(ogr2ogr_export, layer, fmt, srid, workdir / "ogr2ogr"),
                    "export job": functools.partial(job_export, layer, fmt, srid, user),
                }
                if size <= settings.EXPORT_NOW_MAX:
                    sides["HTTP download"] = functools.partial(server.get, f"/api/v1/layers/{layer.pk}/export/?format={fmt}&srid={srid}")
                small = size <= 100_000
                seconds = paired_medians(sides, repeat if small else 1, warm_up=small)
                baseline = seconds.pop("ogr2ogr")
                for how, ours in seconds.items():
                    results.append(entry(f"export {name}, {label} ({how})", size, ours, "ogr2ogr from the same table", baseline))
        ExportJob.objects.filter(user=user).delete()  # their files go with the workdir
    return results
