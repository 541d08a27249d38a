"""Mapbox vector tiles of a layer, made by PostGIS in one ST_AsMVT query, and TileJSON.

The layer comes from `Layer.objects.visible_to(user)`: a layer one may not see answers
404, exactly like one that does not exist. Tiles carry an ETag from the layer's state
(its last revision and last change), so a client revalidates with If-None-Match and gets a
304 without the tile being made again.
"""

import hashlib

from django.db import connection
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from .api import JsonErrors, note
from .models import Access, AccessRecord, Feature, Layer

MVT = "application/vnd.mapbox-vector-tile"
EXTENT = 4096  # tile coordinate units, the MVT default
BUFFER = 64  # units drawn beyond the tile edge, so that lines and symbols meet across tiles
MAX_ZOOM = 22
TABLE = Feature._meta.db_table

# Generalisation, so that a tile stays small (< 500 KB) and quick (< 150 ms) however dense
# the layer is (measured in bench/run.py over 100,000 roads and 1,000,000 points):
# - a line or polygon smaller than a screen pixel (1/256 of the tile's width and height)
#   is left out: it would draw as a dot, if at all; points are always kept;
# - vertices closer than SIMPLIFY units to the line through their neighbours are dropped
#   (half a pixel of a 256-pixel tile; collapsed shapes are kept);
# - a tile carries at most MAX_FEATURES features, the first made (lowest id) first. The
#   id order walks the (layer_id, id) index and stops at the cap, where any other order
#   (longest first, say) would read every feature in a z12 tile (400,000 points) before
#   keeping 4,000. Zooming in always shows the rest: each tile deeper covers a quarter.
PIXEL = 256
SIMPLIFY = EXTENT / PIXEL / 2
MAX_FEATURES = 4000

# The GiST index is on the stored geometry (SRID 4326), so the filter compares in 4326:
# the tile envelope (Web Mercator, with the buffer as margin) is transformed once, rather
# than every row's geometry being transformed to 3857 before the index can be used.
# Only the rows that pass are transformed and clipped; the pixel-size test reads only the
# bounding box stored with each geometry. A jsonb column becomes one MVT attribute per key.
# The layer is matched with = ANY(array of one) and sorted by (layer_id, id) so that only
# the (layer_id, id) index gives that order: with a plain `=`, PostgreSQL drops layer_id
# from the sort and may walk the primary key through every other layer's rows instead
# (measured: 580 ms against 120 ms for a z14 tile of 1,000,000 points).
TILE_SQL = f"""
WITH tile AS (
    SELECT envelope,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT}), 4326) AS filter,
           (ST_XMax(bounds) - ST_XMin(bounds)) / {PIXEL} AS pixel_width,
           (ST_YMax(bounds) - ST_YMin(bounds)) / {PIXEL} AS pixel_height,
           (ST_XMax(envelope) - ST_XMin(envelope)) / {EXTENT} AS unit
    FROM ST_TileEnvelope(%(z)s, %(x)s, %(y)s) envelope, ST_Transform(envelope, 4326) bounds
)
SELECT ST_AsMVT(rows.*, %(name)s, {EXTENT}, 'geom', 'id')
FROM (
    SELECT f.id, f.properties,
           ST_AsMVTGeom(ST_Simplify(ST_Transform(f.geom, 3857), {SIMPLIFY} * tile.unit, true),
                        tile.envelope, {EXTENT}, {BUFFER}, true) AS geom
    FROM "{TABLE}" f, tile
    WHERE f.layer_id = ANY(%(layers)s) AND f.geom && tile.filter
      AND (ST_Dimension(f.geom) = 0
           OR ST_XMax(f.geom) - ST_XMin(f.geom) >= tile.pixel_width
           OR ST_YMax(f.geom) - ST_YMin(f.geom) >= tile.pixel_height)
    ORDER BY f.layer_id, f.id
    LIMIT {MAX_FEATURES}
) rows
WHERE rows.geom IS NOT NULL
"""

MVT_FIELD_TYPES = {"integer": "Number", "number": "Number", "boolean": "Boolean"}


def make_tile(layer, z, x, y):
    with connection.cursor() as cursor:
        cursor.execute(TILE_SQL, {"z": z, "x": x, "y": y, "name": layer.slug, "layers": [layer.pk]})
        (tile,) = cursor.fetchone()
    return bytes(tile or b"")


def layer_etag(layer):
    """Changes whenever a feature of the layer is added, changed or deleted."""
    last_revision, last_change = layer.last_change()
    text = f"{layer.pk}:{layer.slug}:{last_revision}:{last_change.isoformat() if last_change else ''}"
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def cache_headers(response, layer, etag):
    response["ETag"] = etag
    # Public tiles may sit in shared caches; all others only in the user's own. Either way
    # the cache asks again each time (no-cache) and the ETag makes that a cheap 304, so
    # an edit shows at once and a layer made non-public stops being served from caches.
    if layer.access == Access.PUBLIC:
        response["Cache-Control"] = "public, no-cache"
    else:
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


class TileBaseView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonErrors
    schema = None  # not part of the /api/v1/ OpenAPI document

    def layers(self):
        return Layer.objects.visible_to(self.request.user)


class TileView(TileBaseView):
    def get(self, request, layer_id, z, x, y):
        # One query finds the layer, checks that the user may see it and reads its ETag.
        layer = get_object_or_404(self.layers().with_last_change(), pk=layer_id)
        if z > MAX_ZOOM or x >= 2**z or y >= 2**z:
            raise exceptions.NotFound()
        etag = layer_etag(layer)
        if etag in request.headers.get("If-None-Match", ""):
            # Not a bare HttpResponse(status=304): that says text/html, and an HTML page
            # gets a Content-Security-Policy worked out for it (the basemap hosts).
            return cache_headers(HttpResponseNotModified(), layer, etag)
        tile = make_tile(layer, z, x, y)
        # A tile holds geometries and every attribute: for the record, it is one read.
        note(request, layer, AccessRecord.Action.READ, 1)
        return cache_headers(HttpResponse(tile, content_type=MVT), layer, etag)


class TileJSONView(TileBaseView):
    def get(self, request, layer_id):
        layer = get_object_or_404(self.layers().select_related("municipality"), pk=layer_id)
        # The {z}/{x}/{y} template: a tile URL with its numbers cut off.
        base = request.build_absolute_uri(reverse("tile", args=[layer.pk, 0, 0, 0])).removesuffix("0/0/0.mvt")
        bounds = Feature.objects.filter(layer=layer).extent_by_layer().get(layer.pk) or (-180, -85.0511, 180, 85.0511)
        fields = {field["name"]: MVT_FIELD_TYPES.get(field["type"], "String") for field in layer.schema}
        return JsonResponse(
            {
                "tilejson": "3.0.0",
                "name": f"{layer.name_th} / {layer.name_en}",
                "description": f"{layer.municipality.name_th} / {layer.municipality.name_en}",
                "scheme": "xyz",
                "tiles": [base + "{z}/{x}/{y}.mvt"],
                "minzoom": 0,
                "maxzoom": MAX_ZOOM,
                "bounds": list(bounds),
                "vector_layers": [{"id": layer.slug, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM}],
            },
            json_dumps_params={"ensure_ascii": False},
        )
