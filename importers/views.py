"""The import wizard: upload, check what was found, map the fields, import as a job,
follow its progress. Who may import into a layer: `Layer.objects.editable_by(user)`."""

import dataclasses

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from layers.models import Layer, Municipality

from .importing import field_mapping, inspect
from .models import ImportJob
from .sources import ImportFailed, local_copy
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
    if not layers:
        raise Http404
    error = None
    if request.method == "POST":
        layer = layers.filter(pk=request.POST.get("layer")).first()
        upload_file = request.FILES.get("file")
        if layer is None or upload_file is None:
            error = "เลือกไฟล์และชั้นข้อมูล / Choose a file and a layer."
        else:
            job = ImportJob.objects.create(layer=layer, user=request.user, file=upload_file)
            try:
                check(job)
            except ImportFailed as failure:
                job.file.delete(save=False)
                job.delete()
                error = str(failure)
            else:
                return redirect("import-confirm", job_id=job.pk)
    return render(request, "importers/upload.html", {"municipality": municipality, "layers": layers, "error": error})


def check(job):
    """Reads the upload with the job's options and keeps what was found for the page;
    options that do not fit the file are refused (ImportFailed) and nothing is kept."""
    options = job.options
    with local_copy(job.file) as path:
        found = inspect(path, job.layer.municipality, source_layer=options.get("source_layer"),
                        encoding=options.get("encoding"), srid=options.get("srid"))
    field_mapping(job.layer, found.fields, options.get("mapping"))  # only columns the file has
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
    return render(request, "importers/confirm.html", {
        "job": job, "found": found, "fields": fields, "rows": rows, "targets": targets,
        "crs_choices": CRS_CHOICES, "error": error,
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
