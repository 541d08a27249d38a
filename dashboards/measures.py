"""The figures of dashboard widgets, computed in PostGIS.

Every figure is one aggregate query (GROUP BY, ST_Length/ST_Area on geography, spatial
joins, ST_DWithin) over `Feature.objects.visible_to(user)`: no loop over features in
Python, and no path around the permission rules. A widget on a layer its reader cannot
see raises NoAccess instead of answering with a number, not even zero.

Restricted layers (welfare) answer only with aggregates, and a group of fewer than
SUPPRESS_BELOW records is shown as "<5", so that no one can be picked out of a chart.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.contrib.gis.db.models import Collect, GeometryField
from django.contrib.gis.geos import GEOSGeometry
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Avg, BooleanField, Case, Count, F, FloatField, Func, OuterRef, Subquery, Sum, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, JSONObject, TruncMonth

from layers.models import Access, Feature, GeographyArea, GeographyLength, Layer, parse_geometry
from layers.schema import bilingual

from .models import MONTH, Measure, Widget

SUPPRESS_BELOW = 5
SQ_M_PER_RAI = 1600
TABLE_ROWS = 100
# The layers a widget's config may name: its own, the zones of a choropleth, the targets of coverage.
LAYER_KEYS = ("layer", "zones_layer", "target_layer")
# Entries need no expiry to be right (their key moves with every edit); this only lets
# figures that nobody asks for again leave the cache.
CACHE_SECONDS = 24 * 3600


class NoAccess(Exception):
    """The reader may not see a layer the widget is computed from."""

    message = bilingual("ไม่มีสิทธิ์ดูข้อมูลนี้", "No access to this data.")


class DWithinGeography(Func):
    # ST_DWithin(a::geography, b::geography, metres): the joiner casts each geometry
    # argument, so the radius is in metres on the spheroid.
    function = "ST_DWithin"
    arg_joiner = "::geography, "
    output_field = BooleanField()

    def __init__(self, a, b, metres):
        super().__init__(a, b, Value(float(metres)))


class Clip(Func):
    # A plain Func rather than GeoDjango's Intersection, which cannot take an OuterRef
    # (the zone of a correlated subquery).
    function = "ST_Intersection"
    output_field = GeometryField(srid=4326)

    def __init__(self, geom, clip):
        if isinstance(clip, GEOSGeometry):
            clip = Value(clip, output_field=GeometryField(srid=4326))
        super().__init__(geom, clip)


class Inside(Clip):
    # ST_Contains(clip, geom): with the clip first, PostGIS prepares it once and reuses it
    # for every feature (ST_CoveredBy(geom, clip) measured several times slower). A
    # feature touching the edge from inside is not contained and is measured cut, the same.
    function = "ST_Contains"
    output_field = BooleanField()

    def __init__(self, geom, clip):
        super().__init__(geom, clip)
        self.set_source_expressions(self.get_source_expressions()[::-1])


def metres(stored, measure, clip):
    """A feature's stored length or area (Feature.length_m, area_m2); with `clip`, a
    feature wholly inside counts whole and only one crossing the edge is cut and measured."""
    if clip is None:
        return F(stored)
    return Case(When(Inside("geom", clip), then=F(stored)), default=measure(Clip("geom", clip)))


@dataclass
class Filters:
    """What narrows every widget of a dashboard: a place (a zone's polygon or a drawn
    area) and a span of updated_at dates."""

    area: GEOSGeometry | None = None
    date_from: date | None = None
    date_to: date | None = None
    drawn: bool = False  # the area was drawn by the reader, not a zone of the municipality

    @classmethod
    def from_params(cls, params, user):
        """From a query string: zone=<feature id>, area=<GeoJSON polygon>, from, to (ISO dates).
        A zone must be a feature the reader may see, like anything else."""
        area, drawn = None, False
        if params.get("zone"):
            zone = (
                Feature.objects.visible_to(user)
                .filter(pk=_integer(params["zone"], "zone"), layer__category="zones")
                .values_list("geom", flat=True)
                .first()
            )
            if zone is None:
                raise ValidationError({"zone": [bilingual("ไม่พบเขตพื้นที่นี้", "No such zone.")]})
            area = zone
        elif params.get("area"):
            area, drawn = parse_geometry(params["area"]), True
            if area.geom_type not in ("Polygon", "MultiPolygon") or not area.valid:
                raise ValidationError({"area": [bilingual("พื้นที่ต้องเป็นรูปปิดที่ถูกต้อง", "The area must be a valid polygon.")]})
        return cls(area=area, date_from=_date(params.get("from"), "from"), date_to=_date(params.get("to"), "to"), drawn=drawn)

    def apply(self, queryset):
        if self.area is not None:
            queryset = queryset.filter(geom__intersects=self.area)
        if self.date_from:
            queryset = queryset.filter(updated_at__date__gte=self.date_from)
        if self.date_to:
            queryset = queryset.filter(updated_at__date__lte=self.date_to)
        return queryset


def _integer(raw, name):
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: [bilingual(f"{name} ต้องเป็นจำนวนเต็ม", f"{name} must be a whole number.")]}) from None


def _date(raw, name):
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: [bilingual(f"{name} ต้องเป็นวันที่ YYYY-MM-DD", f"{name} must be a date YYYY-MM-DD.")]}) from None


def visible_layer(user, layer_id):
    # With its last change read in the same query: the cache key needs it (cache_key).
    layer = Layer.objects.visible_to(user).with_last_change().filter(pk=layer_id).first()
    if layer is None:
        raise NoAccess
    return layer


def features_of(user, layer, config, filters):
    """The features a widget counts: visible to the reader, in its layer, narrowed by the
    widget's own field filters and the dashboard's filters."""
    queryset = Feature.objects.visible_to(user).filter(layer=layer).with_properties(layer, config.get("filters") or {})
    return filters.apply(queryset).order_by()


def value_expression(measure, field=None, clip=None):
    """The SQL aggregate of a measure. With `clip` (a polygon or an outer zone), lengths
    and areas count only the part inside it, so a road crossing two zones is split."""
    if measure == Measure.COUNT:
        return Count("id")
    if measure in (Measure.SUM, Measure.AVG):
        number = Cast(KeyTextTransform(field, "properties"), FloatField())
        return (Sum if measure == Measure.SUM else Avg)(number)
    if measure == Measure.LENGTH_KM:
        return Sum(metres("length_m", GeographyLength, clip)) / 1000.0
    if measure == Measure.AREA_RAI:
        return Sum(metres("area_m2", GeographyArea, clip)) / float(SQ_M_PER_RAI)
    if measure == Measure.AREA_KM2:
        return Sum(metres("area_m2", GeographyArea, clip)) / 1e6
    raise ValueError(measure)


def labels_of(layer, name):
    """key -> (Thai, English) labels of a choice field's values."""
    for field in layer.schema:
        if field["name"] == name:
            return {c["value"]: (c.get("label_th", c["value"]), c.get("label_en", c["value"])) for c in field.get("choices", [])}
    return {}


