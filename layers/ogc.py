"""OGC API – Features under /ogc/: Part 1 (core, GeoJSON, HTML) and Part 2 (CRS), read
by QGIS, GDAL's OAPIF driver and anything else that speaks the standard.

A collection is a layer that `Layer.objects.visible_to(user)` gives, named
`<municipality-slug>.<layer-slug>`. Features are written by PostGIS (layers.geojson) and
streamed. Clients sign in with HTTP Basic (QGIS and GDAL send a saved login that way), a
token or the web session.

Hidden collections: an anonymous request for a collection it may not see gets 401 with a
Basic challenge, so that QGIS asks for the login and retries; a missing collection gets
the very same answer, so nothing says whether it exists. A signed-in user who may not see
it gets 404, exactly as for one that does not exist.
"""

import json
import math
from urllib.parse import urlencode

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication, SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .api import GEOJSON, MAX_LIMIT, JsonErrors, note, parse_count
from .geojson import feature_sql, feature_text, page_collection
from .models import AccessRecord, Feature, Layer
from .schema import bilingual

JSON = "application/json"
HTML = "text/html"
DEFAULT_LIMIT = 10

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def epsg(code):
    return f"http://www.opengis.net/def/crs/EPSG/0/{code}"


# CRS URI -> (PostGIS SRID, latitude first?). CRS84 is WGS84 longitude/latitude, the order
# the features are stored in; EPSG:4326 as an OGC URI follows the EPSG axis order,
# latitude first, so its coordinates (geometries and bbox) are swapped. The projected
# ones (UTM 47N/48N, Web Mercator) are easting, northing like the stored order.
CRSS = {
    CRS84: (4326, False),
    epsg(4326): (4326, True),
    epsg(32647): (32647, False),
    epsg(32648): (32648, False),
    epsg(3857): (3857, False),
}

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

ITEM_PARAMS = {"f", "bbox", "bbox-crs", "crs", "limit", "offset"}

# The layer schema's field types as JSON Schema (for /queryables).
JSON_SCHEMA_TYPES = {
    "text": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
    "choice": {"type": "string"},
    "url": {"type": "string", "format": "uri"},
}


def ogc_exception_handler(error, context):
    """Errors as OGC API exceptions ({"code", "description"}), in Thai and English."""
    if isinstance(error, DjangoValidationError):
        if hasattr(error, "error_dict"):
            text = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
        else:
            text = " ".join(error.messages)
        return Response({"code": "InvalidParameterValue", "description": text}, status=400)
    response = drf_exception_handler(error, context)
    if response is not None:
        if isinstance(error, (exceptions.NotFound, Http404)):
            description = bilingual("ไม่พบข้อมูล", "Not found.")
        else:
            description = str(error.detail)
        response.data = {"code": type(error).__name__, "description": description}
    return response


class OgcView(APIView):
    # Basic first: its challenge (WWW-Authenticate: Basic) is what QGIS and GDAL answer.
    authentication_classes = [BasicAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonErrors
    schema = None  # not part of the /api/v1/ OpenAPI document

    def get_exception_handler(self):
        return ogc_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        # What comes back depends on who asks (Basic, token or session) and on Accept.
        patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
        # And nothing is kept: QGIS asks its disk cache first ("prefer cache") and ignores
        # Vary, so after a change of login it served a restricted collection saved under
        # the earlier one (even with no-cache, within the same second).
        patch_cache_control(response, no_store=True)
        return super().finalize_response(request, response, *args, **kwargs)

    def wants_html(self):
        """`f=html|json` decides; without it, a browser (Accept starting text/html) gets HTML."""
        chosen = self.request.query_params.get("f")
        if chosen is not None:
            if chosen not in ("json", "html"):
                raise DjangoValidationError({"f": [bilingual("f ต้องเป็น json หรือ html", "f must be json or html.")]})
            return chosen == "html"
        return self.request.headers.get("Accept", "").split(",")[0].strip().startswith(HTML)

    def url(self, name, *args, **params):
        href = self.request.build_absolute_uri(reverse(name, args=args))
        return f"{href}?{urlencode(params)}" if params else href

    def self_links(self, json_type, title):
        """`self` and `alternate` links to this very request (query kept) in both formats."""
        params = self.request.query_params.copy()
        here = self.request.build_absolute_uri(self.request.path)
        html = self.wants_html()
        links = []
        for fmt, media_type in (("json", json_type), ("html", HTML)):
            params["f"] = fmt
            rel = "self" if (fmt == "html") == html else "alternate"
            links.append({"href": f"{here}?{params.urlencode()}", "rel": rel, "type": media_type, "title": f"{title} ({fmt})"})
        return links

    def answer(self, data, *, title, content_type=JSON, context=None):
        if self.wants_html():
            return render(self.request, "ogc/page.html", {"title": title, "links": data.get("links", []), **(context or {})})
        return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=content_type)

    def collection(self, collection_id):
        """The visible layer named by `collection_id`, else 401 (anonymous) or 404."""
        municipality, _, slug = collection_id.partition(".")
        layer = (
            Layer.objects.visible_to(self.request.user)
            .select_related("municipality")
            .filter(municipality__slug=municipality, slug=slug)
            .first()
        )
        if layer is None:
            if not self.request.user.is_authenticated:
                raise exceptions.NotAuthenticated(
                    bilingual("ไม่พบข้อมูล หรือต้องเข้าสู่ระบบก่อน", "Not found, or sign in first.")
                )
            raise exceptions.NotFound()
        return layer


