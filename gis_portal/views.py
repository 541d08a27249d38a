"""The pages: home, a municipality's map, its public showcase. Thin: who sees what comes
from the querysets' `visible_to`; the map itself reads layers and features from the API."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language

from basemaps.models import BasemapSource, default_of
from layers.models import Category, Layer, Municipality

from . import showcase as showcase_items


def language():
    return "en" if get_language() == "en" else "th"


def title_of(municipality):
    """Thai: "เทศบาลเมืองกระทุ่มแบน"; English: "Krathum Baen Town Municipality"."""
    if language() == "en":
        return f"{municipality.name_en} {municipality.get_kind_display()}"
    return f"{municipality.get_kind_display()}{municipality.name_th}"


def utm_zone_of(municipality):
    """The UTM north zone the pointer read-out uses: the municipality's export CRS when
    that is one (EPSG:326zz), else the zone of its place (47 for the first six)."""
    if 32601 <= municipality.default_export_srid <= 32660:
        return municipality.default_export_srid - 32600
    place = place_of(municipality)
    return int((place[1] + 180) // 6) + 1 if place else 47


def basemap_config(sources):
    default = default_of(sources)
    return {"options": [source.as_map_option() for source in sources], "default": default.pk if default else None}


def place_of(municipality):
    """Where a municipality is drawn on the overview map: a point inside its boundary."""
    if municipality.boundary is None:
        return None
    point = municipality.boundary.point_on_surface
    return [round(point.y, 6), round(point.x, 6)]


def home(request):
    municipalities = Municipality.objects.visible_to(request.user).order_by("province_en", "name_en")
    counts = dict(
        Layer.objects.visible_to(request.user).order_by().values_list("municipality").annotate(n=Count("pk"))
    )
    rows = [(municipality, title_of(municipality), counts.get(municipality.pk, 0)) for municipality in municipalities]
    markers = [
        {
            "slug": m.slug,
            "name": title_of(m),
            "latlng": place_of(m),
            "url": reverse("municipality-map", args=[m.slug]),
        }
        for m in municipalities
        if m.boundary is not None
    ]
    config = {"markers": markers, "basemaps": basemap_config(list(BasemapSource.objects.platform_wide()))}
    return render(request, "home.html", {"municipalities": rows, "config": config})


def municipality_map(request, slug):
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user), slug=slug)
    config = {
        "municipality": {
            "slug": municipality.slug,
            "bbox": list(municipality.boundary.extent) if municipality.boundary else None,
            "utm_zone": utm_zone_of(municipality),
        },
        "boundary": municipality.boundary.json if municipality.boundary else None,
        "categories": list(Category.choices),
        "api": {
            "layers": f"{reverse('layer-list')}?municipality={municipality.slug}",
            "search": reverse("search"),
            "feature": reverse("feature-detail", args=[0]),
            "tile": reverse("tile", args=[0, 0, 0, 0]),
        },
        # The municipality's own imagery too, when this user may see it.
        "basemaps": basemap_config(list(BasemapSource.objects.for_municipality(municipality, request.user))),
    }
    can_edit = Layer.objects.editable_by(request.user).filter(municipality=municipality).exists()
    can_manage = Municipality.objects.managed_by(request.user).filter(pk=municipality.pk).exists()
    return render(request, "map.html", {
        "municipality": municipality, "title": title_of(municipality), "config": config, "can_edit": can_edit,
        "can_manage": can_manage,
    })


def showcase(request, slug, feature_id=None):
    municipality = get_object_or_404(Municipality.objects.visible_to(AnonymousUser()), slug=slug)
    groups = showcase_items.showcase(municipality, language())
    chosen = None
    if feature_id is not None:
        chosen = next((item for _, items in groups for item in items if item.id == feature_id), None)
        if chosen is None:
            raise Http404
        groups = [(name, [item for item in items if item is chosen]) for name, items in groups if chosen in items]
    markers = [item.as_marker() for _, items in groups for item in items]
    config = {
        "markers": markers,
        "bbox": list(municipality.boundary.extent) if municipality.boundary else None,
        "boundary": municipality.boundary.json if municipality.boundary else None,
        # The public showcase: public imagery only, whoever looks.
        "basemaps": basemap_config(list(BasemapSource.objects.for_municipality(municipality, None))),
    }
    return render(
        request,
        "showcase.html",
        {"municipality": municipality, "title": title_of(municipality), "groups": groups, "chosen": chosen, "config": config},
    )
