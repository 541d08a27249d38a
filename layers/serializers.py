from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from .layer_templates import TEMPLATES
from .models import (
    FEATURE_COUNT_EXACT_UP_TO, AccessRecord, Attachment, ExportJob, Layer, LayerGrant, Membership, Municipality, Revision, Role,
    managed_municipalities,
)
from .schema import bilingual, validate_schema


def managed_by_requester(serializer, municipality):
    """The municipality, if the requesting user manages it."""
    user = serializer.context["request"].user
    if not Municipality.objects.filter(pk=municipality.pk, pk__in=managed_municipalities(user)).exists():
        raise serializers.ValidationError(
            bilingual("คุณไม่ได้เป็นผู้จัดการของเทศบาลนี้", "You are not a manager of this municipality.")
        )
    return municipality


class MunicipalitySerializer(serializers.ModelSerializer):
    bbox = serializers.SerializerMethodField(help_text="minx, miny, maxx, maxy in WGS84")

    class Meta:
        model = Municipality
        fields = [
            "slug", "name_th", "name_en", "kind", "province_th", "province_en", "dla_code",
            "bbox", "boundary_is_approximate", "default_export_srid",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4, allow_null=True))
    def get_bbox(self, municipality):
        return list(municipality.boundary.extent) if municipality.boundary else None


class LayerSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", queryset=Municipality.objects.all())
    feature_count = serializers.IntegerField(read_only=True)
    feature_count_estimated = serializers.SerializerMethodField(
        help_text=f"true when feature_count is PostgreSQL's estimate (layers of more than {FEATURE_COUNT_EXACT_UP_TO:,} features)"
    )
    template = serializers.ChoiceField(choices=list(TEMPLATES), required=False, allow_blank=True)
    features_url = serializers.HyperlinkedIdentityField(view_name="layer-features")

    class Meta:
        model = Layer
        fields = [
            "id", "municipality", "slug", "name_th", "name_en", "description_th", "description_en",
            "category", "geometry_type", "template", "schema", "style", "access", "is_sample",
            "feature_count", "feature_count_estimated", "features_url", "created_at", "updated_at",
        ]
        read_only_fields = ["is_sample", "created_at", "updated_at"]
        # Uniqueness of (municipality, slug) is checked in validate(), after a template
        # has filled in the slug.
        validators = []
        extra_kwargs = {
            "name_th": {"required": False},
            "name_en": {"required": False},
            "geometry_type": {"required": False},
            "slug": {"required": False},
        }

    def get_feature_count_estimated(self, layer) -> bool:
        return getattr(layer, "feature_count", 0) > FEATURE_COUNT_EXACT_UP_TO

    def validate_municipality(self, municipality):
        return managed_by_requester(self, municipality)

    def validate_schema(self, schema):
        try:
            validate_schema(schema)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return schema

    def validate(self, attrs):
        attrs = self.validate_on_model(attrs)
        if self.instance is not None:
            if "municipality" in attrs and attrs["municipality"] != self.instance.municipality:
                raise serializers.ValidationError(
                    {"municipality": bilingual("ย้ายชั้นข้อมูลไปเทศบาลอื่นไม่ได้", "A layer cannot move to another municipality.")}
                )
            if "geometry_type" in attrs and attrs["geometry_type"] != self.instance.geometry_type:
                raise serializers.ValidationError(
                    {"geometry_type": bilingual("เปลี่ยนชนิดรูปร่างไม่ได้", "The geometry type cannot change.")}
                )
            return attrs
        template = attrs.get("template")
        if template:
            # Start from the template; anything the request gives overrides it.
            base = Layer.from_template(attrs["municipality"], template)
            for key in ("slug", "name_th", "name_en", "category", "geometry_type", "access", "schema", "style"):
                attrs.setdefault(key, getattr(base, key))
        missing = [key for key in ("slug", "name_th", "name_en", "geometry_type") if not attrs.get(key)]
        if missing:
            raise serializers.ValidationError(
                {key: bilingual("ต้องกรอกข้อมูลนี้ (หรือเลือกแม่แบบ)", "Required (or choose a template).") for key in missing}
            )
        if Layer.objects.filter(municipality=attrs["municipality"], slug=attrs["slug"]).exists():
            raise serializers.ValidationError(
                {"slug": bilingual("มีชั้นข้อมูลชื่อนี้แล้ว", "This municipality already has a layer with this slug.")}
            )
        return attrs


    def validate_on_model(self, attrs):
        """The model's own rules (Layer.clean) on the layer as it would be saved."""
        template = attrs.get("template", getattr(self.instance, "template", ""))
        schema = attrs.get("schema", getattr(self.instance, "schema", None))
        if schema is not None:
            try:
                Layer(template=template or "", schema=schema).clean()
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.message_dict) from None
        return attrs


class RevisionListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        revisions = list(data.all() if hasattr(data, "all") else data)
        Revision.resolve(revisions)  # the imports' states in one query, not one per row
        return super().to_representation(revisions)


class RevisionSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    restore_url = serializers.HyperlinkedIdentityField(view_name="revision-restore")
    after = serializers.SerializerMethodField()

    class Meta:
        list_serializer_class = RevisionListSerializer
        model = Revision
        fields = ["id", "layer", "feature_id", "action", "version", "user", "created_at", "before", "after", "batch", "restore_url"]

    def get_after(self, revision) -> dict | None:
        return revision.resolved_after()


class MembershipSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["municipality", "role"]


def managed_municipality_field():
    return serializers.SlugRelatedField(slug_field="slug", queryset=Municipality.objects.all())


class MemberSerializer(serializers.ModelSerializer):
    """A municipality's member, as its managers see and change it."""

    municipality = managed_municipality_field()
    username = serializers.SlugRelatedField(source="user", slug_field="username", queryset=get_user_model().objects.filter(is_active=True))

    class Meta:
        model = Membership
        fields = ["id", "municipality", "username", "role"]
        validators = []

    def validate_municipality(self, municipality):
        return managed_by_requester(self, municipality)

    def validate(self, attrs):
        if self.instance is not None:
            if attrs.get("municipality", self.instance.municipality) != self.instance.municipality or attrs.get("user", self.instance.user) != self.instance.user:
                raise serializers.ValidationError(bilingual("แก้ได้เฉพาะบทบาท", "Only the role can change."))
            if attrs.get("role") != Role.MANAGER and self.instance.is_last_manager():
                raise serializers.ValidationError(
                    {"role": bilingual("ต้องมีผู้จัดการอย่างน้อยหนึ่งคน", "The municipality needs at least one manager.")}
                )
        elif Membership.objects.filter(municipality=attrs["municipality"], user=attrs["user"]).exists():
            raise serializers.ValidationError(
                {"username": bilingual("ผู้ใช้นี้เป็นสมาชิกอยู่แล้ว", "This user is already a member.")}
            )
        return attrs


class GrantSerializer(serializers.ModelSerializer):
    """Access to a restricted layer, given by the managers of its municipality to its members."""

    username = serializers.SlugRelatedField(source="user", slug_field="username", queryset=get_user_model().objects.filter(is_active=True))

    class Meta:
        model = LayerGrant
        fields = ["id", "layer", "username", "can_edit"]
        validators = []

    def validate_layer(self, layer):
        if not Layer.objects.managed_by(self.context["request"].user).filter(pk=layer.pk).exists():
            raise serializers.ValidationError(bilingual("ไม่พบชั้นข้อมูล", "No such layer."))
        if layer.access != "restricted":
            raise serializers.ValidationError(
                bilingual("ให้สิทธิ์ได้เฉพาะชั้นข้อมูลจำกัดสิทธิ์", "Grants are for restricted layers only.")
            )
        return layer

    def validate(self, attrs):
        layer = attrs.get("layer", getattr(self.instance, "layer", None))
        user = attrs.get("user", getattr(self.instance, "user", None))
        if not Membership.objects.filter(municipality=layer.municipality, user=user).exists():
            raise serializers.ValidationError(
                {"username": bilingual("ให้สิทธิ์ได้เฉพาะสมาชิกของเทศบาล", "Grants go to members of the municipality only.")}
            )
        if self.instance is None and LayerGrant.objects.filter(layer=layer, user=user).exists():
            raise serializers.ValidationError({"username": bilingual("มีสิทธิ์อยู่แล้ว", "This user already has a grant.")})
        return attrs


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["username", "first_name", "last_name", "is_superuser", "memberships"]


class AttachmentSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    location = GeometryField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="attachment-image")
    thumbnail_url = serializers.HyperlinkedIdentityField(view_name="attachment-thumbnail")

    class Meta:
        model = Attachment
        fields = [
            "id", "layer", "feature_id", "caption", "taken_at", "location", "width", "height",
            "original_name", "created_by", "created_at", "url", "thumbnail_url",
        ]


class ExportJobSerializer(serializers.ModelSerializer):
    layer = serializers.PrimaryKeyRelatedField(read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "layer", "format", "srid", "encoding", "status", "progress", "feature_count", "error",
                  "created_at", "finished_at", "file_url"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, job):
        if job.status != ExportJob.Status.DONE:
            return None
        return self.context["request"].build_absolute_uri(reverse("exportjob-file", args=[job.pk]))


class AccessRecordSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="username")

    class Meta:
        model = AccessRecord
        fields = ["at", "user", "action", "what", "count"]


def feature_label(feature):
    """A feature's name for lists: its Thai or English name, else its first text value."""
    properties, schema = feature.properties, feature.layer.schema
    names = ["name_th", "name_en"] + [field["name"] for field in schema if field["type"] == "text"]
    return next((str(properties[name]) for name in names if properties.get(name)), f"#{feature.pk}")


def search_hit(feature):
    """One search result: enough to list it and fly to it; the map fetches the rest."""
    point = feature.geom.point_on_surface
    return {
        "id": feature.pk,
        "layer": feature.layer_id,
        "layer_name_th": feature.layer.name_th,
        "layer_name_en": feature.layer.name_en,
        "label": feature_label(feature),
        "point": [round(point.x, 7), round(point.y, 7)],
        "bbox": [round(value, 7) for value in feature.geom.extent],
    }
