"""The core: municipalities, layers, features, their history, and who may see and edit them.

Who sees what is decided in one place, the queryset methods `visible_to(user)` and
`editable_by(user)` below. Every read and write path (API, pages, exports, tiles,
dashboards) starts from them; no view filters by hand.
"""

import json
import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.db.models import Extent
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import FloatField, Func, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from .geometry import geometry_errors, shape_of
from .layer_templates import TEMPLATES
from .photos import read_photo
from .schema import bilingual, clean_properties, clean_value, validate_schema

# Within this distance of the boundary a feature counts as "near" (roads and drains run on).
NEAR_METRES = 500


class MunicipalityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Municipalities themselves (names, boundaries) are public information."""
        return self.all()

    def managed_by(self, user):
        """Where the user may make layers: their municipalities as a manager."""
        return self.filter(pk__in=managed_municipalities(user))


class Municipality(models.Model):
    class Kind(models.TextChoices):
        SUBDISTRICT = "subdistrict_municipality", _("เทศบาลตำบล")
        TOWN = "town_municipality", _("เทศบาลเมือง")
        CITY = "city_municipality", _("เทศบาลนคร")

    slug = models.SlugField(unique=True)
    name_th = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    province_th = models.CharField(max_length=100)
    province_en = models.CharField(max_length=100)
    dla_code = models.CharField("DLA code", max_length=7, unique=True)
    # WGS84 like every geometry here; lengths and areas are measured in UTM or geography.
    boundary = models.MultiPolygonField(srid=4326, null=True, blank=True)
    boundary_is_approximate = models.BooleanField(default=True)
    default_export_srid = models.PositiveIntegerField(default=32647)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = "municipalities"

    def __str__(self):
        return f"{self.name_th} ({self.name_en})"


class Role(models.TextChoices):
    VIEWER = "viewer", _("ผู้ดูข้อมูล")
    EDITOR = "editor", _("ผู้แก้ไขข้อมูล")
    MANAGER = "manager", _("ผู้จัดการ")


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Memberships are managed, and seen, by the municipality's managers."""
        return self.filter(municipality_id__in=managed_municipalities(user))


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "municipality"], name="one_membership_per_place")]

    def is_last_manager(self):
        return (
            self.role == Role.MANAGER
            and not Membership.objects.filter(municipality=self.municipality, role=Role.MANAGER).exclude(pk=self.pk).exists()
        )

    def __str__(self):
        return f"{self.user} · {self.municipality.slug} · {self.role}"


class Access(models.TextChoices):
    PUBLIC = "public", _("สาธารณะ")
    INTERNAL = "internal", _("ภายในเทศบาล")
    RESTRICTED = "restricted", _("จำกัดสิทธิ์")


