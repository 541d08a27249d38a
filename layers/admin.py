from django.contrib import admin
from django.contrib.gis.db import models

from .models import AccessRecord, Feature, Layer, LayerGrant, Membership, Municipality, Revision
from .widgets import LeafletGeometryWidget


class LeafletAdmin(admin.ModelAdmin):
    formfield_overrides = {models.GeometryField: {"widget": LeafletGeometryWidget}}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Municipality)
class MunicipalityAdmin(LeafletAdmin):
    list_display = ["name_th", "name_en", "kind", "province_en", "dla_code"]
    search_fields = ["name_th", "name_en", "slug", "dla_code"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [MembershipInline]


class GrantInline(admin.TabularInline):
    model = LayerGrant
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    list_display = ["name_th", "name_en", "municipality", "category", "geometry_type", "access", "template"]
    list_filter = ["municipality", "category", "access", "template", "is_sample"]
    search_fields = ["name_th", "name_en", "slug"]
    inlines = [GrantInline]


@admin.register(Feature)
class FeatureAdmin(LeafletAdmin):
    list_display = ["id", "layer", "version", "updated_by", "updated_at"]
    list_filter = ["layer__municipality", "layer"]
    list_select_related = ["layer__municipality", "updated_by"]
    readonly_fields = ["version", "created_by", "updated_by", "created_at", "updated_at"]
    raw_id_fields = ["layer"]

    def save_model(self, request, obj, form, change):
        # Through the model's own paths so that the admin's edits are validated,
        # versioned and recorded in the history like every other edit.
        if change:
            obj.change(request.user, obj.version, geom=obj.geom, properties=obj.properties, partial=False)
        else:
            obj.pk = Feature.create_in(obj.layer, obj.geom, obj.properties, request.user).pk

    def delete_model(self, request, obj):
        obj.remove(request.user)

    def delete_queryset(self, request, queryset):
        for feature in queryset:
            feature.remove(request.user)


class RecordAdmin(admin.ModelAdmin):
    """Records are read, never written or deleted, in the admin."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Revision)
class RevisionAdmin(RecordAdmin):
    list_display = ["created_at", "action", "layer", "feature_id", "version", "user"]
    list_filter = ["action", "layer__municipality"]
    list_select_related = ["layer__municipality", "user"]


@admin.register(AccessRecord)
class AccessRecordAdmin(RecordAdmin):
    list_display = ["at", "username", "action", "layer", "what", "count"]
    list_filter = ["action", "layer__municipality"]
    search_fields = ["username", "what"]
