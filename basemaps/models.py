"""Basemap sources: XYZ tile URLs that a municipality chooses.

Tile URLs are data, not code: they are the only hosts other than our own that a map page
may contact, and only because a municipality picked them. "No basemap" is always offered
by the map itself (it works offline), so it is not a row here.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from layers.models import Municipality


class BasemapSourceQuerySet(models.QuerySet):
    def for_municipality(self, municipality):
        """The platform-wide sources plus the municipality's own, its own first."""
        return self.filter(Q(municipality__isnull=True) | Q(municipality=municipality)).order_by(
            models.F("municipality").asc(nulls_last=True), "ordering", "name_en"
        )

    def platform_wide(self):
        return self.filter(municipality__isnull=True).order_by("ordering", "name_en")


def default_of(sources):
    """The source a map opens with: the first marked default (the municipality's own
    comes first), or None for no basemap."""
    return next((source for source in sources if source.is_default), None)


class BasemapSource(models.Model):
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="basemaps",
        help_text="Empty: offered to every municipality.",
    )
    name_th = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    url_template = models.CharField(
        max_length=500, help_text="XYZ tiles, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )
    attribution = models.CharField(max_length=300, blank=True, help_text="Plain text; shown escaped.")
    max_zoom = models.PositiveSmallIntegerField(default=19)
    is_default = models.BooleanField(default=False)
    ordering = models.IntegerField(default=0)

    objects = BasemapSourceQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "name_en"]

    def __str__(self):
        return f"{self.name_th} ({self.name_en})"

    def clean(self):
        url = self.url_template
        # Only web tiles: a javascript: or file: URL must never reach the page.
        if not url.startswith(("https://", "http://", "/")):
            raise ValidationError({"url_template": "ต้องขึ้นต้นด้วย https:// (The URL must start with https://.)"})
        missing = [part for part in ("{z}", "{x}", "{y}") if part not in url]
        if missing:
            raise ValidationError({"url_template": f"ต้องมี {' '.join(missing)} (The URL needs {' '.join(missing)}.)"})
        if self.max_zoom > 24:
            raise ValidationError({"max_zoom": "สูงสุด 24 (At most 24.)"})

    def as_map_option(self):
        """What the map page needs, for json_script."""
        return {
            "id": self.pk,
            "name_th": self.name_th,
            "name_en": self.name_en,
            "url": self.url_template,
            "attribution": self.attribution,
            "max_zoom": self.max_zoom,
        }
