from django.contrib import admin

from .models import Dataset


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    """Stored metadata only: a layer without a row here shows its defaults in the catalogue."""

    list_display = ["layer", "title_th", "data_category", "licence", "high_value", "updated_at"]
    list_filter = ["data_category", "licence", "high_value", "layer__municipality"]
    search_fields = ["title_th", "title_en", "layer__slug"]
    raw_id_fields = ["layer"]