def collection_id(layer):
    return f"{layer.municipality.slug}.{layer.slug}"


def layer_title(layer):
    return f"{layer.name_th} {layer.municipality.name_th} / {layer.name_en}, {layer.municipality.name_en}"


def parse_crs(params, name):
    """(srid, latitude first?, uri) of a crs/bbox-crs parameter; CRS84 when absent."""
    uri = params.get(name, CRS84)
    if uri not in CRSS:
        raise DjangoValidationError(
            {name: [bilingual(f"ไม่รองรับระบบพิกัด {uri}", f"Unsupported CRS {uri}; use one of {', '.join(CRSS)}.")]}
        )
    return (*CRSS[uri], uri)


def parse_bbox(params):
    """The bbox parameter as a polygon in its bbox-crs (PostGIS transforms it to the
    stored SRID in the query). Four numbers, or six with heights (ignored)."""
    srid, lat_lon, _ = parse_crs(params, "bbox-crs")
    try:
        numbers = [float(part) for part in params["bbox"].split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:
        numbers = numbers[0:2] + numbers[3:5]
    if len(numbers) != 4 or not all(math.isfinite(number) for number in numbers):
        raise DjangoValidationError(
            {"bbox": [bilingual("bbox ต้องเป็นตัวเลข 4 หรือ 6 ค่า", "bbox must be 4 or 6 comma-separated numbers.")]}
        )
    if lat_lon:  # EPSG:4326 in OGC order: min lat, min lon, max lat, max lon
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    xmin, ymin, xmax, ymax = numbers
    if ymin > ymax:
        raise DjangoValidationError({"bbox": [bilingual("bbox กลับด้าน", "bbox corners are reversed.")]})
    # A bbox across the antimeridian (xmin > xmax) is legal in OGC API, but no Thai
    # municipality needs it: it is refused rather than misread.
    if xmin > xmax:
        raise DjangoValidationError(
            {"bbox": [bilingual("bbox ข้ามเส้นเมริเดียน 180 ไม่รองรับ", "A bbox across the antimeridian is not supported.")]}
        )
    polygon = Polygon.from_bbox((xmin, ymin, xmax, ymax))
    polygon.srid = srid
    return polygon


def parse_limit(params):
    limit = parse_count(params, "limit", DEFAULT_LIMIT, 10**9)
    if limit < 1:
        raise DjangoValidationError({"limit": [bilingual("limit ต้องมากกว่า 0", "limit must be at least 1.")]})
    # OGC API: a limit above the maximum is not an error; the maximum is used.
    return min(limit, MAX_LIMIT)


class LandingView(OgcView):
    def get(self, request):
        title = bilingual("แพลตฟอร์มข้อมูลเมือง", "City data platform")
        data = {
            "title": title,
            "description": bilingual(
                "ชั้นข้อมูลแผนที่ของเทศบาล (OGC API – Features)", "Municipal map layers (OGC API – Features)."
            ),
            "links": self.self_links(JSON, title)
            + [
                # QGIS (3.22) refuses a landing page without the API definition.
                {"href": self.url("ogc-api"), "rel": "service-desc", "type": OPENAPI, "title": "OpenAPI 3.0"},
                {"href": self.url("ogc-conformance"), "rel": "conformance", "type": JSON, "title": "Conformance"},
                {"href": self.url("ogc-collections"), "rel": "data", "type": JSON, "title": "Collections"},
            ],
        }
        return self.answer(data, title=title, context={"description": data["description"]})


def parameter(name, schema, description, *, where="query", required=False, **extra):
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema, **extra}


