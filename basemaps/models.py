"""Basemap sources: XYZ tile URLs that a municipality chooses, and the imagery
(orthophotos, drone images) that its managers upload to become basemaps of their own.

Tile URLs are data, not code: they are the only hosts other than our own that a map page
may contact, and only because a municipality picked them. "No basemap" is always offered
by the map itself (it works offline), so it is not a row here.
"""

import functools
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.db import models as gis_models
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layers.files import local_path
from layers.models import Municipality, Role, managed_municipalities, municipalities_where
from layers.schema import bilingual

from . import geotiff


class BasemapSourceQuerySet(models.QuerySet):
    def for_municipality(self, municipality, user):
        """The platform-wide sources plus the municipality's own, its own first. Sources
        made from uploaded imagery only when `user` may see that imagery (None: only
        public imagery)."""
        imagery = Imagery.objects.visible_to(user or AnonymousUser())
        return self.filter(
            Q(municipality__isnull=True) | Q(municipality=municipality),
            Q(imagery__isnull=True) | Q(imagery__in=imagery),
        ).order_by(models.F("municipality").asc(nulls_last=True), "ordering", "name_en")

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
    imagery = models.OneToOneField(
        "Imagery", null=True, blank=True, on_delete=models.CASCADE, related_name="basemap",
        help_text="Set when the tiles are our own, made from uploaded imagery.",
    )

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


class ImageryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Ready imagery for the municipality's members; for anyone when its manager made
        it public. Drone images may show private yards, so imagery starts internal."""
        ready = self.filter(status=Imagery.Status.READY)
        if user.is_active and user.is_superuser:
            return ready
        if not user.is_authenticated or not user.is_active:
            return ready.filter(is_public=True)
        return ready.filter(Q(is_public=True) | Q(municipality_id__in=municipalities_where(user, Role.values)))

    def managed_by(self, user):
        """Uploaded, followed, published and deleted by the municipality's managers."""
        return self.filter(municipality_id__in=managed_municipalities(user))


def imagery_path(imagery, filename):
    # The user's file name is kept only as a suffix in an unguessable folder.
    return f"imagery/{uuid.uuid4().hex}/{filename}"


class Imagery(models.Model):
    """An uploaded GeoTIFF on its way to a basemap: checked on upload, converted to a
    Cloud-Optimized GeoTIFF by the task queue's worker, then offered on the municipality's
    maps as a BasemapSource whose tiles are ours (basemaps.views.imagery_tile)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("รอคิว")
        RUNNING = "running", _("กำลังแปลงภาพ")
        READY = "ready", _("พร้อมใช้")
        FAILED = "failed", _("ไม่สำเร็จ")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="imagery")
    name_th = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    captured_on = models.DateField(null=True, blank=True)
    attribution = models.CharField(max_length=300, blank=True, help_text="Plain text; shown escaped.")
    is_public = models.BooleanField(default=False)
    source = models.FileField(upload_to=imagery_path)
    cog = models.FileField(upload_to=imagery_path, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # What the source says: WGS84 footprint, ground metres a pixel, pixels, CRS.
    footprint = gis_models.PolygonField(srid=4326)
    resolution_m = models.FloatField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    source_crs = models.CharField(max_length=100)
    min_zoom = models.PositiveSmallIntegerField(null=True, blank=True)
    max_zoom = models.PositiveSmallIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImageryQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name_plural = "imagery"

    def __str__(self):
        return f"{self.name_th} ({self.municipality.slug}, {self.status})"

    @classmethod
    def upload(cls, upload, municipality, user, **details):
        """Checks the file (an UploadedFile or a File) and stores it, queued for
        conversion; a file that cannot become a basemap raises ImageryRefused and
        nothing is stored."""
        geotiff.check_size(upload.size)
        with local_path(upload) as path:
            found = geotiff.inspect(path, municipality)
        return cls.objects.create(
            municipality=municipality, uploaded_by=user, source=upload, footprint=found.footprint,
            resolution_m=found.resolution_m, width=found.width, height=found.height, source_crs=found.crs, **details,
        )

    def tile_url(self):
        return f"/basemaps/imagery/{self.pk}/{{z}}/{{x}}/{{y}}.png"

    def convert(self):
        """The worker's part: the COG, then the basemap, or a failure with its reason and
        nothing offered on any map."""
        self.status, self.progress = Imagery.Status.RUNNING, 10
        self.save(update_fields=["status", "progress"])
        try:
            with local_path(self.source) as path, tempfile.TemporaryDirectory() as work:
                cog_path = Path(work) / f"{Path(self.source.name).stem}.cog.tif"
                converted = geotiff.convert(path, cog_path)
                Imagery.objects.filter(pk=self.pk).update(progress=80)
                with open(cog_path, "rb") as cog:
                    self.cog.save(cog_path.name, File(cog), save=False)
            self.min_zoom, self.max_zoom = converted.min_zoom, converted.max_zoom
            with transaction.atomic():
                self.status, self.progress = Imagery.Status.READY, 100
                self.finish()
                BasemapSource.objects.create(
                    municipality=self.municipality, imagery=self, name_th=self.name_th, name_en=self.name_en or self.name_th,
                    url_template=self.tile_url(), attribution=self.attribution, max_zoom=self.max_zoom,
                )
        except geotiff.ImageryRefused as refused:
            # A file damaged before its last blocks shows itself only when all of it is read.
            self.fail(str(refused))
        except Exception:
            self.fail(bilingual("แปลงภาพไม่สำเร็จ ไม่มีแผนที่ฐานใดถูกเพิ่ม", "The conversion failed. No basemap was added."))
            raise  # the queue records the traceback

    def fail(self, message):
        if self.cog:
            self.cog.delete(save=False)
        self.status, self.error = Imagery.Status.FAILED, message
        self.finish()

    def finish(self):
        self.finished_at = timezone.now()
        self.save()

    def deletable(self):
        # Not while the worker converts it: its last save would bring the record back.
        return self.status != Imagery.Status.RUNNING

    def make_default(self):
        """Its basemap becomes the one the municipality's maps open with."""
        with transaction.atomic():
            BasemapSource.objects.filter(municipality=self.municipality).update(is_default=False)
            BasemapSource.objects.filter(imagery=self).update(is_default=True)

    def discard(self):
        """Deletes the record, its basemap and, once that is committed, both files."""
        files = [stored for stored in (self.source, self.cog) if stored]
        with transaction.atomic():
            self.delete()
            for stored in files:
                transaction.on_commit(functools.partial(stored.delete, save=False))

    def cog_location(self):
        """Where GDAL reads the COG: a path on local disk, or over HTTP range requests
        from object storage (the reason for a COG), when the storage has no paths."""
        try:
            return self.cog.path
        except NotImplementedError:
            return f"/vsicurl/{self.cog.url}"
