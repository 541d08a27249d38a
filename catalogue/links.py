"""Absolute addresses of a dataset's pages, records and downloads, for the machine-readable
outputs (a harvester needs full URLs, on whichever host it reached us)."""

from django.urls import reverse


class Links:
    def __init__(self, request):
        self.request = request

    def absolute(self, path):
        return self.request.build_absolute_uri(path)

    def catalogue(self):
        return self.absolute(reverse("catalogue"))

    def page(self, dataset):
        return self.absolute(reverse("dataset", args=[dataset.municipality.slug, dataset.layer.slug]))

    def dcat(self, dataset):
        return self.absolute(reverse("dataset-dcat", args=[dataset.municipality.slug, dataset.layer.slug]))

    def iso(self, dataset):
        return self.absolute(reverse("dataset-iso", args=[dataset.municipality.slug, dataset.layer.slug]))

    def download(self, dataset, fmt):
        return self.absolute(f"{reverse('layer-export', args=[dataset.layer.pk])}?format={fmt}")

    def organization(self, municipality):
        return self.absolute(reverse("municipality-map", args=[municipality.slug]))