def openapi_document(server):
    """The OpenAPI 3.0 definition of this OGC API. Collections are listed at run time
    (they depend on who asks), so paths take {collectionId} as a parameter."""
    crs = {"type": "string", "format": "uri", "enum": list(CRSS), "default": CRS84}
    collection = parameter("collectionId", {"type": "string"}, "<municipality-slug>.<layer-slug>", where="path", required=True)
    ok = {"200": {"description": "OK"}, "400": {"description": "Bad request"}, "404": {"description": "Not found"}}
    items_parameters = [
        collection,
        parameter("bbox", {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6}, "minx,miny,maxx,maxy in bbox-crs", style="form", explode=False),
        parameter("bbox-crs", crs, "CRS of bbox"),
        parameter("crs", crs, "CRS of the response geometries"),
        parameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "features per page", style="form", explode=False),
        parameter("offset", {"type": "integer", "minimum": 0, "default": 0}, "features to skip"),
    ]
    paths = {
        "/": "landing page",
        "/api": "this document",
        "/conformance": "conformance classes",
        "/collections": "the collections the user may see",
        "/collections/{collectionId}": "a collection",
        "/collections/{collectionId}/queryables": "the fields to filter by (JSON Schema)",
        "/collections/{collectionId}/items": "features; further query parameters filter by field",
        "/collections/{collectionId}/items/{featureId}": "a feature",
    }
    document = {"openapi": "3.0.3", "info": {"title": "OGC API – Features", "version": "1.0"}, "servers": [{"url": server}], "paths": {}}
    for path, summary in paths.items():
        params = [collection] if "{collectionId}" in path else []
        if path.endswith("/items"):
            params = items_parameters
        if path.endswith("{featureId}"):
            params = [collection, parameter("featureId", {"type": "string"}, "feature id", where="path", required=True), items_parameters[3]]
        document["paths"][path] = {"get": {"summary": summary, "parameters": params, "responses": ok}}
    return document


class ApiView(OgcView):
    def get(self, request):
        title = "OpenAPI 3.0"
        data = openapi_document(self.url("ogc-landing").rstrip("/"))
        return self.answer(data, title=title, content_type=OPENAPI, context={"description": data["info"]["title"]})


class ConformanceView(OgcView):
    def get(self, request):
        data = {"conformsTo": CONFORMANCE, "links": self.self_links(JSON, "Conformance")}
        return self.answer(data, title="Conformance", context={"conforms": CONFORMANCE})


class CollectionsMixin:
    def collection_document(self, layer, extent):
        cid = collection_id(layer)
        title = layer_title(layer)
        document = {
            "id": cid,
            "title": title,
            "description": " / ".join(text for text in (layer.description_th, layer.description_en) if text),
            "itemType": "feature",
            "crs": list(CRSS),
            "storageCrs": CRS84,
            "links": [
                {"href": self.url("ogc-collection", cid), "rel": "self", "type": JSON, "title": title},
                {"href": self.url("ogc-collection", cid, f="html"), "rel": "alternate", "type": HTML, "title": title},
                {"href": self.url("ogc-items", cid), "rel": "items", "type": GEOJSON, "title": title},
                {"href": self.url("ogc-items", cid, f="html"), "rel": "items", "type": HTML, "title": title},
                {
                    "href": self.url("ogc-queryables", cid),
                    "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                    "type": "application/schema+json",
                    "title": "Queryables",
                },
            ],
        }
        if extent is not None:
            document["extent"] = {"spatial": {"bbox": [list(extent)], "crs": CRS84}}
        return document


class CollectionsView(CollectionsMixin, OgcView):
    def get(self, request):
        layers = Layer.objects.visible_to(request.user).select_related("municipality").order_by("municipality__slug", "slug")
        boxes = Feature.objects.filter(layer__in=layers).extent_by_layer()
        documents = [self.collection_document(layer, boxes.get(layer.pk)) for layer in layers]
        data = {"links": self.self_links(JSON, "Collections"), "collections": documents}
        return self.answer(data, title=bilingual("ชั้นข้อมูล", "Collections"), context={"collections": documents})


class CollectionView(CollectionsMixin, OgcView):
    def get(self, request, collection_id):
        layer = self.collection(collection_id)
        data = self.collection_document(layer, Feature.objects.filter(layer=layer).extent_by_layer().get(layer.pk))
        return self.answer(data, title=data["title"], context={"collections": [data]})


