"""A QGIS project (.qgs) of a municipality's layers, read live from our OGC API.

The project holds no data and no password: every layer is an OAPIF source on /ogc/, and
it lists only the layers the requesting user may see. QGIS asks for the login when a
collection answers 401 (see layers.ogc), so restricted layers open for those granted.
"""

from xml.etree import ElementTree

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from .api import JsonErrors
from .models import GeometryType, Layer, Municipality
from .ogc import CRS84, collection_id
from .qml import DOCTYPE, QGIS_VERSION, renderer

QGIS_GEOMETRY = {GeometryType.POINT: "Point", GeometryType.LINESTRING: "Line", GeometryType.POLYGON: "Polygon"}


def crs_element(parent, authid):
    # QGIS finds the full definition from the authority id.
    ElementTree.SubElement(ElementTree.SubElement(parent, "spatialrefsys"), "authid").text = authid


def datasource(ogc_url, layer):
    """QGIS's data source URI for an OAPIF layer (values quoted as QgsDataSourceUri does)."""
    return f"pagingEnabled='true' restrictToRequestBBOX='1' typename='{collection_id(layer)}' url='{ogc_url}'"


def project_xml(municipality, layers, ogc_url):
    """The .qgs text: `layers` (already filtered by visible_to) over the OGC API at `ogc_url`."""
    title = f"{municipality.name_th} / {municipality.name_en}"
    root = ElementTree.Element("qgis", projectname=title, version=QGIS_VERSION)
    ElementTree.SubElement(root, "title").text = title
    crs_element(ElementTree.SubElement(root, "projectCrs"), f"EPSG:{municipality.default_export_srid}")
    tree = ElementTree.SubElement(root, "layer-tree-group")
    maplayers = ElementTree.SubElement(root, "projectlayers")
    for layer in layers:
        layer_id = f"{collection_id(layer).replace('.', '_').replace('-', '_')}_{layer.pk}"
        name = f"{layer.name_th} / {layer.name_en}"
        source = datasource(ogc_url, layer)
        ElementTree.SubElement(
            tree, "layer-tree-layer", id=layer_id, name=name, source=source, providerKey="OAPIF", checked="Qt::Checked", expanded="1"
        )
        maplayer = ElementTree.SubElement(maplayers, "maplayer", type="vector", geometry=QGIS_GEOMETRY[layer.geometry_type])
        ElementTree.SubElement(maplayer, "id").text = layer_id
        ElementTree.SubElement(maplayer, "datasource").text = source
        ElementTree.SubElement(maplayer, "layername").text = name
        crs_element(ElementTree.SubElement(maplayer, "srs"), CRS84.replace("http://www.opengis.net/def/crs/OGC/1.3/", "OGC:"))
        ElementTree.SubElement(maplayer, "provider", encoding="UTF-8").text = "OAPIF"
        maplayer.append(renderer(layer))
    return DOCTYPE + ElementTree.tostring(root, encoding="unicode")


# Points are drawn over lines and lines over areas: the first layer in the tree is on top.
DRAWING_ORDER = {GeometryType.POINT: 0, GeometryType.LINESTRING: 1, GeometryType.POLYGON: 2}


class QgisProjectView(APIView):
    """"Open in QGIS": a QGIS project (.qgs) of the municipality's layers that you may
    see, each read live from the OGC API and styled like the web map."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonErrors

    @extend_schema(tags=["municipalities"], responses={(200, "application/x-qgis-project"): OpenApiTypes.BINARY})
    def get(self, request, slug):
        municipality = get_object_or_404(Municipality.objects.visible_to(request.user), slug=slug)
        layers = Layer.objects.visible_to(request.user).filter(municipality=municipality).select_related("municipality")
        layers = sorted(layers, key=lambda layer: DRAWING_ORDER[layer.geometry_type])
        text = project_xml(municipality, layers, request.build_absolute_uri(reverse("ogc-landing")))
        response = HttpResponse(text, content_type="application/x-qgis-project; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{municipality.slug}.qgs"'
        return response
