"""manage.py import_imagery FILE --municipality SLUG: a GeoTIFF becomes a basemap of the
municipality, checked and converted by the same code as an upload (here, without the queue)."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from basemaps.geotiff import ImageryRefused
from basemaps.models import Imagery
from layers.models import Municipality


class Command(BaseCommand):
    help = "Convert a GeoTIFF (orthophoto, drone image) into a basemap of a municipality."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("--name-th", help="the basemap's Thai name (default: the file name)")
        parser.add_argument("--name-en", default="")
        parser.add_argument("--attribution", default="")
        parser.add_argument("--public", action="store_true", help="show it to everyone, not only members")

    def handle(self, *args, **options):
        try:
            municipality = Municipality.objects.get(slug=options["municipality"])
        except Municipality.DoesNotExist:
            raise CommandError(f"No municipality {options['municipality']!r}") from None
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}")
        with open(path, "rb") as source:
            try:
                imagery = Imagery.upload(
                    File(source, name=path.name), municipality, None, name_th=options["name_th"] or path.stem,
                    name_en=options["name_en"], attribution=options["attribution"], is_public=options["public"],
                )
            except ImageryRefused as refused:
                raise CommandError(str(refused)) from None
        imagery.convert()
        if imagery.status != Imagery.Status.READY:
            raise CommandError(imagery.error)
        self.stdout.write(f"Imagery {imagery.pk} is ready: zoom {imagery.min_zoom}-{imagery.max_zoom}, {imagery.tile_url()}")