class Category(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", _("โครงสร้างพื้นฐาน")
    LANDMARK = "landmark", _("สถานที่สำคัญ")
    HEALTH = "health", _("สุขภาพ")
    WELFARE = "welfare", _("สวัสดิการ")
    COMMUNITY = "community", _("ชุมชน")
    ZONES = "zones", _("เขตพื้นที่")
    OTHER = "other", _("อื่น ๆ")


class GeometryType(models.TextChoices):
    POINT = "Point", _("จุด")
    LINESTRING = "LineString", _("เส้น")
    POLYGON = "Polygon", _("รูปปิด")


def grants_of(user):
    return LayerGrant.objects.filter(Q(user=user) | Q(group__in=user.groups.all()))


def municipalities_where(user, roles):
    return Membership.objects.filter(user=user, role__in=roles).values("municipality_id")


class LayerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Public layers for anyone; internal ones for the municipality's members;
        restricted ones only with a grant on that layer; everything for platform admins."""
        if user.is_active and user.is_superuser:
            return self.all()
        public = Q(access=Access.PUBLIC)
        if not user.is_authenticated or not user.is_active:
            return self.filter(public)
        internal = Q(access=Access.INTERNAL, municipality_id__in=municipalities_where(user, Role.values))
        restricted = Q(access=Access.RESTRICTED, pk__in=grants_of(user).values("layer_id"))
        return self.filter(public | internal | restricted)

    def editable_by(self, user):
        """Editors and managers edit their municipality's public and internal layers;
        restricted layers need a grant that allows editing."""
        if user.is_active and user.is_superuser:
            return self.all()
        if not user.is_authenticated or not user.is_active:
            return self.none()
        editors = municipalities_where(user, [Role.EDITOR, Role.MANAGER])
        open_layers = Q(access__in=[Access.PUBLIC, Access.INTERNAL], municipality_id__in=editors)
        restricted = Q(access=Access.RESTRICTED, pk__in=grants_of(user).filter(can_edit=True).values("layer_id"))
        return self.filter(open_layers | restricted)

    def managed_by(self, user):
        """Layer definitions (schema, style, access) are changed by managers."""
        return self.filter(municipality__in=Municipality.objects.filter(pk__in=managed_municipalities(user)))

    def with_last_change(self):
        """Each layer's Layer.last_change() read inside the query that finds the layer: two
        backward steps on the (layer_id, id) and (layer_id, updated_at) indexes instead of
        two more queries per request."""
        return self.annotate(
            known_last_revision=Subquery(Revision.objects.filter(layer=OuterRef("pk")).order_by("-id").values("id")[:1]),
            known_last_feature_change=Subquery(
                Feature.objects.filter(layer=OuterRef("pk")).order_by("-updated_at").values("updated_at")[:1]
            ),
        )

    def with_feature_counts(self):
        """Each layer's `feature_count`: exact up to FEATURE_COUNT_EXACT_UP_TO, PostgreSQL's
        estimate beyond (see FEATURE_COUNT_SQL)."""
        return self.annotate(
            feature_count=RawSQL(FEATURE_COUNT_SQL, (), output_field=models.BigIntegerField())
        )


# An exact count reads every feature of the layer (1,000,000 street lights: about half a
# second, on every layer list). Features are counted up to the cap, which the index on
# (layer_id, id) gives in a millisecond or two; a layer past it gets the planner's own
# estimate, its share of layers_feature in the table's statistics (most common values of
# layer_id, kept by ANALYZE and autovacuum), and never less than the cap + 1. A layer too
# small to be among the most common values gets just the cap + 1.
FEATURE_COUNT_EXACT_UP_TO = 5000
FEATURE_COUNT_SQL = f"""(
    SELECT CASE WHEN counted.n <= {FEATURE_COUNT_EXACT_UP_TO} THEN counted.n ELSE greatest({FEATURE_COUNT_EXACT_UP_TO + 1}, (
        SELECT (s.most_common_freqs[array_position(s.most_common_vals::text::bigint[], "layers_layer"."id")]
                * c.reltuples)::bigint
        FROM pg_stats s JOIN pg_class c ON c.oid = 'layers_feature'::regclass
        WHERE s.schemaname = current_schema() AND s.tablename = 'layers_feature' AND s.attname = 'layer_id'
    )) END
    FROM (SELECT count(*) AS n
          FROM (SELECT 1 FROM layers_feature f WHERE f.layer_id = "layers_layer"."id"
                LIMIT {FEATURE_COUNT_EXACT_UP_TO + 1}) capped) counted
)"""


def managed_municipalities(user):
    if user.is_active and user.is_superuser:
        return Municipality.objects.values("pk")
    if not user.is_authenticated:
        return Municipality.objects.none().values("pk")
    return municipalities_where(user, [Role.MANAGER])


class Layer(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="layers")
    slug = models.SlugField()
    name_th = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_th = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    geometry_type = models.CharField(max_length=12, choices=GeometryType.choices)
    template = models.CharField(max_length=40, blank=True, choices=[(key, key) for key in TEMPLATES])
    schema = models.JSONField(default=list, blank=True, validators=[validate_schema])
    style = models.JSONField(default=dict, blank=True)
    access = models.CharField(max_length=12, choices=Access.choices, default=Access.INTERNAL)
    is_sample = models.BooleanField(default=False, help_text="Demo data, not real survey data.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LayerQuerySet.as_manager()

    class Meta:
        ordering = ["municipality", "category", "name_en"]
        constraints = [models.UniqueConstraint(fields=["municipality", "slug"], name="layer_slug_per_place")]

    def __str__(self):
        return f"{self.municipality.slug}/{self.slug}"

    @classmethod
    def from_template(cls, municipality, template, **overrides):
        """An unsaved layer with the template's fields, style, category and access."""
        spec = TEMPLATES[template]
        values = {key: spec[key] for key in ("name_th", "name_en", "category", "geometry_type", "access")}
        values.update(schema=json.loads(json.dumps(spec["schema"])), style=dict(spec["style"]))
        values.update(slug=template.replace("_", "-"), template=template)
        values.update(overrides)
        return cls(municipality=municipality, **values)

    def is_editable_by(self, user):
        return Layer.objects.editable_by(user).filter(pk=self.pk).exists()

    def last_change(self):
        """(last revision id, last feature updated_at): moves whenever a feature of the
        layer is added, changed or deleted. Every change made through the app leaves a
        revision (a delete too), and one written around it still moves updated_at. Two
        index lookups; a count of the features was a scan of the layer (0.7 s for
        1,000,000 points). What vector tiles' ETags and cached dashboard figures follow.
        Read already when the layer comes from Layer.objects.with_last_change()."""
        if hasattr(self, "known_last_revision"):
            return self.known_last_revision, self.known_last_feature_change
        last_revision = Revision.objects.filter(layer=self).aggregate(last=models.Max("id"))["last"]
        last_feature = Feature.objects.filter(layer=self).aggregate(last=models.Max("updated_at"))["last"]
        return last_revision, last_feature

    def clean(self):
        # Sensitive personal data keeps to what care needs (PDPA data minimisation): a
        # layer made from the welfare template may drop fields but not add any.
        if self.template == "welfare_cases":
            allowed = {field["name"] for field in TEMPLATES["welfare_cases"]["schema"]}
            extra = sorted({field.get("name") for field in self.schema} - allowed)
            if extra:
                raise ValidationError({"schema": [bilingual(
                    f"ชั้นข้อมูลผู้ต้องการการดูแลเก็บได้เฉพาะฟิลด์ตามแม่แบบ (เพิ่ม {', '.join(map(str, extra))} ไม่ได้)",
                    f"A welfare layer keeps only its template's fields ({', '.join(map(str, extra))} may not be added).",
                )]})

    def clean_geometry(self, geom):
        """Checks a geometry before it is stored; raises ValidationError({"geometry": ...})."""
        (error,) = self.geometry_errors([shape_of(geom)])
        if error:
            raise ValidationError({"geometry": [error]})
        return geom

    def geometry_errors(self, shapes):
        """The reason each shapely geometry may not be stored in this layer, or None."""
        return geometry_errors(self.geometry_type, self.get_geometry_type_display(), shapes)

    def geometry_warnings(self, geom):
        """What is allowed but probably a mistake: a feature far outside its municipality
        (a wrong GPS fix, or coordinates in the wrong CRS). Measured on the spheroid."""
        boundary = self.municipality.boundary
        if boundary is None or geom is None or boundary.intersects(geom):
            return []
        distance = (
            Municipality.objects.filter(pk=self.municipality_id)
            .annotate(d=Distance("boundary", geom))
            .values_list("d", flat=True)
            .get()
            .m
        )
        if distance <= NEAR_METRES:
            return []
        return [
            bilingual(
                f"อยู่นอกเขตเทศบาล ห่างออกไปประมาณ {distance:,.0f} ม. ตรวจสอบตำแหน่งก่อนบันทึก",
                f"About {distance:,.0f} m outside the municipality: check the position before saving.",
            )
        ]

    def clean_feature(self, geom, properties, *, partial=False, base=None):
        """The validated (geometry, properties) of a feature of this layer."""
        errors = {}
        try:
            if geom is not None or not partial:
                self.clean_geometry(geom)
        except ValidationError as error:
            errors.update(error.message_dict)
        try:
            if properties is not None or not partial:
                properties = clean_properties(self.schema, properties or {}, partial=partial, base=base)
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        return geom, properties


class LayerGrantQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Grants are managed, and seen, by the managers of the layer's municipality."""
        return self.filter(layer__in=Layer.objects.managed_by(user))


class LayerGrant(models.Model):
    """Access to a restricted layer, for a user or a group."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE)
    can_edit = models.BooleanField(default=False)

    objects = LayerGrantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True) | Q(user__isnull=True, group__isnull=False),
                name="grant_to_user_or_group",
            )
        ]

    def __str__(self):
        return f"{self.layer} → {self.user or self.group}{' (edit)' if self.can_edit else ''}"


def parse_geometry(value):
    """A GeoJSON geometry (dict or text) as a GEOS geometry in WGS84, or a ValidationError."""
    try:
        if isinstance(value, str):
            value = json.loads(value)
        # Only type and coordinates reach GDAL's GeoJSON reader: a "crs" member could
        # name a spatial reference that GDAL < 3.9 would fetch from a file or the network.
        geom = GEOSGeometry(json.dumps({"type": value["type"], "coordinates": value["coordinates"]}))
    except (GEOSException, GDALException, ValueError, TypeError, KeyError) as error:
        raise ValidationError(
            {"geometry": [bilingual("อ่าน geometry แบบ GeoJSON ไม่ได้", f"Not a readable GeoJSON geometry ({error}).")]}
        ) from None
    # GeoJSON (RFC 7946) is always WGS84 longitude/latitude: no other CRS is accepted here.
    geom.srid = 4326
    return geom


class StaleVersion(Exception):
    """A write carried a version older than the stored one."""

    def __init__(self, feature):
        super().__init__(f"feature {feature.pk} is at version {feature.version}")
        self.feature = feature


class GeographyLength(Func):
    # On geography, ST_Length is in metres on the spheroid; on 4326 geometry it would be degrees.
    function = "ST_Length"
    template = "%(function)s((%(expressions)s)::geography)"
    output_field = FloatField()


class GeographyArea(Func):
    function = "ST_Area"
    template = "%(function)s((%(expressions)s)::geography)"
    output_field = FloatField()


class StoredLength(Func):
    # What Feature.length_m stores: ST_Length is 0 for anything but lines, and casting to
    # geography and measuring on the spheroid is most of what an import of a million
    # points would otherwise spend in PostgreSQL, so it runs for lines only.
    template = "CASE WHEN ST_Dimension(%(expressions)s) = 1 THEN ST_Length((%(expressions)s)::geography) ELSE 0 END"
    output_field = FloatField()


class StoredArea(Func):
    # Likewise ST_Area, which is 0 for anything but polygons.
    template = "CASE WHEN ST_Dimension(%(expressions)s) = 2 THEN ST_Area((%(expressions)s)::geography) ELSE 0 END"
    output_field = FloatField()


class FeatureQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(layer__in=Layer.objects.visible_to(user))

    def extent_by_layer(self):
        """Layer id -> (minx, miny, maxx, maxy) in WGS84 lon/lat, one ST_Extent query."""
        rows = self.order_by().values("layer").annotate(extent=Extent("geom"))
        return {row["layer"]: row["extent"] for row in rows}

    def editable_by(self, user):
        return self.filter(layer__in=Layer.objects.editable_by(user))

    def matching(self, text):
        """Features with an attribute value containing the text (any case, any part of a
        word, so Thai written without spaces is found too), or a choice whose Thai or
        English label contains it ("ลาดยาง" finds roads stored as "asphalt"). Values and
        labels only: a search for "name" must not match every feature through its keys."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = Q(
            RawSQL(
                f'EXISTS (SELECT 1 FROM jsonb_each_text("{Feature._meta.db_table}"."properties") AS kv WHERE kv.value ILIKE %s)',
                (pattern,),
                output_field=models.BooleanField(),
            )
        )
        needle = text.casefold()
        for layer in Layer.objects.filter(pk__in=self.values("layer_id")).only("pk", "schema"):
            for field in layer.schema:
                for choice in field.get("choices", []):
                    if needle in choice["label_th"].casefold() or needle in choice["label_en"].casefold():
                        found |= Q(layer=layer, **{f"properties__{field['name']}": choice["value"]})
        return self.filter(found)

    def with_properties(self, layer, values):
        """Features whose properties equal the given raw values (text from a query
        string), each converted to its field's type first so that 5 matches 5.0."""
        fields = {field["name"]: field for field in layer.schema}
        errors, lookups = {}, {}
        for name, raw in values.items():
            try:
                lookups[f"properties__{name}"] = clean_value(fields[name], raw)
            except ValidationError as error:
                errors[name] = error.messages
        if errors:
            raise ValidationError(errors)
        return self.filter(**lookups)


