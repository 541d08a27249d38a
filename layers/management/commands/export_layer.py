import os
import shutil
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from layers.exports import FORMATS, SHAPEFILE_ENCODINGS, TARGET_CRS, ExportFailed, export_layer
from layers.models import Layer


class Command(BaseCommand):
    help = (
        "Exports one layer to a file (GeoPackage styled for QGIS, zipped Shapefile, GeoJSON, KML, CSV, DXF). "
        "An operator's tool: it reads any layer, as the database owner can."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="municipality slug")
        parser.add_argument("--layer", required=True, help="layer slug")
        parser.add_argument("--format", required=True, choices=list(FORMATS))
        parser.add_argument("--srid", type=int, choices=list(TARGET_CRS), help="default: the municipality's export SRID")
        parser.add_argument("--encoding", default="utf-8", choices=list(SHAPEFILE_ENCODINGS), help="Shapefile text encoding")
        parser.add_argument("-o", "--output", required=True, type=Path, help="file to write (a .zip for a Shapefile)")

    def handle(self, *args, municipality, layer, format, srid, encoding, output, **options):
        found = Layer.objects.select_related("municipality").filter(municipality__slug=municipality, slug=layer).first()
        if found is None:
            raise CommandError(f"ไม่พบชั้นข้อมูล / No layer {layer!r} in {municipality!r}.")
        directory = tempfile.mkdtemp(prefix="export-")
        try:
            path = export_layer(found, format, srid or found.municipality.default_export_srid, directory, encoding=encoding)
            # Moved beside the output first (a copy, when the output is on another disk),
            # then renamed into place: the output is never a half-written file.
            partial = output.with_name(f".{output.name}.partial")
            shutil.move(path, partial)
            os.replace(partial, output)
        except (ValidationError, ExportFailed) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        finally:
            shutil.rmtree(directory)
        self.stdout.write(self.style.SUCCESS(f"{output} ({output.stat().st_size:,} bytes)"))
