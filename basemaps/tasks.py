"""The imagery conversion, run by the task queue's worker (`manage.py procrastinate worker`)."""

from procrastinate.contrib.django import app

from layers.jobs import on_abandoned
from layers.schema import bilingual

from .models import Imagery


@app.task(queue="imagery")
def convert_imagery(imagery_id):
    imagery = Imagery.objects.select_related("municipality").filter(pk=imagery_id).first()
    if imagery is not None:  # else deleted by its manager before its turn
        imagery.convert()


@on_abandoned(convert_imagery)
def conversion_abandoned(imagery_id):
    imagery = Imagery.objects.filter(pk=imagery_id, status__in=[Imagery.Status.QUEUED, Imagery.Status.RUNNING]).first()
    if imagery is not None:
        imagery.fail(bilingual(
            "เครื่องที่แปลงภาพนี้หยุดทำงานก่อนเสร็จ ไม่มีแผนที่ฐานใดถูกเพิ่ม กรุณาลบแล้วอัปโหลดใหม่",
            "The worker converting this image stopped before it finished. No basemap was added; delete it and upload it again.",
        ))
