from django.contrib import admin

from .models import BasemapSource


@admin.register(BasemapSource)
class BasemapSourceAdmin(admin.ModelAdmin):
    list_display = ["name_th", "name_en", "municipality", "is_default", "ordering", "max_zoom"]
    list_filter = ["is_default", "municipality"]
    list_editable = ["is_default", "ordering"]
    search_fields = ["name_th", "name_en", "url_template"]
