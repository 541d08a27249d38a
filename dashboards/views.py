"""Dashboard pages: the list, a dashboard next to its map, the builder for managers, and
the platform admin's roll-up. Thin views: who sees and who builds what is asked of
`Dashboard.objects.visible_to` / `managed_by`; the figures come from the JSON API."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from basemaps.models import BasemapSource, default_of
from layers.layer_templates import TEMPLATES
from layers.models import Category, Layer, Municipality

from .forms import DashboardForm, StarterForm, WidgetForm
from .models import Dashboard, Measure
from .starters import create_from_starter


def dashboard_list(request):
    dashboards = Dashboard.objects.visible_to(request.user).select_related("municipality")
    managed = Municipality.objects.managed_by(request.user)
    return render(request, "dashboards/list.html", {"dashboards": dashboards, "managed": managed, "starter_form": StarterForm()})


def widget_spec(widget):
    """What the page's script needs of a widget (its figures come from the API)."""
    return {
        "id": widget.pk, "kind": widget.kind, "title_th": widget.title_th, "title_en": widget.title_en,
        "width": widget.width, "height": widget.height, "text": widget.config.get("text", ""),
        "colors": widget.config.get("colors", []), "zones_layer": widget.config.get("zones_layer"),
        "data_url": reverse("dashboard-widget-data", args=[widget.pk]),
        "csv_url": reverse("dashboard-widget-csv", args=[widget.pk]),
        "features_url": reverse("dashboard-widget-features", args=[widget.pk]),
    }


def dashboard_view(request, municipality, slug):
    dashboard = get_object_or_404(
        Dashboard.objects.visible_to(request.user).select_related("municipality"), municipality__slug=municipality, slug=slug
    )
    zones = Layer.objects.visible_to(request.user).filter(municipality=dashboard.municipality, category=Category.ZONES).first()
    boundary = dashboard.municipality.boundary
    basemap = default_of(list(BasemapSource.objects.for_municipality(dashboard.municipality, request.user)))
    page = {
        "widgets": [widget_spec(w) for w in dashboard.widgets.all()],
        "zones_url": reverse("layer-features", args=[zones.pk]) if zones else None,
        "bounds": boundary.extent if boundary else None,
        # The municipality's default basemap (its own choice of tile server), if any.
        "basemap_url": basemap.url_template if basemap else "",
        "basemap_attribution": basemap.attribution if basemap else "",
    }
    return render(request, "dashboards/view.html", {
        "dashboard": dashboard, "widgets": dashboard.widgets.all(), "page": page,
        "can_build": dashboard.is_managed_by(request.user),
    })


def managed_dashboard(request, municipality, slug):
    dashboard = get_object_or_404(Dashboard.objects.select_related("municipality"), municipality__slug=municipality, slug=slug)
    if not dashboard.is_managed_by(request.user):
        raise PermissionDenied
    return dashboard


@login_required
@require_POST
def dashboard_create(request, municipality):
    place = get_object_or_404(Municipality.objects.managed_by(request.user), slug=municipality)
    form = StarterForm(request.POST)
    if not form.is_valid():
        return redirect("dashboard-list")
    dashboard = create_from_starter(place, form.cleaned_data["starter"], request.user)
    return redirect("dashboard-build", municipality=place.slug, slug=dashboard.slug)


@login_required
def dashboard_build(request, municipality, slug):
    dashboard = managed_dashboard(request, municipality, slug)
    widget = None
    if "widget" in request.GET:
        if not request.GET["widget"].isdigit():
            raise Http404
        widget = get_object_or_404(dashboard.widgets, pk=request.GET["widget"])
    form = DashboardForm(instance=dashboard)
    widget_form = WidgetForm(instance=widget, dashboard=dashboard)
    if request.method == "POST" and "save_dashboard" in request.POST:
        form = DashboardForm(request.POST, instance=dashboard)
        if form.is_valid():
            form.save()
            return redirect("dashboard-build", municipality=dashboard.municipality.slug, slug=form.instance.slug)
    elif request.method == "POST":
        widget_form = WidgetForm(request.POST, instance=widget, dashboard=dashboard)
        if widget_form.is_valid():
            widget_form.save()
            return redirect("dashboard-build", municipality=municipality, slug=slug)
    layers = Layer.objects.filter(municipality=dashboard.municipality)
    return render(request, "dashboards/build.html", {
        "dashboard": dashboard, "form": form, "widget_form": widget_form, "widget": widget,
        "widgets": dashboard.widgets.all(), "layers": layers,
    })


@login_required
@require_POST
def widget_delete(request, municipality, slug, pk):
    dashboard = managed_dashboard(request, municipality, slug)
    get_object_or_404(dashboard.widgets, pk=pk).delete()
    return redirect("dashboard-build", municipality=municipality, slug=slug)


@login_required
def rollup_page(request):
    if not request.user.is_superuser:
        raise PermissionDenied
    query = {"template": request.GET.get("template", "roads"), "measure": request.GET.get("measure", Measure.LENGTH_KM)}
    return render(request, "dashboards/rollup.html", {
        # Sum and average need a field, which differs per template: not offered here.
        "templates": TEMPLATES, "measures": [(k, v) for k, v in Measure.choices if k not in (Measure.SUM, Measure.AVG)], "query": query,
        "page": {"data_url": reverse("dashboard-rollup") + "?" + urlencode(query)},
    })
