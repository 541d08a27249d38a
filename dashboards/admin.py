from django.contrib import admin

from .models import Dashboard, Widget


class WidgetInline(admin.StackedInline):
    model = Widget
    extra = 0


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    list_display = ["title_th", "title_en", "municipality", "is_published", "order"]
    list_filter = ["municipality", "is_published"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [WidgetInline]

    # Platform admins create municipalities and managers; the admin site is theirs. The
    # widget inline still validates each config through Widget.clean.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_active and request.user.is_superuser
    )
