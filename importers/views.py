"""The import wizard: upload, check what was found, map the fields, import as a job,
follow its progress. Who may import into a layer: `Layer.objects.editable_by(user)`."""

import dataclasses
import json

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from basemaps.models import BasemapSource, default_of
from layers.layer_templates import TEMPLATES
from layers.files import local_path
from layers.models import Layer, Municipality

from .importing import field_mapping, inspect, layer_from_file, unique_slug
from .models import ImportJob
from .sources import ImportFailed
from .tasks import run_import

CRS_CHOICES = [
    (4326, "WGS84 (EPSG:4326)"),
    (32647, "WGS84 / UTM 47N (EPSG:32647)"),
    (32648, "WGS84 / UTM 48N (EPSG:32648)"),
    (24047, "Indian 1975 / UTM 47N (EPSG:24047)"),
    (24048, "Indian 1975 / UTM 48N (EPSG:24048)"),
]


def editable_layers(user, municipality):
    return Layer.objects.editable_by(user).filter(municipality=municipality).order_by("category", "name_th")


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, slug):
    municipality = get_object_or_404(Municipality, slug=slug)
    layers = editable_layers(request.user, municipality)
    # Managers may also import into a new layer, from a template or from the file's own fields.
    manages = Municipality.objects.managed_by(request.user).filter(pk=municipality.pk).exists()
    if not layers and not manages:
        raise Http404
    error = job = None
    if request.method == "POST":
        target, upload_file = request.POST.get("layer", ""), request.FILES.get("file")
        try:
            if upload_file is None or not target:
                raise ImportFailed("เลือกไฟล์และชั้นข้อมูล", "Choose a file and a layer.")
            with transaction.atomic():
                layer = target_layer(request, municipality, layers, manages, target, upload_file)
                job = ImportJob.objects.create(layer=layer, user=request.user, file=upload_file)
                check(job)
        except ImportFailed as failure:
            # The transaction took back the job and any new layer; the file goes too.
            if job is not None:
                job.file.delete(save=False)
            error = str(failure)
        else:
            return redirect("import-confirm", job_id=job.pk)
    return render(request, "importers/upload.html", {
        "municipality": municipality, "layers": layers, "error": error,
        "templates": sorted(TEMPLATES.items(), key=lambda item: item[1]["name_th"]) if manages else [],
    })


def target_layer(request, municipality, layers, manages, target, upload_file):
    """The layer chosen on the upload form: an existing one the user may edit, or for a
    manager a new one, from a template (`template:<key>`) or from the file's fields (`file`)."""
    if target.isdigit() and layers.filter(pk=target).exists():
        return layers.get(pk=target)
    if not manages or not (target == "file" or target.removeprefix("template:") in TEMPLATES):
        raise ImportFailed("เลือกชั้นข้อมูลที่นำเข้าได้", "Choose a layer you may import into.")
    name_th = request.POST.get("new_name", "").strip()[:200]
    if target == "file":
        with local_path(upload_file) as path:
            layer = layer_from_file(municipality, inspect(path, municipality), name_th)
    else:
        key = target.removeprefix("template:")
        layer = Layer.from_template(municipality, key)
        layer.slug = unique_slug(municipality, layer.slug)
        layer.name_th = name_th or layer.name_th
    layer.save()
    return layer


def check(job):
    """Reads the upload with the job's options and keeps what was found for the page;
    options that do not fit the file are refused (ImportFailed) and nothing is kept."""
    options = job.options
    with local_path(job.file) as path:
        found = inspect(path, job.layer.municipality, layer=job.layer, mapping=options.get("mapping"), key=options.get("key"),
                        source_layer=options.get("source_layer"), encoding=options.get("encoding"), srid=options.get("srid"))
    job.inspection = dataclasses.asdict(found)
    job.save(update_fields=["inspection", "options"])


def chosen_srid(value):
    """One of the page's CRS choices, or None for what was detected."""
    if not value:
        return None
    if value not in {str(code) for code, _ in CRS_CHOICES}:
        raise ImportFailed("กรุณาเลือกระบบพิกัดจากรายการ", "Choose a coordinate system from the list.")
    return int(value)


def own_job(request, job_id):
    return get_object_or_404(ImportJob.objects.visible_to(request.user).select_related("layer__municipality"), pk=job_id)


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, job_id):
    job = own_job(request, job_id)
    if job.status != ImportJob.Status.UPLOADED:
        return redirect("import-status", job_id=job.pk)
    found = job.inspection
    error = None
    if request.method == "POST":
        try:
            job.options = {
                "source_layer": request.POST.get("source_layer") or None,
                "encoding": request.POST.get("encoding") or None,
                "srid": chosen_srid(request.POST.get("srid")),
                "mapping": {f["name"]: request.POST[f"map_{f['name']}"] for f in job.layer.schema if request.POST.get(f"map_{f['name']}")},
                "key": request.POST.get("key") or None,
                "strict": request.POST.get("strict") == "on",
            }
            check(job)
        except ImportFailed as failure:
            error = str(failure)
            job.refresh_from_db(fields=["options"])  # the page shows the options last checked
        else:
            if request.POST.get("action") == "import":
                job.status = ImportJob.Status.QUEUED
                job.save(update_fields=["status"])
                run_import.defer(job_id=job.pk)
                return redirect("import-status", job_id=job.pk)
            found = job.inspection
    fields = found.get("fields", [])
    rows = [[row.get(name) for name in fields] for row in found.get("preview", [])]
    mapping = field_mapping(job.layer, fields, job.options.get("mapping"))
    targets = [(f, mapping.get(f["name"], "")) for f in job.layer.schema]
    municipality = job.layer.municipality
    basemap = default_of(list(BasemapSource.objects.for_municipality(municipality, request.user)))
    preview_map = {
        "shapes": found.get("shapes"),
        # The municipality's outline beside the file's shapes: a wrong CRS shows at once.
        "boundary": json.loads(municipality.boundary.geojson) if municipality.boundary else None,
        "basemap": basemap.as_map_option() if basemap else None,
    }
    return render(request, "importers/confirm.html", {
        "job": job, "found": found, "fields": fields, "rows": rows, "targets": targets,
        "crs_choices": CRS_CHOICES, "error": error, "check": found.get("check"), "preview_map": preview_map,
    })


@login_required
def status(request, job_id):
    job = own_job(request, job_id)
    if request.GET.get("format") == "json":
        return JsonResponse({"status": job.status, "progress": job.progress, "error": job.error})
    if request.GET.get("download") == "report":
        response = JsonResponse(job.report, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="import-report-{job.pk}.json"'
        return response
    return render(request, "importers/status.html", {"job": job, "report": job.report})
