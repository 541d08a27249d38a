"""The field editor page. It only renders the shell and the layers the user may edit;
everything else (features, checks, saves, history) goes through the REST API, which
applies the same permission rules."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from basemaps.models import BasemapSource, default_of
from layers.models import Access, Layer, Membership, Municipality


@login_required
def edit(request, slug):
    municipality = get_object_or_404(Municipality, slug=slug)
    layers = Layer.objects.editable_by(request.user).filter(municipality=municipality)
    if not layers.exists():
        # Members who may only look are told so; anyone else sees no editor here at all.
        if Membership.objects.filter(user=request.user, municipality=municipality).exists():
            raise PermissionDenied
        raise Http404
    data = {
        "municipality": {
            "slug": municipality.slug,
            "name_th": municipality.name_th,
            "name_en": municipality.name_en,
            # [lat, lon] for Leaflet; without a boundary the map fits the loaded features.
            "center": [municipality.boundary.centroid.y, municipality.boundary.centroid.x] if municipality.boundary else None,
        },
        "layers": [
            {
                "id": layer.pk,
                "name_th": layer.name_th,
                "name_en": layer.name_en,
                "geometry_type": layer.geometry_type,
                "schema": layer.schema,
                "style": layer.style,
                # The offline queue may keep the user's own edits of restricted layers,
                # but nothing read from them is cached on the device.
                "restricted": layer.access == Access.RESTRICTED,
            }
            for layer in layers
        ],
    }
    # The municipality's default basemap (its own choice of tile server), if any.
    basemap = default_of(list(BasemapSource.objects.for_municipality(municipality, request.user)))
    return render(
        request,
        "editor/edit.html",
        {"municipality": municipality, "editor_data": data, "basemap_url": basemap.url_template if basemap else ""},
    )
