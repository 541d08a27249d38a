"""Map dashboards: a municipality's pages of widgets (figures, charts, maps) over its layers.

A widget stores only what to compute (its `config`); the figures are computed on every
request by `dashboards.measures`, from the features the reader may see, so a dashboard
never shows a number from a layer its reader cannot open.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from layers.models import Access, Category, GeometryType, Layer, Municipality, Role, managed_municipalities, municipalities_where
from layers.schema import bilingual, clean_value

MONTH = "month"  # group by the month of updated_at rather than by a field
MAX_RADIUS_M = 50_000


class Measure(models.TextChoices):
    COUNT = "count", _("จำนวน")
    SUM = "sum", _("ผลรวมของฟิลด์")
    AVG = "avg", _("ค่าเฉลี่ยของฟิลด์")
    LENGTH_KM = "length_km", _("ความยาวรวม (กม.)")
    AREA_RAI = "area_rai", _("พื้นที่รวม (ไร่)")
    AREA_KM2 = "area_km2", _("พื้นที่รวม (ตร.กม.)")


# Which geometry a measure needs (None: any).
MEASURE_GEOMETRY = {
    Measure.LENGTH_KM: GeometryType.LINESTRING,
    Measure.AREA_RAI: GeometryType.POLYGON,
    Measure.AREA_KM2: GeometryType.POLYGON,
}
NUMERIC = ("integer", "number")
GROUPABLE = ("text", "choice", "boolean", "integer")


class DashboardQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published dashboards for the municipality's members (executives are viewers);
        drafts only for those who manage it; everything for platform admins. What each
        widget shows is checked again, layer by layer, when it is computed."""
        if user.is_active and user.is_superuser:
            return self.all()
        if not user.is_authenticated or not user.is_active:
            return self.none()
        members = Q(is_published=True, municipality_id__in=municipalities_where(user, Role.values))
        return self.filter(members | Q(municipality_id__in=managed_municipalities(user)))

    def managed_by(self, user):
        return self.filter(municipality_id__in=managed_municipalities(user))


class Dashboard(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="dashboards")
    slug = models.SlugField()
    title_th = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DashboardQuerySet.as_manager()

    class Meta:
        ordering = ["municipality", "order", "title_th"]
        constraints = [models.UniqueConstraint(fields=["municipality", "slug"], name="dashboard_slug_per_place")]

    def __str__(self):
        return f"{self.municipality.slug}/{self.slug}"

    def is_managed_by(self, user):
        return Dashboard.objects.managed_by(user).filter(pk=self.pk).exists()


