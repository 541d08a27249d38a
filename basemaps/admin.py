from django.contrib import admin

from .models import BasemapSource, Imagery


@admin.register(BasemapSource)
class BasemapSourceAdmin(admin.ModelAdmin):
    list_display = ["name_th", "name_en", "municipality", "is_default", "ordering", "max_zoom"]
    list_filter = ["is_default", "municipality"]
    list_editable = ["is_default", "ordering"]
    search_fields = ["name_th", "name_en", "url_template"]


@admin.register(Imagery)
class ImageryAdmin(admin.ModelAdmin):
    list_display = ["name_th", "municipality", "status", "is_public", "max_zoom", "uploaded_at"]
    list_filter = ["status", "is_public", "municipality"]
    search_fields = ["name_th", "name_en"]
    # Made by the upload and the conversion; the admin only publishes or renames.
    readonly_fields = ["source", "cog", "status", "progress", "error", "footprint", "resolution_m", "width", "height",
                       "source_crs", "min_zoom", "max_zoom", "uploaded_by", "finished_at"]
