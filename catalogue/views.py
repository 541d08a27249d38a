"""The catalogue's pages and its machine-readable records. Thin: which layers a reader may
see comes from `Layer.objects.visible_to`, who may edit from `managed_by`; the harvestable
outputs (DCAT, ISO 19139, the CKAN API) only ever hold what a signed-out visitor may read."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from basemaps.models import BasemapSource
from gis_portal.views import basemap_config
from layers.layer_templates import TEMPLATES
from layers.models import Access, Category, Feature, Layer, Municipality

from . import ckan, dcat, iso
from .forms import DatasetForm
from .links import Links
from .models import Dataset, datasets_of, municipality_title
from .search import find

# The small map draws at most this many features (the full data is a download away).
MAP_LIMIT = 2000


def language():
    return "en" if get_language() == "en" else "th"


def catalogue(request):
    chosen = {name: request.GET.get(name, "").strip() for name in ("q", "category", "municipality", "template")}
    layers = find(
        Layer.objects.visible_to(request.user), text=chosen["q"], category=chosen["category"],
        municipality=chosen["municipality"], template=chosen["template"],
    ).order_by("municipality__name_en", "category", "name_en")
    counts = dict(
        Feature.objects.visible_to(request.user).filter(layer__in=layers).order_by()
        .values_list("layer").annotate(n=Count("pk"))
    )
    english = language() == "en"
    rows = [(dataset, counts.get(dataset.layer.pk, 0)) for dataset in datasets_of(layers)]
    choices = {
        "category": list(Category.choices),
        "municipality": [
            (m.slug, municipality_title(m, language())) for m in Municipality.objects.visible_to(request.user).order_by("name_en")
        ],
        "template": [(key, spec["name_en"] if english else spec["name_th"]) for key, spec in TEMPLATES.items()],
    }
    return render(request, "catalogue/list.html", {"rows": rows, "chosen": chosen, "choices": choices})


def visible_dataset(user, municipality, layer):
    found = get_object_or_404(
        Layer.objects.visible_to(user).select_related("municipality"), municipality__slug=municipality, slug=layer
    )
    return Dataset.of(found)


def dataset(request, municipality, layer):
    entry = visible_dataset(request.user, municipality, layer)
    figures = entry.figures(request.user)
    place = entry.municipality
    config = {
        # Welfare records are not drawn on a catalogue page: the map editor is where they
        # are read, and every read there is in the layer's access log.
        "features": None if entry.layer.access == Access.RESTRICTED
        else f"{reverse('layer-features', args=[entry.layer.pk])}?limit={MAP_LIMIT}",
        "extent": figures.extent,
        "style": entry.layer.style,
        "schema": entry.layer.schema,
        "boundary": place.boundary.json if place.boundary else None,
        "basemaps": basemap_config(list(BasemapSource.objects.for_municipality(place, request.user))),
    }
    return render(request, "catalogue/dataset.html", {
        "dataset": entry,
        "figures": figures,
        "place": municipality_title(place, language()),
        "dictionary": entry.data_dictionary(),
        "downloads": [
            (name, f"{reverse('layer-export', args=[entry.layer.pk])}?format={key}") for key, name, *_ in entry.downloads()
        ],
        "can_manage": Layer.objects.managed_by(request.user).filter(pk=entry.layer.pk).exists(),
        "config": config,
    })


@login_required
def dataset_edit(request, municipality, layer):
    entry = visible_dataset(request.user, municipality, layer)
    if not Layer.objects.managed_by(request.user).filter(pk=entry.layer.pk).exists():
        raise PermissionDenied
    form = DatasetForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("บันทึกคำอธิบายชุดข้อมูลแล้ว"))
        return redirect("dataset", municipality, layer)
    return render(request, "catalogue/edit.html", {"dataset": entry, "form": form}, status=400 if form.errors else 200)


def harvestable_dataset(municipality, layer):
    found = get_object_or_404(
        ckan.harvestable_layers().select_related("municipality"), municipality__slug=municipality, slug=layer
    )
    return Dataset.of(found)


def public_figures(entry):
    """Figures as a signed-out visitor sees them: the harvestable outputs say no more."""
    return entry.figures(AnonymousUser())


def jsonld(document):
    return HttpResponse(json.dumps(document, ensure_ascii=False, indent=1), content_type="application/ld+json; charset=utf-8")


def catalogue_dcat(request):
    """All public datasets, or (`?template=landmarks`) one template's from every municipality."""
    links = Links(request)
    layers = find(ckan.harvestable_layers(), template=request.GET.get("template", "").strip())
    return jsonld(dcat.catalogue_document(ckan.Actions(links).entries(layers), links))


def dataset_dcat(request, municipality, layer):
    entry = harvestable_dataset(municipality, layer)
    return jsonld(dcat.dataset_document(entry, public_figures(entry), Links(request)))


def dataset_iso(request, municipality, layer):
    entry = harvestable_dataset(municipality, layer)
    return HttpResponse(iso.record(entry, public_figures(entry), Links(request)), content_type="application/xml; charset=utf-8")


@csrf_exempt  # read-only and anonymous: CKAN clients POST JSON without a CSRF token
@require_http_methods(["GET", "POST"])
def ckan_action(request, name):
    params = request.GET.dict()
    if request.method == "POST" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return ckan_error(name, ckan.ActionError(400, "Bad request", "Bad request - JSON Error: a JSON object is expected"))
        params.update(body)
    try:
        result = ckan.Actions(Links(request)).run(name, params)
    except ckan.ActionError as error:
        return ckan_error(name, error)
    return JsonResponse({"help": ckan.HELP + name, "success": True, "result": result}, json_dumps_params={"ensure_ascii": False})


def ckan_error(name, error):
    body = {"help": ckan.HELP + name, "success": False, "error": {"__type": error.kind, "message": error.message}}
    return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
