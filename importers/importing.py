"""From a file to a layer: read, detect, map fields, validate, then store all or nothing.

`inspect` reads and detects, storing nothing: what the user sees before confirming.
`import_file` does the same and then writes in one transaction: every imported feature
gets an "import" revision sharing one batch id; with a key field, features already in the
layer with the same key are updated instead of duplicated.
"""

import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import shapely
from django.contrib.gis.gdal import CoordTransform, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from layers.models import Feature, Revision
from layers.schema import bilingual

from .detection import choose_crs, shapefile_encoding
from .sources import SHEET_SUFFIXES, ImportFailed, find_dataset, layers_of, read_sheet, read_vector, unpack

BATCH = 2000
PREVIEW_ROWS = 10


@dataclass
class Inspection:
    dataset: str
    layers: list
    layer: str
    fields: list
    preview: list
    feature_count: int
    crs: str
    crs_guessed: bool
    crs_alternatives: list
    transformation: str
    encoding: str | None
    encoding_guessed: bool
    notes: list


@dataclass
class Report:
    read: int = 0
    created: int = 0
    updated: int = 0
    repaired: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    outside: list = field(default_factory=list)
    crs: str = ""
    transformation: str = ""
    encoding: str | None = None
    batch: str = ""
    dry_run: bool = False
    notes: list = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


def read(path, workdir, municipality, *, source_layer=None, encoding=None, srid=None):
    """The table in the file and the decisions about it (CRS, encoding)."""
    dataset = find_dataset(unpack(path, workdir))
    encoding_guessed = False
    if dataset.suffix.lower() in SHEET_SUFFIXES:
        encoding_guessed = encoding is None and dataset.suffix.lower() == ".csv"
        table = read_sheet(dataset, encoding)
    else:
        available = layers_of(dataset)
        names = [name for name, _ in available]
        if source_layer and source_layer not in names:
            raise ImportFailed(f"ไม่มีชั้นข้อมูล {source_layer} ในไฟล์ (มี: {', '.join(names)})", f"No layer {source_layer} in the file (it has: {', '.join(names)}).")
        # GPX: tracks or, failing that, waypoints; otherwise the first layer with features.
        default = next((n for n, count in available if n == "tracks" and count), None) or next((n for n, count in available if count), names[0])
        layer = source_layer or default
        if dataset.suffix.lower() == ".shp" and not encoding:
            encoding, encoding_guessed = shapefile_encoding(dataset)
        table = read_vector(dataset, layer=layer, encoding=encoding)
        table.encoding = encoding or table.encoding
        table.notes.append(("layers", available))
    crs = choose_crs(table, municipality, srid)
    return dataset, table, crs, encoding_guessed


def inspect(path, municipality, **options):
    with tempfile.TemporaryDirectory() as workdir:
        dataset, table, crs, encoding_guessed = read(path, workdir, municipality, **options)
    available = next((value for key, value in table.notes if key == "layers"), [(table.name, len(table.rows))])
    return Inspection(
        dataset=dataset.name, layers=available, layer=table.name, fields=table.fields,
        preview=table.rows[:PREVIEW_ROWS], feature_count=len(table.rows), crs=crs.label,
        crs_guessed=crs.guessed, crs_alternatives=[a.label for a in crs.alternatives],
        transformation=crs.transformation, encoding=table.encoding, encoding_guessed=encoding_guessed,
        notes=[note for note in table.notes if isinstance(note, str)],
    )


def field_mapping(layer, fields, mapping=None):
    """Layer field -> file field: what was asked for, else a column with the field's name
    or its Thai or English label, in any case ("ชื่อ" for "ชื่อ (ไทย)", "Kind" for kind)."""
    mapping = dict(mapping or {})
    by_lower = {name.strip().lower(): name for name in fields}
    for spec in layer.schema:
        if spec["name"] in mapping:
            continue
        labels = [spec["name"], spec.get("label_th", ""), spec.get("label_en", "")]
        labels += [label.split(" (")[0] for label in labels]
        found = next((by_lower[label.lower()] for label in labels if label and label.lower() in by_lower), None)
        if found and found not in mapping.values():
            mapping[spec["name"]] = found
    unknown = [source for source in mapping.values() if source not in fields]
    if unknown:
        raise ImportFailed(f"ไม่มีฟิลด์ {', '.join(unknown)} ในไฟล์", f"The file has no field {', '.join(unknown)}.")
    return mapping


def matched_choice(field_spec, value):
    """A choice given by its value or by its Thai or English label (any case)."""
    if field_spec["type"] != "choice" or value is None:
        return value
    text = str(value).strip().casefold()
    for choice in field_spec["choices"]:
        if text in (str(choice["value"]).casefold(), choice.get("label_th", "").casefold(), choice.get("label_en", "").casefold()):
            return choice["value"]
    return value


def to_wgs84(crs):
    try:
        return CoordTransform(SpatialReference(crs.source), SpatialReference(4326))
    except GDALException as error:
        raise ImportFailed("ไม่รู้จักระบบพิกัดของไฟล์", f"Unknown coordinate system: {error}") from None