class Widget(models.Model):
    class Kind(models.TextChoices):
        KPI = "kpi", _("ตัวเลขสำคัญ")
        BAR = "bar", _("กราฟแท่ง")
        PIE = "pie", _("กราฟวงกลม")
        LINE = "line", _("กราฟเส้นตามเดือน")
        CHOROPLETH = "choropleth", _("แผนที่ตามเขต")
        COVERAGE = "coverage", _("การครอบคลุมตามระยะ")
        TABLE = "table", _("ตาราง")
        TEXT = "text", _("ข้อความ")

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="widgets")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title_th = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    # A 12-column grid: the order places widgets, width and height size them.
    order = models.PositiveIntegerField(default=0)
    width = models.PositiveSmallIntegerField(default=4)
    height = models.PositiveSmallIntegerField(default=1)
    config = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dashboard", "order", "id"]

    def __str__(self):
        return f"{self.dashboard} · {self.title_th}"

    def config_layer(self, key):
        layer_id = self.config.get(key)
        return Layer.objects.filter(pk=layer_id, municipality_id=self.dashboard.municipality_id).first() if layer_id else None

    def clean(self):
        errors = {}
        if not 1 <= self.width <= 12:
            errors["width"] = bilingual("ความกว้างต้องอยู่ระหว่าง 1 ถึง 12 ช่อง", "Width must be 1 to 12 columns.")
        if not 1 <= self.height <= 4:
            errors["height"] = bilingual("ความสูงต้องอยู่ระหว่าง 1 ถึง 4 แถว", "Height must be 1 to 4 rows.")
        try:
            self.clean_config()
        except ValidationError as error:
            # Not under "config": the builder edits the config as separate form fields.
            errors[NON_FIELD_ERRORS] = error.messages
        if errors:
            raise ValidationError(errors)

    def clean_config(self):
        """Checks the config against the layer's schema, so a widget never asks the
        database for a field, a measure or a grouping that cannot exist."""

        def refuse(th, en):
            raise ValidationError(bilingual(th, en))

        config = self.config
        if not isinstance(config, dict):
            refuse("การตั้งค่าต้องเป็นออบเจ็กต์ JSON", "The config must be a JSON object.")
        if self.kind == self.Kind.TEXT:
            return
        layer = self.config_layer("layer")
        if layer is None:
            refuse("ต้องเลือกชั้นข้อมูลของเทศบาลนี้", "Choose a layer of this municipality.")
        fields = {field["name"]: field for field in layer.schema}
        measure = config.get("measure", Measure.COUNT)
        if measure not in Measure.values:
            refuse(f"ไม่รู้จักการวัด {measure!r}", f"Unknown measure {measure!r}.")
        needs = MEASURE_GEOMETRY.get(measure)
        if needs and layer.geometry_type != needs:
            refuse(
                f"การวัด {measure} ใช้ได้กับชั้นข้อมูลแบบ {needs} เท่านั้น",
                f"The measure {measure} needs a {needs} layer; {layer} holds {layer.geometry_type}.",
            )
        if measure in (Measure.SUM, Measure.AVG):
            field = fields.get(config.get("field"))
            if field is None or field["type"] not in NUMERIC:
                refuse("ต้องเลือกฟิลด์ตัวเลขสำหรับผลรวมหรือค่าเฉลี่ย", "Sum and average need a numeric field of the layer.")
        group_by = config.get("group_by") or ""
        if group_by and group_by != MONTH and (group_by not in fields or fields[group_by]["type"] not in GROUPABLE):
            refuse(f"จัดกลุ่มตามฟิลด์ {group_by!r} ไม่ได้", f"Cannot group by {group_by!r}: not a text, choice, boolean or integer field.")
        if self.kind in (self.Kind.BAR, self.Kind.PIE) and not group_by:
            refuse("กราฟแท่งและกราฟวงกลมต้องจัดกลุ่มตามฟิลด์", "Bar and pie charts need a field to group by.")
        if self.kind == self.Kind.LINE and group_by != MONTH:
            refuse("กราฟเส้นต้องจัดกลุ่มตามเดือน", "A line chart groups by month.")
        filters = config.get("filters") or {}
        if not isinstance(filters, dict):
            refuse("ตัวกรองต้องเป็นออบเจ็กต์", "Filters must be an object of field: value.")
        for name, value in filters.items():
            if name not in fields:
                refuse(f"ไม่มีฟิลด์ {name}", f"The layer has no field {name}.")
            clean_value(fields[name], value)
        if self.kind == self.Kind.TABLE and layer.access == Access.RESTRICTED:
            refuse(
                "ชั้นข้อมูลจำกัดสิทธิ์แสดงได้เฉพาะตัวเลขรวม ไม่แสดงเป็นรายการ",
                "A restricted layer is shown only as aggregates, never as a list of records.",
            )
        if self.kind == self.Kind.COVERAGE:
            target = self.config_layer("target_layer")
            if target is None:
                refuse("ต้องเลือกชั้นข้อมูลที่จะวัดการครอบคลุม", "Choose the layer whose coverage is measured.")
            radius = config.get("radius_m")
            if not isinstance(radius, (int, float)) or isinstance(radius, bool) or not 0 < radius <= MAX_RADIUS_M:
                refuse(f"รัศมีต้องอยู่ระหว่าง 1 ถึง {MAX_RADIUS_M:,} เมตร", f"The radius must be 1 to {MAX_RADIUS_M:,} metres.")
        if self.kind == self.Kind.CHOROPLETH:
            zones = self.config_layer("zones_layer")
            if zones is None or zones.category != Category.ZONES or zones.geometry_type != GeometryType.POLYGON:
                refuse("ต้องเลือกชั้นข้อมูลเขตพื้นที่ (รูปปิด)", "Choose a zones layer (polygons).")
        colors = config.get("colors") or []
        if not isinstance(colors, list) or not all(isinstance(c, str) and len(c) in (4, 7) and c.startswith("#") for c in colors):
            refuse("สีต้องเป็นรายการรหัสสีแบบ #rrggbb", "Colours must be a list of #rrggbb codes.")