def row(key, value, n, labels=None):
    th, en = (labels or {}).get(key, (str(key), str(key)))
    return {"key": key, "label_th": th, "label_en": en, "value": None if value is None else round(float(value), 3), "n": n}


def suppress(result):
    """Small-cell suppression: a group of 1 to 4 records shows no figure (not even its
    sum or average), and the total is hidden too if it could give a hidden cell away."""
    hidden = False
    for item in result["rows"]:
        if 0 < item["n"] < SUPPRESS_BELOW:
            item.update(value=None, n=None, suppressed=True)
            hidden = True
    total = result.get("total")
    if total is not None and (hidden or 0 < total["n"] < SUPPRESS_BELOW):
        total.update(value=None, n=None, suppressed=True)
    result["suppressed"] = True
    return result


def compute(widget, user, filters=None):
    """The widget's data as a dict: rows of {key, label_th, label_en, value, n}, a total,
    and the unit. Raises NoAccess if the reader may not see a layer it uses.

    Figures are cached until a layer they read changes. Every layer is checked for this
    reader first, on every request, and a figure depends on its reader only through
    which layers they may see (each widget reads whole layers: Feature.visible_to is a
    filter by layer), so a reader who passes the check gets what anyone else who passes
    it would get, and one who does not gets NoAccess, never a cached number."""
    filters = filters or Filters()
    if widget.kind == Widget.Kind.TEXT:
        return {"kind": widget.kind, "rows": []}
    layers = {key: visible_layer(user, widget.config[key]) for key in LAYER_KEYS if widget.config.get(key)}
    key = cache_key(widget, layers, filters)
    result = cache.get(key)
    if result is None:
        result = figures(widget, user, layers, filters)
        cache.set(key, result, CACHE_SECONDS)
    return result