def prepare_rows(table, layer, crs, mapping, key, report, progress=None):
    """Validated (row number, geometry, properties) for every row that can be imported;
    the others are listed in the report with what is wrong."""
    transform = to_wgs84(crs)
    fields = {f["name"]: f for f in layer.schema}
    boundary = layer.municipality.boundary.prepared if layer.municipality.boundary else None
    seen_keys = set()
    prepared = []
    for number, (row, wkb) in enumerate(zip(table.rows, table.geometries), start=1):
        if progress and number % 1000 == 0:
            progress(number, len(table.rows))
        report.read += 1
        try:
            if wkb is None:
                raise ValidationError({"geometry": [bilingual("ไม่มีรูปร่างหรือพิกัดอ่านไม่ได้", "No geometry, or unreadable coordinates.")]})
            # Heights (KML, GPX) are dropped: the layers are two-dimensional.
            geom = GEOSGeometry(memoryview(shapely.to_wkb(shapely.force_2d(shapely.from_wkb(wkb)))))
            geom.transform(transform)
            geom.srid = 4326
            if not geom.valid:
                reason = geom.valid_reason
                geom = geom.make_valid()
                report.repaired.append({"row": number, "reason": reason})
            properties = {target: matched_choice(fields[target], row.get(source)) for target, source in mapping.items()}
            geom, properties = layer.clean_feature(geom, properties)
            if key:
                value = properties.get(key)
                if value is None or value in seen_keys:
                    raise ValidationError({key: [bilingual("ค่าคีย์ว่างหรือซ้ำในไฟล์", "The key is empty or repeated in the file.")]})
                seen_keys.add(value)
        except ValidationError as error:
            report.rejected.append({"row": number, "errors": error.message_dict})
            continue
        except (GEOSException, GDALException, ValueError) as error:
            report.rejected.append({"row": number, "errors": {"geometry": [bilingual("รูปร่างใช้ไม่ได้", f"Unusable geometry ({error}).")]}})
            continue
        if boundary is not None and not boundary.intersects(geom):
            report.outside.append(number)
        prepared.append((number, geom, properties))
    return prepared


def import_file(path, layer, user, *, source_layer=None, encoding=None, srid=None, mapping=None, key=None,
                strict=False, dry_run=False, progress=None):
    """Imports the file into `layer` in one transaction; returns the report. With
    `strict`, any rejected row stops the whole import; with `dry_run`, nothing is kept."""
    if key and key not in {f["name"] for f in layer.schema}:
        raise ImportFailed(f"ชั้นข้อมูลไม่มีฟิลด์คีย์ {key}", f"The layer has no key field {key}.")
    with tempfile.TemporaryDirectory() as workdir:
        _, table, crs, _ = read(Path(path), workdir, layer.municipality, source_layer=source_layer, encoding=encoding, srid=srid)
    report = Report(crs=crs.label, transformation=crs.transformation, encoding=table.encoding, dry_run=dry_run,
                    notes=[note for note in table.notes if isinstance(note, str)], batch=str(uuid.uuid4()))
    rows = prepare_rows(table, layer, crs, field_mapping(layer, table.fields, mapping), key, report, progress)
    if strict and report.rejected:
        raise ImportFailed(
            f"มี {len(report.rejected)} แถวที่ใช้ไม่ได้ จึงไม่นำเข้าเลย",
            f"{len(report.rejected)} rows cannot be imported, so nothing was imported.",
        )
    with transaction.atomic():
        write(rows, layer, user, key, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def write(rows, layer, user, key, report):
    batch = uuid.UUID(report.batch)
    existing = {}
    if key:
        existing = {
            f.properties.get(key): f
            for f in Feature.objects.select_for_update().filter(layer=layer, **{f"properties__{key}__isnull": False})
        }
    new = []
    for _, geom, properties in rows:
        current = existing.get(properties.get(key)) if key else None
        if current is None:
            new.append(Feature(layer=layer, geom=geom, properties=properties, created_by=user, updated_by=user))
            continue
        before = current.state()
        current.geom, current.properties = geom, properties
        current.version += 1
        current.updated_by = user
        current.save()
        Revision.record(current, Revision.Action.IMPORT, user, before=before, after=current.state(), batch=batch)
        report.updated += 1
    user_id = user.pk if user and user.is_authenticated else None
    for start in range(0, len(new), BATCH):
        ids = [f.pk for f in Feature.objects.bulk_create(new[start : start + BATCH])]
        # The history rows are written by PostGIS from the stored features: building each
        # feature's GeoJSON in Python cost as much as the import itself.
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO layers_revision (layer_id, feature_id, action, version, after, user_id, batch, created_at)
                   SELECT layer_id, id, %s, 1,
                          jsonb_build_object('geometry', ST_AsGeoJSON(geom)::jsonb, 'properties', properties),
                          %s, %s, now()
                   FROM layers_feature WHERE id = ANY(%s)""",
                [Revision.Action.IMPORT, user_id, batch, ids],
            )
    report.created = len(new)