class QueryablesView(OgcView):
    def get(self, request, collection_id):
        layer = self.collection(collection_id)
        properties = {}
        for field in layer.schema:
            spec = {"title": bilingual(field["label_th"], field["label_en"]), **JSON_SCHEMA_TYPES[field["type"]]}
            if field["type"] == "choice":
                spec["enum"] = [choice["value"] for choice in field["choices"]]
            properties[field["name"]] = spec
        data = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.url("ogc-queryables", collection_id),
            "type": "object",
            "title": layer_title(layer),
            "properties": properties,
            "additionalProperties": False,
            "links": self.self_links("application/schema+json", "Queryables"),
        }
        return self.answer(
            data, title=data["title"], content_type="application/schema+json", context={"queryables": properties}
        )


class ItemsView(OgcView):
    def get(self, request, collection_id):
        layer = self.collection(collection_id)
        params = request.query_params
        fields = {field["name"] for field in layer.schema}
        unknown = set(params) - ITEM_PARAMS - fields
        if unknown:
            raise DjangoValidationError(
                {name: [bilingual("ไม่มีพารามิเตอร์หรือฟิลด์นี้", "No such parameter or field.")] for name in sorted(unknown)}
            )
        srid, lat_lon, crs = parse_crs(params, "crs")
        features = Feature.objects.filter(layer=layer)
        if "bbox" in params:
            features = features.filter(geom__intersects=parse_bbox(params))
        features = features.with_properties(layer, {name: params[name] for name in params if name in fields})
        limit = parse_limit(params)
        offset = parse_count(params, "offset", 0, 10**9)
        matched = features.count()
        title = layer_title(layer)
        links = self.self_links(GEOJSON, title) + [
            {"href": self.url("ogc-collection", collection_id), "rel": "collection", "type": JSON, "title": title}
        ]
        if offset:
            links.append(self.page_link("prev", max(offset - limit, 0)))
        text, returned = page_collection(
            features, limit, offset, sql=feature_sql(srid, lat_lon=lat_lon), links=links,
            links_for_more=[self.page_link("next", offset + limit)], members={"numberMatched": matched},
        )
        note(request, layer, AccessRecord.Action.READ, returned)
        if self.wants_html():
            collection = json.loads(text)
            return render(request, "ogc/page.html", {"title": title, "links": collection["links"], **table(layer, collection)})
        response = HttpResponse(text, content_type=GEOJSON)
        response["Content-Crs"] = f"<{crs}>"
        return response

    def page_link(self, rel, offset):
        params = self.request.query_params.copy()
        params["offset"] = str(offset)
        html = self.wants_html()
        href = self.request.build_absolute_uri(self.request.path) + "?" + params.urlencode()
        return {"href": href, "rel": rel, "type": HTML if html else GEOJSON, "title": rel}


class ItemView(OgcView):
    def get(self, request, collection_id, feature_id):
        layer = self.collection(collection_id)
        srid, lat_lon, crs = parse_crs(request.query_params, "crs")
        text = None
        if feature_id.isdigit():
            text = feature_text(Feature.objects.filter(layer=layer, pk=int(feature_id)), sql=feature_sql(srid, lat_lon=lat_lon))
        if text is None:
            raise exceptions.NotFound()
        note(request, layer, AccessRecord.Action.READ)
        feature = json.loads(text)
        title = layer_title(layer)
        feature["links"] = self.self_links(GEOJSON, f"{title} #{feature_id}") + [
            {"href": self.url("ogc-collection", collection_id), "rel": "collection", "type": JSON, "title": title}
        ]
        if self.wants_html():
            collection = {"features": [feature]}
            return render(request, "ogc/page.html", {"title": f"{title} #{feature_id}", "links": feature["links"], **table(layer, collection)})
        response = HttpResponse(json.dumps(feature, ensure_ascii=False), content_type=GEOJSON)
        response["Content-Crs"] = f"<{crs}>"
        return response


def table(layer, collection):
    """The features of a collection as rows of the layer's fields, for the HTML page."""
    columns = [(field["name"], bilingual(field["label_th"], field["label_en"])) for field in layer.schema]
    rows = [
        (feature["id"], [feature["properties"].get(name, "") for name, _ in columns])
        for feature in collection["features"]
    ]
    return {"columns": columns, "rows": rows, "matched": collection.get("numberMatched")}
