"""Imagery: a municipality's managers upload GeoTIFFs, follow the conversion, look at
the result and publish or delete it; the tiles go to whoever may see the imagery.
Who may do what: `Imagery.objects.managed_by(user)` and `visible_to(user)`."""

import hashlib

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from layers.models import Municipality

from . import tiles
from .geotiff import ImageryRefused, max_bytes
from .models import Imagery
from .tasks import convert_imagery

MAX_ZOOM = 24


class ImageryForm(forms.Form):
    source = forms.FileField(label=_("ไฟล์ GeoTIFF"), widget=forms.ClearableFileInput(attrs={"accept": ".tif,.tiff,image/tiff"}))
    name_th = forms.CharField(label=_("ชื่อ (ไทย)"), max_length=100)
    name_en = forms.CharField(label=_("ชื่อ (อังกฤษ)"), max_length=100, required=False)
    captured_on = forms.DateField(label=_("วันที่ถ่ายภาพ"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    attribution = forms.CharField(label=_("เครดิตภาพ"), max_length=300, required=False)
    is_public = forms.BooleanField(
        label=_("เผยแพร่ต่อสาธารณะ (ภาพโดรนอาจเห็นบ้านเรือนและบริเวณส่วนตัว ค่าเริ่มต้นคือเฉพาะสมาชิกเทศบาล)"), required=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def imagery_list(request, slug):
    municipality = get_object_or_404(Municipality.objects.managed_by(request.user), slug=slug)
    form, error = ImageryForm(), None
    if request.method == "POST":
        form = ImageryForm(request.POST, request.FILES)
        if form.is_valid():
            details = dict(form.cleaned_data)
            try:
                imagery = Imagery.upload(details.pop("source"), municipality, request.user, **details)
            except ImageryRefused as refused:
                error = str(refused)
            else:
                convert_imagery.defer(imagery_id=imagery.pk)
                return redirect("imagery-detail", pk=imagery.pk)
    return render(request, "basemaps/imagery_list.html", {
        "municipality": municipality, "form": form, "error": error, "max_mb": max_bytes() // 1024 // 1024,
        "imagery": Imagery.objects.managed_by(request.user).filter(municipality=municipality),
    })


@login_required
@require_http_methods(["GET", "POST"])
def imagery_detail(request, pk):
    imagery = get_object_or_404(Imagery.objects.managed_by(request.user).select_related("municipality"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "delete" and request.POST.get("confirm") and imagery.deletable():
            imagery.discard()
            return redirect("imagery-list", slug=imagery.municipality.slug)
        if action in ("publish", "unpublish"):
            imagery.is_public = action == "publish"
            imagery.save(update_fields=["is_public"])
        elif action == "make-default" and imagery.status == Imagery.Status.READY:
            imagery.make_default()
        return redirect("imagery-detail", pk=imagery.pk)
    if request.GET.get("format") == "json":
        return JsonResponse({"status": imagery.status, "progress": imagery.progress, "error": imagery.error})
    preview = None
    if imagery.status == Imagery.Status.READY:
        west, south, east, north = imagery.footprint.extent
        preview = {
            "url": imagery.tile_url(), "bounds": [[south, west], [north, east]],
            "max_zoom": imagery.max_zoom, "attribution": imagery.attribution,
        }
    return render(request, "basemaps/imagery_detail.html", {
        "imagery": imagery, "preview": preview,
        "status_url": reverse("imagery-detail", args=[imagery.pk]) + "?format=json",
    })


@require_GET
def imagery_tile(request, pk, z, x, y):
    if not (z <= MAX_ZOOM and x < 2**z and y < 2**z):
        raise Http404
    imagery = get_object_or_404(Imagery.objects.visible_to(request.user), pk=pk)
    # The COG never changes under its name: a new upload is a new file.
    etag = '"%s"' % hashlib.sha256(f"{imagery.cog.name}/{z}/{x}/{y}".encode()).hexdigest()[:24]
    headers = {
        "ETag": etag,
        # Internal imagery stays out of shared caches.
        "Cache-Control": f"{'public' if imagery.is_public else 'private'}, max-age=3600",
    }
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers=headers)
    content = tiles.render(imagery.cog_location(), z, x, y) or tiles.empty()
    return HttpResponse(content, content_type="image/png", headers=headers)
