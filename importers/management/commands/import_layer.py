import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from importers.importing import import_file, inspect
from importers.sources import ImportFailed
from layers.models import Layer, Municipality


class Command(BaseCommand):
    help = (
        "Imports a file (zipped Shapefile, GeoPackage, GeoJSON, KML/KMZ, GPX, DXF, CSV, XLSX) into a layer, "
        "all or nothing, with the same detection and validation as the web wizard."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--municipality", required=True, help="municipality slug")
        parser.add_argument("--layer", required=True, help="layer slug")
        parser.add_argument("--template", help="create the layer from this template if it does not exist")
        parser.add_argument("--source-layer", help="the layer inside the file (GeoPackage, GPX)")
        parser.add_argument("--srid", type=int, help="the file's CRS when it has none or a wrong one (24047: Indian 1975 with the named shift)")
        parser.add_argument("--encoding", help="the file's text encoding (utf-8, cp874) when detection is wrong")
        parser.add_argument("--map", action="append", default=[], metavar="LAYER_FIELD=FILE_FIELD")
        parser.add_argument("--key", help="a layer field: features with the same value are updated, not duplicated")
        parser.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
        parser.add_argument("--dry-run", action="store_true", help="check everything, store nothing")
        parser.add_argument("--user", help="whose name the revisions carry")
        parser.add_argument("--report", help="write the report as JSON to this file")

    def handle(self, *args, **o):
        try:
            municipality = Municipality.objects.get(slug=o["municipality"])
        except Municipality.DoesNotExist:
            raise CommandError(f"No municipality {o['municipality']}") from None
        layer = Layer.objects.filter(municipality=municipality, slug=o["layer"]).first()
        if layer is None:
            if not o["template"]:
                raise CommandError(f"No layer {o['layer']} in {municipality.slug}; give --template to create it.")
            layer = Layer.from_template(municipality, o["template"], slug=o["layer"])
            layer.save()
        user = get_user_model().objects.filter(username=o["user"]).first() if o["user"] else None
        mapping = dict(item.split("=", 1) for item in o["map"])
        try:
            seen = inspect(o["file"], municipality, source_layer=o["source_layer"], encoding=o["encoding"], srid=o["srid"])
            self.stdout.write(
                f"{seen.dataset} · layer {seen.layer} · {seen.feature_count} features\n"
                f"CRS: {seen.crs}{' (guessed: confirm or give --srid)' if seen.crs_guessed else ''}"
                f"{'; other choices: ' + ', '.join(seen.crs_alternatives) if seen.crs_alternatives else ''}\n"
                + (f"Transformation: {seen.transformation}\n" if seen.transformation else "")
                + f"Encoding: {seen.encoding}{' (detected)' if seen.encoding_guessed else ''}"
            )
            report = import_file(
                o["file"], layer, user, source_layer=o["source_layer"], encoding=o["encoding"], srid=o["srid"],
                mapping=mapping, key=o["key"], strict=o["strict"], dry_run=o["dry_run"], progress=self.progress,
            )
        except ImportFailed as error:
            raise CommandError(str(error)) from None
        self.stderr.write("")
        if o["report"]:
            with open(o["report"], "w", encoding="utf-8") as out:
                json.dump(report.as_dict(), out, ensure_ascii=False, indent=2)
        for rejected in report.rejected[:20]:
            self.stdout.write(f"  row {rejected['row']}: {rejected['errors']}")
        self.stdout.write(self.style.SUCCESS(
            f"{'Checked' if report.dry_run else 'Imported'}: {report.read} read, {report.created} new, {report.updated} updated, "
            f"{len(report.repaired)} repaired, {len(report.rejected)} rejected, {len(report.outside)} outside the municipality"
        ))

    def progress(self, done, total):
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
