"""Dashboard data under /api/v1/dashboards/. Thin views: a widget is found only through
`Dashboard.objects.visible_to`, and its figures only through `measures`, which reads
`Feature.objects.visible_to`."""

import csv

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.geojson import feature_texts, stream_collection
from layers.models import Access
from layers.schema import bilingual

from . import measures
from .models import MONTH, Dashboard, Measure, Widget

GEOJSON = "application/geo+json"
FILTER_PARAMETERS = [
    OpenApiParameter("zone", int, description="Feature id of a zones layer: only what lies in it."),
    OpenApiParameter("area", str, description="A GeoJSON polygon (WGS84): only what lies in it."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="Updated on or after this date."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Updated on or before this date."),
]


def widget_for(request, pk):
    return get_object_or_404(Widget.objects.filter(dashboard__in=Dashboard.objects.visible_to(request.user)), pk=pk)


def widget_data(request, widget):
    """(status, data): a widget on a layer the reader cannot see answers "no access"."""
    try:
        return 200, measures.compute(widget, request.user, measures.Filters.from_params(request.query_params, request.user))
    except measures.NoAccess as error:
        return 403, {"no_access": True, "detail": error.message}


@extend_schema(tags=["dashboards"], parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
class WidgetDataView(APIView):
    def get(self, request, pk):
        status, data = widget_data(request, widget_for(request, pk))
        return Response(data, status=status)


@extend_schema(tags=["dashboards"], parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
class WidgetCsvView(APIView):
    def get(self, request, pk):
        widget = widget_for(request, pk)
        status, data = widget_data(request, widget)
        if status != 200:
            return Response(data, status=status)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="widget-{widget.pk}.csv"'
        # A byte-order mark, so that Excel reads the Thai text as UTF-8.
        response.write("\ufeff")
        writer = csv.writer(response)
        if widget.kind == Widget.Kind.TABLE:
            writer.writerow(["id", *data["columns"]])
            writer.writerows([item["key"], *item["values"]] for item in data["rows"])
            return response
        writer.writerow(["key", "label_th", "label_en", "value", "count"])
        for item in data["rows"] + ([data["total"]] if data.get("total") else []):
            shown = f"<{measures.SUPPRESS_BELOW}" if item.get("suppressed") else item["value"]
            writer.writerow([item["key"], item["label_th"], item["label_en"], shown, "" if item.get("suppressed") else item["n"]])
        return response


@extend_schema(
    tags=["dashboards"],
    parameters=[OpenApiParameter("key", str, description="The group (bar, slice or YYYY-MM) to list."), *FILTER_PARAMETERS],
    responses={(200, GEOJSON): OpenApiTypes.OBJECT},
)
class WidgetFeaturesView(APIView):
    """The features behind one bar or slice (?key=asphalt), to highlight on the map;
    never for a restricted layer, whose records are shown only as aggregates."""

    def get(self, request, pk):
        widget = widget_for(request, pk)
        config = widget.config
        if widget.kind not in (Widget.Kind.BAR, Widget.Kind.PIE, Widget.Kind.LINE, Widget.Kind.KPI):
            raise exceptions.ValidationError({"detail": bilingual("วิดเจ็ตนี้ไม่มีรายการข้อมูล", "This widget has no features to show.")})
        try:
            layer = measures.visible_layer(request.user, config["layer"])
        except measures.NoAccess as error:
            return Response({"no_access": True, "detail": error.message}, status=403)
        if layer.access == Access.RESTRICTED:
            return Response({"no_access": True, "detail": measures.NoAccess.message}, status=403)
        filters = measures.Filters.from_params(request.query_params, request.user)
        queryset = measures.features_of(request.user, layer, config, filters)
        key, group_by = request.query_params.get("key"), config.get("group_by")
        if key and group_by == MONTH:
            year, month = (int(part) for part in key.split("-"))
            queryset = queryset.filter(updated_at__year=year, updated_at__month=month)
        elif key and group_by:
            queryset = queryset.filter(**{f"properties__{group_by}": key})
        return StreamingHttpResponse(stream_collection(feature_texts(queryset.order_by("id"))), content_type=GEOJSON)


@extend_schema(
    tags=["dashboards"],
    parameters=[OpenApiParameter("template", str), OpenApiParameter("measure", str), OpenApiParameter("field", str)],
    responses=OpenApiTypes.OBJECT,
)
class RollupView(APIView):
    """Platform admins: one template's measure per municipality, side by side."""

    def get(self, request):
        if not (request.user.is_active and request.user.is_superuser):
            raise exceptions.PermissionDenied(bilingual("เฉพาะผู้ดูแลแพลตฟอร์ม", "Platform admins only."))
        template = request.query_params.get("template", "roads")
        measure = request.query_params.get("measure", Measure.LENGTH_KM)
        field = request.query_params.get("field")
        if measure not in Measure.values or (measure in (Measure.SUM, Measure.AVG) and not field):
            raise exceptions.ValidationError(
                {"measure": bilingual(f"ใช้การวัด {measure} ไม่ได้ (ผลรวมและค่าเฉลี่ยต้องระบุ field)", f"Cannot use the measure {measure} (sum and average need a field).")}
            )
        return Response(measures.rollup(request.user, template, measure, field))
