"""REST API under /api/v1/. Thin views: the models decide what is valid and who may do
what; every view's queryset comes through `VisibleToUserMixin`."""

import csv
import json
import shutil
import tempfile

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, transaction
from django.conf import settings
from django.contrib.gis.geos import Point
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import RetrieveAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .exports import FORMATS, SHAPEFILE_ENCODINGS, TARGET_CRS, ExportFailed, check_request, export_layer
from .geojson import feature_text, feature_texts, page_collection, stream_collection
from .models import (
    AccessRecord, Attachment, ExportJob, Feature, Layer, LayerGrant, Membership, Municipality, Revision, StaleVersion, parse_geometry,
)
from .schema import bilingual
from .tasks import run_export
from .serializers import (
    AccessRecordSerializer, AttachmentSerializer, ExportJobSerializer, GrantSerializer, LayerSerializer, MemberSerializer, MeSerializer,
    MunicipalitySerializer, RevisionSerializer, search_hit,
)

GEOJSON = "application/geo+json"
RESERVED_PARAMS = {"bbox", "limit", "offset", "format"}
MAX_LIMIT = 10_000


def exception_handler(error, context):
    """Model validation errors become 400 with {field: [message]}; a stale version becomes
    409 with the stored feature, so the client can show both versions."""
    if isinstance(error, DataError):
        # A value PostgreSQL cannot hold (a NUL character, a number out of range) that no
        # validation above caught: the statement failed, so nothing was written.
        message = bilingual("ข้อมูลมีค่าที่บันทึกไม่ได้ (เช่น อักขระ NUL)", "The request holds a value that cannot be stored (such as a NUL character).")
        return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, StaleVersion):
        message = bilingual(
            "มีผู้อื่นแก้ไขข้อมูลนี้ไปก่อนแล้ว กรุณาตรวจสอบก่อนบันทึกอีกครั้ง",
            "Someone else changed this feature first; review their version before saving again.",
        )
        current = feature_text(Feature.objects.filter(pk=error.feature.pk)) or "null"
        head = json.dumps({"detail": message, "current_version": error.feature.version}, ensure_ascii=False)
        return HttpResponse(f'{head[:-1]},"current":{current}}}', status=409, content_type="application/json")
    if isinstance(error, ExportFailed):
        message = bilingual("ส่งออกไฟล์ไม่สำเร็จ", f"The export failed: {error}")
        return Response({"detail": message}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    response = drf_exception_handler(error, context)
    # Http404 too (get_object_or_404): its text would name the model in English only.
    if response is not None and isinstance(error, (exceptions.NotFound, Http404)):
        response.data = {"detail": bilingual("ไม่พบข้อมูล", "Not found.")}
    return response


class JsonErrors(BaseContentNegotiation):
    """For views that answer in their own formats (tiles, OGC API pages) and leave only
    errors to DRF: errors are JSON whatever the client accepts, never a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class VisibleToUserMixin:
    """The one place where the API applies access rules: every queryset starts from the
    model's `visible_to(user)`; writes also ask the model's `editable_by`/`managed_by`."""

    model = None
    # Ids are numbers: anything else is a 404 from the URL, never a query that fails.
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)


def parse_bbox(text):
    try:
        xmin, ymin, xmax, ymax = (float(part) for part in text.split(","))
    except ValueError:
        raise DjangoValidationError(
            {"bbox": [bilingual("bbox ต้องเป็น minx,miny,maxx,maxy", "bbox must be minx,miny,maxx,maxy.")]}
        ) from None
    if not (xmin <= xmax and ymin <= ymax):
        raise DjangoValidationError({"bbox": [bilingual("bbox กลับด้าน", "bbox corners are reversed.")]})
    return Polygon.from_bbox((xmin, ymin, xmax, ymax))


def parse_count(params, name, default, maximum):
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0 or value > maximum:
        raise DjangoValidationError(
            {name: [bilingual(f"{name} ต้องเป็นจำนวนเต็ม 0 ถึง {maximum}", f"{name} must be a whole number from 0 to {maximum}.")]}
        )
    return value


def expected_version(request):
    """The version the client last saw: `version` in the body or an If-Match header."""
    raw = request.data.get("version") if isinstance(request.data, dict) else None
    if raw is None and "If-Match" in request.headers:
        raw = request.headers["If-Match"].removeprefix("W/").strip('"')
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise DjangoValidationError(
            {"version": [bilingual("version ต้องเป็นจำนวนเต็ม", "version must be a whole number.")]}
        ) from None


def required_version(request):
    version = expected_version(request)
    if version is None:
        raise exceptions.ValidationError(
            {"version": bilingual(
                "ต้องระบุ version ที่แก้ไข (ใน body หรือ If-Match) เพื่อไม่ให้ทับการแก้ไขของผู้อื่น",
                "Send the version you edited (in the body or If-Match) so that no one else's change is overwritten.",
            )}
        )
    return version


def fields_of(request):
    """The request body as named fields (JSON object or form), or a 400."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"detail": bilingual("ต้องส่งข้อมูลเป็นออบเจ็กต์ JSON", "Send a JSON object.")})
    return request.data


def feature_body(request):
    """(geometry or None, properties or None) from a GeoJSON Feature in the request body."""
    data = request.data
    if not isinstance(data, dict):
        raise exceptions.ValidationError(
            {"detail": bilingual("ต้องส่ง GeoJSON Feature", "Send a GeoJSON Feature.")}
        )
    geometry = parse_geometry(data["geometry"]) if data.get("geometry") is not None else None
    return geometry, data.get("properties")


def note(request, layer, action, count=1):
    """The PDPA processing record; only restricted layers are recorded (see AccessRecord)."""
    AccessRecord.note(request.user, layer, action, f"{request.method} {request.path}", count)


class AuditedRetrieveMixin(mixins.RetrieveModelMixin):
    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        note(request, self.get_object().layer, AccessRecord.Action.READ)
        return response


def geojson_response(text, version):
    response = HttpResponse(text, content_type=GEOJSON)
    response["ETag"] = f'"{version}"'
    return response


@extend_schema(tags=["municipalities"])
class MunicipalityViewSet(VisibleToUserMixin, viewsets.ReadOnlyModelViewSet):
    model = Municipality
    serializer_class = MunicipalitySerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-z0-9]+"