def cache_key(widget, layers, filters):
    """What a widget's figures follow: its kind and config, the dashboard's filters, and
    each layer's settings (schema labels, access: updated_at) and features (last_change:
    an add, edit, delete or restore moves it), so that any edit is seen at once."""
    area = filters.area.ewkb.hex() if filters.area is not None else None
    state = [
        widget.pk, widget.kind, widget.config, area, filters.drawn, str(filters.date_from), str(filters.date_to),
        [(key, layer.pk, layer.updated_at.isoformat(), *map(str, layer.last_change())) for key, layer in layers.items()],
    ]
    text = json.dumps(state, sort_keys=True, default=str)
    return "dashboards:figures:" + hashlib.sha256(text.encode()).hexdigest()


def figures(widget, user, layers, filters):
    config = widget.config
    layer = layers["layer"]
    measure = config.get("measure", Measure.COUNT)
    compute_kind = {
        Widget.Kind.CHOROPLETH: by_zone,
        Widget.Kind.COVERAGE: coverage,
        Widget.Kind.TABLE: table,
    }.get(widget.kind, grouped)
    result = compute_kind(user, layers, config, filters, measure)
    result.update(kind=widget.kind, measure=measure, layer=layer.pk)
    if result.pop("restricted", layer.access == Access.RESTRICTED):
        if filters.drawn:
            # Two drawn areas that differ by one house would tell, by subtraction, what
            # suppression hides: restricted figures narrow only to the municipality's zones.
            raise ValidationError({"area": [bilingual(
                "ข้อมูลจำกัดสิทธิ์กรองได้เฉพาะตามเขตพื้นที่ ไม่ใช่พื้นที่ที่วาดเอง",
                "Restricted data can be narrowed to a zone, not to a drawn area.",
            )]})
        suppress(result)
    return result


def grouped(user, layers, config, filters, measure):
    """KPI (no grouping), bar/pie (by a field) and line (by month) widgets. A grouped
    widget is one GROUP BY, its total added up from the groups: one read of the layer's
    features instead of two."""
    layer = layers["layer"]
    queryset = features_of(user, layer, config, filters)
    value = value_expression(measure, config.get("field"), filters.area)
    group_by = config.get("group_by")
    if not group_by:
        total = queryset.aggregate(value=value, n=Count("id"))
        return {"total": row("total", total["value"], total["n"]), "rows": []}
    key = TruncMonth("updated_at") if group_by == MONTH else KeyTextTransform(group_by, "properties")
    parts = {}
    if measure == Measure.AVG:
        # An average of averages is not the average: the total needs each group's sum and count.
        number = Cast(KeyTextTransform(config["field"], "properties"), FloatField())
        parts = {"summed": Sum(number), "counted": Count(number)}
    groups = list(queryset.annotate(key=key).values("key").annotate(value=value, n=Count("id"), **parts).order_by("key"))
    labels = labels_of(layer, group_by)
    rows = [row(g["key"].strftime("%Y-%m") if group_by == MONTH else g["key"], g["value"], g["n"], labels) for g in groups]
    # Choices in the schema's order (good, fair, poor, damaged), not alphabetical.
    order = {key: i for i, key in enumerate(labels)}
    return {
        "total": row("total", total_of(groups, measure), sum(g["n"] for g in groups)),
        "rows": sorted(rows, key=lambda r: order.get(r["key"], len(order))) if order else rows,
    }


def total_of(groups, measure):
    """The figure over all groups, as the aggregate over all features would give it: a
    count is 0 over nothing, a sum or average is None (SQL's NULL)."""
    if measure == Measure.COUNT:
        return sum(g["value"] for g in groups)
    if measure == Measure.AVG:
        counted = sum(g["counted"] for g in groups)
        return sum(g["summed"] for g in groups if g["summed"] is not None) / counted if counted else None
    values = [g["value"] for g in groups if g["value"] is not None]
    return sum(values) if values else None


