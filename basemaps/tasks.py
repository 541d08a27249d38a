"""The imagery conversion, run by the task queue's worker (`manage.py procrastinate worker`)."""

from procrastinate.contrib.django import app

from .models import Imagery


@app.task(queue="imagery")
def convert_imagery(imagery_id):
    Imagery.objects.select_related("municipality").get(pk=imagery_id).convert()
