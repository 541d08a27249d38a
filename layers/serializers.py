from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .layer_templates import TEMPLATES
from rest_framework_gis.fields import GeometryField

from .models import AccessRecord, Attachment, Layer, Membership, Municipality, Revision, managed_municipalities
from .schema import bilingual, validate_schema


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
    template = serializers.ChoiceField(choices=list(TEMPLATES), required=False, allow_blank=True)
    features_url = serializers.HyperlinkedIdentityField(view_name="layer-features")

    class Meta:
        model = Layer
        fields = [
            "id", "municipality", "slug", "name_th", "name_en", "description_th", "description_en",
            "category", "geometry_type", "template", "schema", "style", "access", "is_sample",
            "feature_count", "features_url", "created_at", "updated_at",
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

    def validate_municipality(self, municipality):
        user = self.context["request"].user
        if not Municipality.objects.filter(pk=municipality.pk, pk__in=managed_municipalities(user)).exists():
            raise serializers.ValidationError(
                bilingual("คุณไม่ได้เป็นผู้จัดการของเทศบาลนี้", "You are not a manager of this municipality.")
            )
        return municipality

    def validate_schema(self, schema):
        try:
            validate_schema(schema)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return schema

    def validate(self, attrs):
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


class RevisionSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    restore_url = serializers.HyperlinkedIdentityField(view_name="revision-restore")

    class Meta:
        model = Revision
        fields = ["id", "layer", "feature_id", "action", "version", "user", "created_at", "before", "after", "batch", "restore_url"]


class MembershipSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["municipality", "role"]


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


class AccessRecordSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="username")

    class Meta:
        model = AccessRecord
        fields = ["at", "user", "action", "what", "count"]
