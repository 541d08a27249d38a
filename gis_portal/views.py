from django.db.models import Count
from django.shortcuts import render

from layers.models import Layer, Municipality


def home(request):
    municipalities = Municipality.objects.visible_to(request.user).order_by("province_en", "name_en")
    counts = dict(
        Layer.objects.visible_to(request.user).order_by().values_list("municipality").annotate(n=Count("pk"))
    )
    rows = [(municipality, counts.get(municipality.pk, 0)) for municipality in municipalities]
    return render(request, "home.html", {"municipalities": rows})