class Feature(models.Model):
    # Indexed by feature_layer_id_idx (layer, id) below, which serves every layer_id lookup.
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="features", db_index=False)
    # SRID 4326 for GeoJSON and Leaflet; the GiST index is GeoDjango's default.
    geom = models.GeometryField(srid=4326)
    properties = models.JSONField(default=dict, blank=True)
    # Metres and square metres on the spheroid, kept by PostgreSQL whenever geom changes,
    # so that a dashboard sums numbers instead of measuring every geography per request
    # (100,000 roads: 2.9 s a dashboard before). A line has no area, a polygon no length.
    length_m = models.GeneratedField(expression=StoredLength("geom"), output_field=FloatField(), db_persist=True)
    area_m2 = models.GeneratedField(expression=StoredArea("geom"), output_field=FloatField(), db_persist=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeatureQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        # A layer's features in id order without a sort: pages of the API, and a vector
        # tile's feature cap, which stops after the first MAX_FEATURES in the tile.
        indexes = [
            models.Index(fields=["layer", "id"], name="feature_layer_id_idx"),
            # A layer's last change without a scan: part of a vector tile's ETag.
            models.Index(fields=["layer", "updated_at"], name="feature_layer_updated_idx"),
        ]

    def __str__(self):
        return f"{self.layer} #{self.pk}"

    def state(self):
        """What a revision keeps of a feature."""
        return {"geometry": json.loads(self.geom.json), "properties": self.properties}

    @classmethod
    def create_in(cls, layer, geom, properties, user, *, action=None):
        geom, properties = layer.clean_feature(geom, properties)
        with transaction.atomic():
            feature = cls.objects.create(
                layer=layer, geom=geom, properties=properties, created_by=user, updated_by=user
            )
            Revision.record(feature, action or Revision.Action.CREATE, user, after=feature.state())
        return feature

    def change(self, user, expected_version, *, geom=None, properties=None, partial=True):
        """Updates geometry and/or properties if the caller saw the current version.

        The row is locked first, so two saves of the same version cannot both succeed:
        the later one gets StaleVersion and changes nothing.
        """
        with transaction.atomic():
            current = Feature.objects.select_for_update().get(pk=self.pk)
            if expected_version != current.version:
                raise StaleVersion(current)
            geom, properties = self.layer.clean_feature(
                geom, properties, partial=partial, base=current.properties
            )
            before = current.state()
            if geom is not None:
                current.geom = geom
            if properties is not None:
                current.properties = properties
            current.version += 1
            current.updated_by = user
            current.save()
            Revision.record(current, Revision.Action.UPDATE, user, before=before, after=current.state())
        return current

    def remove(self, user, expected_version=None):
        with transaction.atomic():
            current = Feature.objects.select_for_update().get(pk=self.pk)
            if expected_version is not None and expected_version != current.version:
                raise StaleVersion(current)
            Revision.record(current, Revision.Action.DELETE, user, before=current.state())
            current.delete()

    def erase(self, user, reason):
        """Erasure on the data subject's request (PDPA section 33): the feature, its photos
        and every copy of its content in the history go; what remains is the record that
        it was erased, by whom, when and why."""
        if not reason.strip():
            raise ValidationError({"reason": [bilingual("ต้องระบุเหตุผลการลบ", "Give the reason for the erasure.")]})
        with transaction.atomic():
            current = Feature.objects.select_for_update().get(pk=self.pk)
            photos = list(Attachment.objects.filter(feature_id=current.pk))
            with connection.cursor() as cursor:
                # The append-only trigger lets this one transaction blank the content.
                cursor.execute("SET LOCAL layers.erasure = 'on'")
                cursor.execute(
                    "UPDATE layers_revision SET before = NULL, after = NULL WHERE feature_id = %s", [current.pk]
                )
            Attachment.objects.filter(feature_id=current.pk).delete()
            revision = Revision.record(current, Revision.Action.ERASE, user)
            AccessRecord.objects.create(
                layer=current.layer, user=user, action=AccessRecord.Action.ERASE, count=1,
                what=f"feature {current.pk}: {reason.strip()[:400]}",
            )
            current.delete()
            for photo in photos:
                transaction.on_commit(photo.delete_files)
        return revision


class RevisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(layer__in=Layer.objects.visible_to(user))


# What a revision keeps of a feature (Feature.state), built by PostGIS from two columns.
def state_sql(geom, properties):
    return f"jsonb_build_object('geometry', ST_AsGeoJSON({geom})::jsonb, 'properties', {properties})"


class Revision(models.Model):
    """Append-only history of every change to a feature (a database trigger refuses
    UPDATE on this table). A deleted feature lives on here and can be restored.

    An import does not store `after`: what it wrote is the feature's state at the
    revision's version, which is kept exactly once elsewhere: in the feature while that
    version is current, then as the `before` of the feature's next revision (every
    change writes one). So an import of a million features writes each geometry once,
    not twice; `resolved_after()` and `resolve()` read it back from there."""

    class Action(models.TextChoices):
        CREATE = "create", _("สร้าง")
        UPDATE = "update", _("แก้ไข")
        DELETE = "delete", _("ลบ")
        RESTORE = "restore", _("กู้คืน")
        IMPORT = "import", _("นำเข้า")
        ERASE = "erase", _("ลบข้อมูลส่วนบุคคล")

    # Indexed by revision_layer_id_idx (layer, id) below, which serves every layer_id lookup.
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="revisions", db_index=False)
    # Not a foreign key: the feature may have been deleted, and its history stays.
    feature_id = models.BigIntegerField(db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    version = models.PositiveIntegerField(help_text="The feature's version after this change (for a delete: the version deleted).")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    batch = models.UUIDField(null=True, blank=True, help_text="Changes made together (an import, a bulk edit).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # A layer's latest change without a scan: part of a vector tile's ETag.
        indexes = [models.Index(fields=["layer", "id"], name="revision_layer_id_idx")]

    def __str__(self):
        return f"{self.action} {self.layer} #{self.feature_id} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Revisions are append-only.")
        super().save(*args, **kwargs)

    @classmethod
    def record(cls, feature, action, user, *, before=None, after=None, batch=None):
        return cls.objects.create(
            layer_id=feature.layer_id,
            feature_id=feature.pk,
            action=action,
            version=feature.version,
            before=before,
            after=after,
            user=user if user and user.is_authenticated else None,
            batch=batch,
        )

    @property
    def is_lazy(self):
        return self.action == self.Action.IMPORT and self.after is None

    @classmethod
    def resolve(cls, revisions):
        """Reads the `after` of lazy (import) revisions back, in one query for all: the
        `before` of the feature's next revision, else the feature itself if it is still
        at that version. An erased feature has neither, so its imports resolve to None."""
        lazy = {r.pk: r for r in revisions if r.is_lazy and not hasattr(r, "_resolved_after")}
        if not lazy:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT r.id, COALESCE(
                        (SELECT n.before FROM layers_revision n WHERE n.feature_id = r.feature_id AND n.id > r.id
                         ORDER BY n.id LIMIT 1),
                        (SELECT {state_sql("f.geom", "f.properties")} FROM layers_feature f
                         WHERE f.id = r.feature_id AND f.version = r.version))::text
                    FROM layers_revision r WHERE r.id = ANY(%s)""",
                [list(lazy)],
            )
            for pk, state in cursor.fetchall():
                lazy[pk]._resolved_after = json.loads(state) if state else None

    def resolved_after(self):
        """The state this revision led to (for an import, read back: see the class)."""
        if not self.is_lazy:
            return self.after
        Revision.resolve([self])
        return self._resolved_after

    def restored_state(self):
        """The state this revision leads to, or for a delete, the state it removed."""
        after = self.resolved_after()
        return after if after is not None else self.before

    def restore(self, user, expected_version=None):
        """Brings the feature back to this revision's state: recreates a deleted feature
        under its old id, or updates an existing one (which needs its current version)."""
        state = self.restored_state()
        if state is None:
            raise ValidationError(
                {"revision": [bilingual("ข้อมูลนี้ถูกลบตามคำขอของเจ้าของข้อมูลแล้ว กู้คืนไม่ได้",
                                        "This record was erased on its subject's request and cannot be restored.")]}
            )
        geom = parse_geometry(state["geometry"])
        with transaction.atomic():
            current = Feature.objects.select_for_update().filter(pk=self.feature_id).first()
            geom, properties = self.layer.clean_feature(geom, state["properties"])
            if current is None:
                last = Revision.objects.filter(feature_id=self.feature_id).order_by("-version").first()
                feature = Feature(
                    pk=self.feature_id,
                    layer=self.layer,
                    geom=geom,
                    properties=properties,
                    version=last.version + 1,
                    created_by=user,
                    updated_by=user,
                )
                feature.save(force_insert=True)
                Revision.record(feature, Revision.Action.RESTORE, user, after=feature.state())
                return feature
            if expected_version is None:
                raise ValidationError(
                    {"version": [bilingual("ต้องระบุ version ปัจจุบันของข้อมูลนี้", "Send the feature's current version.")]}
                )
            if expected_version != current.version:
                raise StaleVersion(current)
            before = current.state()
            current.geom, current.properties = geom, properties
            current.version += 1
            current.updated_by = user
            current.save()
            Revision.record(current, Revision.Action.RESTORE, user, before=before, after=current.state())
            return current



class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(layer__in=Layer.objects.visible_to(user))


def attachment_path(attachment, filename):
    # Unguessable names; but access is checked on every download anyway (files are
    # never served straight from MEDIA_ROOT).
    return f"attachments/{attachment.layer_id}/{uuid.uuid4().hex}{filename}"


class Attachment(models.Model):
    """A photo of a feature, with when and where it was taken."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="attachments")
    # Not a foreign key, like Revision: a deleted and restored feature keeps its photos.
    feature_id = models.BigIntegerField(db_index=True)
    image = models.FileField(upload_to=attachment_path)
    thumbnail = models.FileField(upload_to=attachment_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    caption = models.CharField(max_length=500, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    location = models.PointField(srid=4326, null=True, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["feature_id", "taken_at", "id"]

    def __str__(self):
        return f"{self.layer} #{self.feature_id} photo {self.pk}"

    @classmethod
    def add(cls, feature, upload, user, *, caption="", taken_at=None, location=None):
        """Stores a photo of `feature`. What the device said (time, place) wins over the
        photo's EXIF, which a resized or edited photo may have lost."""
        photo = read_photo(upload)
        if location is None and photo.lonlat:
            location = Point(*photo.lonlat, srid=4326)
        attachment = cls(
            layer=feature.layer,
            feature_id=feature.pk,
            width=photo.width,
            height=photo.height,
            caption=caption,
            taken_at=taken_at or photo.taken_at,
            location=location,
            original_name=(upload.name or "")[:255],
            created_by=user if user and user.is_authenticated else None,
        )
        attachment.image.save(".jpg", ContentFile(photo.image), save=False)
        attachment.thumbnail.save("-thumb.jpg", ContentFile(photo.thumbnail), save=False)
        try:
            attachment.save()
        except Exception:
            # No orphan files if the row cannot be written.
            attachment.delete_files()
            raise
        return attachment

    def delete_files(self):
        for stored in (self.image, self.thumbnail):
            if stored:
                stored.storage.delete(stored.name)

    def remove(self):
        with transaction.atomic():
            self.delete()
            transaction.on_commit(self.delete_files)


class AccessRecord(models.Model):
    """Who read, exported, changed or erased data of a restricted layer, and how much:
    the processing record that Thailand's PDPA asks for sensitive personal data."""

    class Action(models.TextChoices):
        READ = "read", _("อ่าน")
        EXPORT = "export", _("ส่งออก")
        CHANGE = "change", _("แก้ไข")
        ERASE = "erase", _("ลบตามคำขอ")
        GRANT = "grant", _("ให้/ถอนสิทธิ์")

    # Kept when the layer or the user goes: the record must outlive both.
    layer = models.ForeignKey(Layer, null=True, on_delete=models.SET_NULL, related_name="access_records")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=500)
    count = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.what} ({self.count})"

    def save(self, *args, **kwargs):
        if self.user and not self.username:
            self.username = self.user.get_username()
        super().save(*args, **kwargs)

    @classmethod
    def note(cls, user, layer, action, what, count):
        """Records access to `layer` if it is restricted; other layers are not personal data.
        `count` may be a function, so that it is counted only when it is recorded."""
        if layer.access != Access.RESTRICTED:
            return None
        return cls.objects.create(
            layer=layer, user=user if user.is_authenticated else None, action=action, what=what[:500],
            count=count() if callable(count) else count,
        )


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A job is its requester's, and only while they may still see the layer."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user, layer__in=Layer.objects.visible_to(user))


def export_path(job, filename):
    return f"exports/{job.pk}/{uuid.uuid4().hex}/{filename}"


class ExportJob(models.Model):
    """A large export, written by a worker while the user does something else."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("รอคิว")
        RUNNING = "running", _("กำลังส่งออก")
        DONE = "done", _("เสร็จแล้ว")
        FAILED = "failed", _("ไม่สำเร็จ")

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="export_jobs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=10)
    srid = models.PositiveIntegerField()
    encoding = models.CharField(max_length=10, default="utf-8")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    feature_count = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to=export_path, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"export {self.layer} as {self.format} ({self.status})"