@extend_schema(tags=["layers"])
class LayerViewSet(
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    model = Layer
    serializer_class = LayerSerializer

    def get_queryset(self):
        layers = super().get_queryset().select_related("municipality")
        if self.action in ("list", "retrieve"):
            # Only where the count is shown, though even an estimated count costs a little.
            layers = layers.with_feature_counts()
        for name in ("municipality", "category", "template", "access"):
            value = self.request.query_params.get(name)
            if value:
                layers = layers.filter(**{"municipality__slug" if name == "municipality" else name: value})
        return layers

    @extend_schema(parameters=[OpenApiParameter("municipality", str, description="municipality slug")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def check_object_permissions(self, request, layer):
        super().check_object_permissions(request, layer)
        if request.method not in SAFE_METHODS and self.action in ("update", "partial_update"):
            if not Layer.objects.managed_by(request.user).filter(pk=layer.pk).exists():
                self.permission_denied(
                    request, bilingual("เฉพาะผู้จัดการแก้ไขชั้นข้อมูลได้", "Only managers may change a layer.")
                )

    def create(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            self.permission_denied(request)
        return super().create(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("bbox", str, description="minx,miny,maxx,maxy in WGS84"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses={(200, GEOJSON): OpenApiTypes.OBJECT},
        request={"application/json": OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get", "post"], url_path="features", url_name="features")
    def features(self, request, pk=None):
        """GET: the layer's features as a GeoJSON FeatureCollection (filters: bbox, any
        field of the layer's schema; paging: limit, offset). POST: add a feature."""
        layer = self.get_object()
        if request.method == "POST":
            if not layer.is_editable_by(request.user):
                self.permission_denied(request, bilingual("คุณไม่มีสิทธิ์แก้ไขชั้นข้อมูลนี้", "You may not edit this layer."))
            geometry, properties = feature_body(request)
            feature = Feature.create_in(layer, geometry, properties, request.user)
            note(request, layer, AccessRecord.Action.CHANGE)
            response = geojson_response(feature_text(Feature.objects.filter(pk=feature.pk)), feature.version)
            response.status_code = status.HTTP_201_CREATED
            response["Location"] = request.build_absolute_uri(f"/api/v1/features/{feature.pk}/")
            return response
        return self.feature_collection(request, layer)

    @extend_schema(request={"application/json": OpenApiTypes.OBJECT}, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="check", url_name="check")
    def check(self, request, pk=None):
        """Checks a GeoJSON Feature without saving it: `errors` would stop a save (same
        rules), `warnings` are worth a second look (e.g. far outside the municipality)."""
        layer = self.get_object()
        if not layer.is_editable_by(request.user):
            self.permission_denied(request, bilingual("คุณไม่มีสิทธิ์แก้ไขชั้นข้อมูลนี้", "You may not edit this layer."))
        errors = {}
        try:
            geometry, properties = feature_body(request)
            layer.clean_feature(geometry, properties)
        except DjangoValidationError as error:
            errors = error.message_dict
            geometry = None
        return Response({"errors": errors, "warnings": layer.geometry_warnings(geometry)})

    @extend_schema(responses=AccessRecordSerializer(many=True), parameters=[OpenApiParameter("export", str, enum=["csv"])])
    @action(detail=True, methods=["get"], url_path="access-log", url_name="access-log")
    def access_log(self, request, pk=None):
        """Who read, exported, changed or erased this restricted layer's data: for the
        municipality's managers (who may review the log without seeing the data)."""
        layer = get_object_or_404(Layer.objects.managed_by(request.user), pk=pk)
        records = AccessRecord.objects.filter(layer=layer)
        if request.query_params.get("export") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="access-log-{layer.municipality.slug}-{layer.slug}.csv"'
            response.write("\ufeff")  # so that Excel reads the Thai as UTF-8
            writer = csv.writer(response)
            writer.writerow(["at", "user", "action", "what", "count"])
            for record in records:
                writer.writerow([record.at.isoformat(), record.username, record.action, record.what, record.count])
            return response
        return Response(AccessRecordSerializer(records, many=True).data)

    def feature_collection(self, request, layer):
        params = request.query_params
        features = Feature.objects.filter(layer=layer)
        unknown = set(params) - RESERVED_PARAMS - {field["name"] for field in layer.schema}
        if unknown:
            raise DjangoValidationError(
                {name: [bilingual("ไม่มีฟิลด์นี้ในชั้นข้อมูล", "This layer has no such field.")] for name in sorted(unknown)}
            )
        if "bbox" in params:
            features = features.filter(geom__intersects=parse_bbox(params["bbox"]))
        features = features.with_properties(layer, {k: params[k] for k in params if k not in RESERVED_PARAMS})
        limit = parse_count(params, "limit", None, MAX_LIMIT)
        offset = parse_count(params, "offset", 0, 10**9)
        if limit is not None:
            following = params.copy()
            following["offset"] = str(offset + limit)
            links = [{"rel": "next", "type": GEOJSON, "href": request.build_absolute_uri("?" + following.urlencode())}]
            text, returned = page_collection(features, limit, offset, links_for_more=links)
            note(request, layer, AccessRecord.Action.READ, returned)
            return HttpResponse(text, content_type=GEOJSON)
        # A whole layer (or all of it from an offset) is streamed: memory stays flat.
        features = features.order_by("pk")[offset:]
        body = stream_collection(
            feature_texts(features), on_complete=lambda returned: note(request, layer, AccessRecord.Action.READ, returned),
        )
        return StreamingHttpResponse(body, content_type=GEOJSON)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=tuple(FORMATS), default="gpkg"),
            OpenApiParameter("srid", int, enum=tuple(TARGET_CRS), description="default: the municipality's"),
            OpenApiParameter("encoding", str, enum=tuple(SHAPEFILE_ENCODINGS), description="Shapefile text encoding"),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    # `format` names the file format here, not DRF's renderer: errors are always JSON.
    @action(detail=True, methods=["get"], url_path="export", url_name="export", content_negotiation_class=JsonErrors)
    def export(self, request, pk=None):
        """The layer as a file for GIS software (written by GDAL's ogr2ogr): a GeoPackage
        that opens styled in QGIS, a zipped Shapefile, GeoJSON, KML, CSV with WKT or DXF.
        Layers over EXPORT_NOW_MAX features are exported as jobs (export-jobs/)."""
        layer = self.get_object()
        if Feature.objects.filter(layer=layer).count() > settings.EXPORT_NOW_MAX:
            raise DjangoValidationError({"detail": [bilingual(
                "ชั้นข้อมูลนี้ใหญ่ ส่งออกเป็นงานเบื้องหลังแทน (POST export-jobs/)",
                "This layer is large: export it as a job instead (POST export-jobs/).",
            )]})
        params = request.query_params
        fmt = params.get("format", "gpkg")
        srid = parse_count(params, "srid", layer.municipality.default_export_srid, 999_999)
        directory = tempfile.mkdtemp(prefix="export-")
        try:
            path = export_layer(layer, fmt, srid, directory, encoding=params.get("encoding", "utf-8"))
            note(request, layer, AccessRecord.Action.EXPORT, Feature.objects.filter(layer=layer).count)
            # Opened before the directory goes: the open file outlives its name.
            handle = open(path, "rb")
        finally:
            shutil.rmtree(directory)
        return FileResponse(handle, as_attachment=True, filename=path.name, content_type=FORMATS[fmt].content_type)

    @extend_schema(request={"application/json": {"type": "object", "properties": {
        "format": {"type": "string", "enum": [*FORMATS]}, "srid": {"type": "integer"}, "encoding": {"type": "string"}}}},
        responses={202: ExportJobSerializer})
    @action(detail=True, methods=["post"], url_path="export-jobs", url_name="export-jobs")
    def export_jobs(self, request, pk=None):
        """Starts an export that a worker writes while you wait elsewhere; follow its
        status at export-jobs/{id}/ and download it when done."""
        layer = self.get_object()
        if not request.user.is_authenticated:
            self.permission_denied(request)
        data = fields_of(request)
        fmt = str(data.get("format", "gpkg"))
        encoding = str(data.get("encoding", "utf-8"))
        try:
            srid = int(data.get("srid") or layer.municipality.default_export_srid)
        except (TypeError, ValueError):
            raise DjangoValidationError({"srid": [bilingual("srid ต้องเป็นตัวเลข EPSG", "srid must be an EPSG number.")]}) from None
        check_request(fmt, srid, encoding)
        job = ExportJob.objects.create(layer=layer, user=request.user, format=fmt, srid=srid, encoding=encoding)
        # Queued only once the job row is committed, so the worker always finds it.
        transaction.on_commit(lambda: run_export.defer(job_id=job.pk))
        note(request, layer, AccessRecord.Action.EXPORT, Feature.objects.filter(layer=layer).count)
        return Response(ExportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=RevisionSerializer(many=True), parameters=[OpenApiParameter("action", str)])
    @action(detail=True, methods=["get"], url_path="revisions", url_name="revisions")
    def revisions(self, request, pk=None):
        """The layer's history, deleted features included (`?action=delete` lists what can be restored)."""
        layer = self.get_object()
        revisions = Revision.objects.visible_to(request.user).filter(layer=layer).select_related("user")
        if request.query_params.get("action"):
            revisions = revisions.filter(action=request.query_params["action"])
        data = RevisionSerializer(revisions, many=True, context={"request": request}).data
        note(request, layer, AccessRecord.Action.READ, len(data))
        return Response(data)


@extend_schema(tags=["features"])
class FeatureViewSet(VisibleToUserMixin, viewsets.GenericViewSet):
    model = Feature

    def get_object(self):
        feature = super().get_object()
        if self.request.method not in SAFE_METHODS and not feature.layer.is_editable_by(self.request.user):
            self.permission_denied(
                self.request, bilingual("คุณไม่มีสิทธิ์แก้ไขชั้นข้อมูลนี้", "You may not edit this layer.")
            )
        return feature

    def get_queryset(self):
        return super().get_queryset().select_related("layer")

    @extend_schema(responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def retrieve(self, request, pk=None):
        feature = self.get_object()
        note(request, feature.layer, AccessRecord.Action.READ)
        return geojson_response(feature_text(Feature.objects.filter(pk=feature.pk)), feature.version)

    @extend_schema(request={"application/json": OpenApiTypes.OBJECT}, responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def partial_update(self, request, pk=None):
        return self.save(request, partial=True)

    @extend_schema(request={"application/json": OpenApiTypes.OBJECT}, responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def update(self, request, pk=None):
        return self.save(request, partial=False)

    def save(self, request, partial):
        feature = self.get_object()
        version = required_version(request)
        geometry, properties = feature_body(request)
        if not partial and geometry is None:
            raise DjangoValidationError({"geometry": [bilingual("ต้องมีรูปร่าง (geometry)", "A geometry is required.")]})
        feature = feature.change(request.user, version, geom=geometry, properties=properties, partial=partial)
        note(request, feature.layer, AccessRecord.Action.CHANGE)
        return geojson_response(feature_text(Feature.objects.filter(pk=feature.pk)), feature.version)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        feature = self.get_object()
        feature.remove(request.user, expected_version(request))
        note(request, feature.layer, AccessRecord.Action.CHANGE)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="revisions", url_name="revisions")
    def revisions(self, request, pk=None):
        """Every change of this feature, newest first; works for deleted features too."""
        feature_id = int(pk)  # the URL accepts digits only
        revisions = Revision.objects.visible_to(request.user).filter(feature_id=feature_id).select_related("user")
        if not revisions.exists():
            raise exceptions.NotFound()
        note(request, revisions[0].layer, AccessRecord.Action.READ, len(revisions))
        return Response(RevisionSerializer(revisions, many=True, context={"request": request}).data)


    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "caption": {"type": "string"},
            "taken_at": {"type": "string", "format": "date-time"}, "lon": {"type": "number"}, "lat": {"type": "number"}}}},
        responses=AttachmentSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"], url_path="attachments", url_name="attachments")
    def attachments(self, request, pk=None):
        """GET: the feature's photos. POST (multipart): add a photo; `taken_at`, `lon` and
        `lat` from the device win over the photo's own EXIF."""
        if request.method == "POST":
            feature = self.get_object()
            attachment = Attachment.add(feature, photo_upload(request), request.user, **photo_details(request))
            note(request, feature.layer, AccessRecord.Action.CHANGE)
            return Response(AttachmentSerializer(attachment, context={"request": request}).data, status=status.HTTP_201_CREATED)
        feature_id = int(pk)  # the URL accepts digits only
        if not Revision.objects.visible_to(request.user).filter(feature_id=feature_id).exists():
            raise exceptions.NotFound()
        photos = Attachment.objects.visible_to(request.user).filter(feature_id=feature_id).select_related("created_by", "layer")
        if photos:
            note(request, photos[0].layer, AccessRecord.Action.READ, len(photos))
        return Response(AttachmentSerializer(photos, many=True, context={"request": request}).data)

    @extend_schema(
        request={"application/json": {"type": "object", "properties": {"reason": {"type": "string"}}}},
        responses={200: OpenApiTypes.OBJECT, 204: None},
    )
    @action(detail=True, methods=["get", "delete"], url_path="personal-data", url_name="personal-data")
    def personal_data(self, request, pk=None):
        """GET: everything kept about this record (the feature, its whole history, its
        photos), for a data subject's access request. DELETE with a `reason`: erase it
        everywhere, keeping only the record of the erasure."""
        feature = self.get_object()
        if request.method == "DELETE":
            revision = feature.erase(request.user, str(request.data.get("reason", "")))
            return Response({"erased": feature.pk, "revision": revision.pk})
        context = {"request": request}
        revisions = Revision.objects.filter(feature_id=feature.pk)
        photos = Attachment.objects.filter(feature_id=feature.pk)
        note(request, feature.layer, AccessRecord.Action.EXPORT, 1 + len(revisions) + len(photos))
        response = Response({
            "feature": json.loads(feature_text(Feature.objects.filter(pk=feature.pk))),
            "revisions": RevisionSerializer(revisions, many=True, context=context).data,
            "photos": AttachmentSerializer(photos, many=True, context=context).data,
        })
        response["Content-Disposition"] = f'attachment; filename="record-{feature.pk}.json"'
        return response


def photo_upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        raise DjangoValidationError({"file": [bilingual("ต้องแนบไฟล์รูปภาพ (file)", "Attach an image as `file`.")]})
    return upload


def photo_details(request):
    data = fields_of(request)
    details = {"caption": str(data.get("caption", ""))[:500]}
    if data.get("taken_at"):
        try:
            details["taken_at"] = parse_datetime(str(data["taken_at"]))
        except ValueError:  # well-formed but impossible, such as 12:99
            details["taken_at"] = None
        if details["taken_at"] is None:
            raise DjangoValidationError({"taken_at": [bilingual("วันเวลาไม่ถูกต้อง", "Not a valid date and time.")]})
    if data.get("lon") and data.get("lat"):
        try:
            lon, lat = float(data["lon"]), float(data["lat"])
        except (TypeError, ValueError):
            lon = lat = float("nan")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise DjangoValidationError({"lon": [bilingual("พิกัดไม่ถูกต้อง", "Not a valid WGS84 position.")]})
        details["location"] = Point(lon, lat, srid=4326)
    return details


def serve_protected(stored):
    """A stored file after the permission check. Behind nginx, X-Accel-Redirect hands the
    sending to the proxy (its location is `internal`, so it cannot be fetched directly)."""
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT + stored.name
    else:
        response = FileResponse(stored.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@extend_schema(tags=["features"])
class AttachmentViewSet(VisibleToUserMixin, AuditedRetrieveMixin, viewsets.GenericViewSet):
    model = Attachment
    serializer_class = AttachmentSerializer

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        attachment = self.get_object()
        if not attachment.layer.is_editable_by(request.user):
            self.permission_denied(request, bilingual("คุณไม่มีสิทธิ์แก้ไขชั้นข้อมูลนี้", "You may not edit this layer."))
        attachment.remove()
        note(request, attachment.layer, AccessRecord.Action.CHANGE)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="image", url_name="image")
    def image(self, request, pk=None):
        attachment = self.get_object()
        note(request, attachment.layer, AccessRecord.Action.READ)
        return serve_protected(attachment.image)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="thumbnail", url_name="thumbnail")
    def thumbnail(self, request, pk=None):
        attachment = self.get_object()
        note(request, attachment.layer, AccessRecord.Action.READ)
        return serve_protected(attachment.thumbnail)


@extend_schema(tags=["features"])
class RevisionViewSet(VisibleToUserMixin, AuditedRetrieveMixin, viewsets.GenericViewSet):
    model = Revision
    serializer_class = RevisionSerializer

    @extend_schema(request={"application/json": OpenApiTypes.OBJECT}, responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="restore", url_name="restore")
    def restore(self, request, pk=None):
        """Brings the feature back to this revision (a deleted feature comes back under its
        old id; an existing one needs the `version` you saw)."""
        revision = self.get_object()
        if not revision.layer.is_editable_by(request.user):
            self.permission_denied(request, bilingual("คุณไม่มีสิทธิ์แก้ไขชั้นข้อมูลนี้", "You may not edit this layer."))
        feature = revision.restore(request.user, expected_version(request))
        note(request, revision.layer, AccessRecord.Action.CHANGE)
        return geojson_response(feature_text(Feature.objects.filter(pk=feature.pk)), feature.version)


@extend_schema(tags=["layers"])
class ExportJobViewSet(VisibleToUserMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your export jobs: status, progress, and the file when done."""

    model = ExportJob
    serializer_class = ExportJobSerializer

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file", url_name="file")
    def file(self, request, pk=None):
        job = self.get_object()
        if job.status != ExportJob.Status.DONE:
            raise exceptions.NotFound()
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1])


@extend_schema(tags=["people"])
class MembershipViewSet(VisibleToUserMixin, viewsets.ModelViewSet):
    """The municipality's members and their roles, managed by its managers."""

    model = Membership
    serializer_class = MemberSerializer

    def get_queryset(self):
        members = super().get_queryset().select_related("user", "municipality").order_by("municipality", "user__username")
        if self.request.query_params.get("municipality"):
            members = members.filter(municipality__slug=self.request.query_params["municipality"])
        return members

    def perform_destroy(self, membership):
        if membership.is_last_manager():
            raise DjangoValidationError(
                {"role": [bilingual("ต้องมีผู้จัดการอย่างน้อยหนึ่งคน", "The municipality needs at least one manager.")]}
            )
        # Leaving the municipality ends the grants on its restricted layers too.
        LayerGrant.objects.filter(user=membership.user, layer__municipality=membership.municipality).delete()
        membership.delete()


@extend_schema(tags=["people"])
class GrantViewSet(VisibleToUserMixin, viewsets.ModelViewSet):
    """Who may read (and edit) a restricted layer; every change is in its access record."""

    model = LayerGrant
    serializer_class = GrantSerializer

    def get_queryset(self):
        grants = super().get_queryset().select_related("user", "layer").order_by("layer", "user__username")
        if self.request.query_params.get("layer"):
            grants = grants.filter(layer_id=self.request.query_params["layer"])
        return grants

    def perform_create(self, serializer):
        grant = serializer.save()
        self.note_grant(grant, f"grant {grant.user.username}{' (edit)' if grant.can_edit else ''}")

    perform_update = perform_create

    def perform_destroy(self, grant):
        self.note_grant(grant, f"revoke {grant.user.username}")
        grant.delete()

    def note_grant(self, grant, what):
        AccessRecord.note(self.request.user, grant.layer, AccessRecord.Action.GRANT, what, 0)


@extend_schema(
    tags=["features"],
    parameters=[
        OpenApiParameter("q", str, required=True, description="text in any attribute (partial words)"),
        OpenApiParameter("municipality", str, description="municipality slug"),
        OpenApiParameter("limit", int),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
class SearchView(APIView):
    """Features whose attributes contain the text, across every layer the user may see."""

    def get(self, request):
        params = request.query_params
        text = params.get("q", "").strip()
        if not text:
            raise DjangoValidationError({"q": [bilingual("ต้องระบุคำค้น", "Send the text to search for.")]})
        features = Feature.objects.visible_to(request.user)
        if params.get("municipality"):
            features = features.filter(layer__municipality__slug=params["municipality"])
        features = features.matching(text)
        limit = parse_count(params, "limit", 20, 100)
        features = features.select_related("layer").order_by("layer__category", "layer_id", "pk")[:limit]
        return Response({"results": [search_hit(feature) for feature in features]})


class MeView(RetrieveAPIView):
    """The signed-in user and their roles."""

    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        return self.request.user
