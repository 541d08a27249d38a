"""The admin's geometry widget: Leaflet from our own static files.

GeoDjango's default admin widget loads OpenLayers from a CDN, which breaks the promise
that no page talks to a third party; this one edits the geometry as GeoJSON beside a
Leaflet preview."""

from django.conf import settings
from django.contrib.gis.forms.widgets import BaseGeometryWidget


class LeafletGeometryWidget(BaseGeometryWidget):
    template_name = "layers/leaflet_widget.html"
    map_srid = 4326

    class Media:
        css = {"all": ["vendor/leaflet/leaflet.css"]}
        js = ["vendor/leaflet/leaflet.js", "js/geometry-widget.js"]

    def serialize(self, value):
        return value.json if value else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["basemap_url"] = settings.ADMIN_BASEMAP_URL
        return context
