import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from layers.models import Layer


def upload_path(job, filename):
    # The user's file name is kept only as a suffix: the folder is unguessable and the
    # name cannot climb out of it (Django's storage also normalises it).
    return f"imports/{uuid.uuid4().hex}/{filename}"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An import is its uploader's, and only while they may still edit the layer."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user, layer__in=Layer.objects.editable_by(user))


class ImportJob(models.Model):
    """An uploaded file on its way into a layer: checked, confirmed, then imported by the
    task queue's worker, all or nothing, with its report kept."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("รอยืนยัน")
        QUEUED = "queued", _("รอคิว")
        RUNNING = "running", _("กำลังนำเข้า")
        DONE = "done", _("เสร็จแล้ว")
        FAILED = "failed", _("ไม่สำเร็จ")

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="import_jobs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=upload_path)
    options = models.JSONField(default=dict, blank=True)
    # The preview holds the file's values as read: dates and times too, kept as ISO text.
    inspection = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"import into {self.layer} ({self.status})"