def by_zone(user, layers, config, filters, measure):
    """Choropleth: the measure and the count inside each zone polygon, from one correlated
    subquery per zone (both figures in one JSON object, so each zone's features are read
    once), all in one SQL statement."""
    layer, zones_layer = layers["layer"], layers["zones_layer"]
    inside = features_of(user, layer, config, filters).filter(geom__intersects=OuterRef("geom"))
    value = value_expression(measure, config.get("field"), OuterRef("geom"))
    # Grouping by the (single) layer makes the aggregate a one-row subquery.
    figures = Subquery(inside.values("layer").annotate(figures=JSONObject(value=value, n=Count("id"))).values("figures")[:1])
    # The date range is about the features measured, not the zones: only the place
    # narrows which zones are listed.
    zones = Feature.objects.visible_to(user).filter(layer=zones_layer).order_by("id")
    if filters.area is not None:
        zones = zones.filter(geom__intersects=filters.area)
    rows = []
    for zone in zones.annotate(figures=figures).values("id", "properties", "figures"):
        name = zone["properties"].get("name_th") or str(zone["id"])
        found = zone["figures"] or {"value": None, "n": 0}  # no feature inside: no row
        rows.append({**row(zone["id"], found["value"], found["n"]), "label_th": name, "label_en": zone["properties"].get("name_en") or name})
    return {"rows": rows, "zones_layer": zones_layer.pk}


def coverage(user, layers, config, filters, measure):
    """How many features of the target layer (e.g. residents needing care) lie within
    radius_m of a feature of the widget's layer (e.g. health facilities)."""
    layer, target = layers["layer"], layers["target_layer"]
    sources = Feature.objects.visible_to(user).filter(layer=layer).with_properties(layer, config.get("filters") or {})
    # The sources as one collection, made once (an InitPlan): each target is then one
    # geography distance test. EXISTS(a source within reach) probed the GiST index per
    # target and met every other layer's features in the radius on the way (2,000 cases
    # against 20 facilities among 100,000 roads: 3.3 s, now 70 ms).
    every_source = Subquery(sources.order_by().values("layer").annotate(all=Collect("geom")).values("all")[:1])
    covered = Coalesce(DWithinGeography("geom", every_source, config["radius_m"]), False)
    targets = filters.apply(Feature.objects.visible_to(user).filter(layer=target)).order_by()
    counts = dict(targets.annotate(covered=covered).values_list("covered").annotate(n=Count("id")))
    covered, missed = counts.get(True, 0), counts.get(False, 0)
    labels = {True: ("อยู่ในระยะ", "Within reach"), False: ("อยู่นอกระยะ", "Out of reach")}
    return {
        "rows": [row("covered", covered, covered, {"covered": labels[True]}), row("not_covered", missed, missed, {"not_covered": labels[False]})],
        "total": row("total", covered + missed, covered + missed),
        "radius_m": config["radius_m"],
        "target_layer": target.pk,
        "restricted": Access.RESTRICTED in (layer.access, target.access),
    }


def table(user, layers, config, filters, measure):
    """A list of records: never for a restricted layer, whatever the config says."""
    layer = layers["layer"]
    if layer.access == Access.RESTRICTED:
        raise NoAccess
    columns = config.get("columns") or [field["name"] for field in layer.schema[:4]]
    queryset = features_of(user, layer, config, filters).order_by("id")[:TABLE_ROWS]
    rows = [{"key": f["id"], "values": [f["properties"].get(c) for c in columns]} for f in queryset.values("id", "properties")]
    fields = {field["name"]: field for field in layer.schema}
    headers = [(fields[c]["label_th"], fields[c]["label_en"]) if c in fields else (c, c) for c in columns]
    choices = {c: labels_of(layer, c) for c in columns if labels_of(layer, c)}
    return {"rows": rows, "columns": columns, "headers": headers, "choices": choices, "restricted": False}


def rollup(user, template, measure, field=None):
    """The same measure per municipality, over the layers made from one template: one
    GROUP BY over every municipality's features the reader may see."""
    queryset = Feature.objects.visible_to(user).filter(layer__template=template).order_by()
    groups = (
        queryset.values("layer__municipality__slug", "layer__municipality__name_th", "layer__municipality__name_en")
        .annotate(value=value_expression(measure, field), n=Count("id"))
        .order_by("layer__municipality__name_en")
    )
    result = {
        "rows": [
            {**row(g["layer__municipality__slug"], g["value"], g["n"]),
             "label_th": g["layer__municipality__name_th"], "label_en": g["layer__municipality__name_en"]}
            for g in groups
        ],
        "measure": measure,
        "template": template,
    }
    if Layer.objects.filter(template=template, access=Access.RESTRICTED).exists():
        suppress(result)
    return result
