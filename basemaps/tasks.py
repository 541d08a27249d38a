"""The imagery conversion, run by the task queue's worker (`manage.py procrastinate worker`)."""

from procrastinate.contrib.django import app

from .models import Imagery


@app.task(queue="imagery")
def convert_imagery(imagery_id):
    imagery = Imagery.objects.select_related("municipality").filter(pk=imagery_id).first()
    if imagery is not None:  # else deleted by its manager before its turn
        imagery.convert()
