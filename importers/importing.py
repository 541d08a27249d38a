"""From a file to a layer: read, detect, map fields, validate, then store all or nothing.

`inspect` reads and detects, storing nothing: what the user sees before confirming.
`import_file` does the same and then writes in one transaction: every imported feature
gets an "import" revision sharing one batch id; with a key field, features already in the
layer with the same key are updated instead of duplicated.
"""

import datetime
import json
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyproj
import shapely
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.text import slugify

from layers.geometry import shape_of
from layers.models import AccessRecord, Layer, Revision, state_sql
from layers.schema import bilingual, clean_properties

from .detection import choose_crs, shapefile_encoding
from .sources import SHEET_SUFFIXES, ImportFailed, find_dataset, layers_of, read_sheet, read_vector, unpack

PREVIEW_ROWS = 10
PREVIEW_SHAPES = 1000  # drawn on the wizard's map
LISTED = 20  # rejected and repaired rows named on the wizard's page (the report has all)


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
    shapes: dict  # the first rows' geometries in WGS84, a GeoJSON FeatureCollection
    check: dict | None  # with a target layer: what importing would do
    field_types: dict  # field name -> the schema type a layer made from the file gives it
    geometry_type: str | None  # the layer geometry type most rows have


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
        table.layers = available
    crs = choose_crs(table, municipality, srid)
    return dataset, table, crs, encoding_guessed


def inspect(path, municipality, *, layer=None, mapping=None, key=None, **options):
    """What the file holds and what was decided about it; with a target `layer`, also
    what importing it would do, row by row. Nothing is stored."""
    with tempfile.TemporaryDirectory() as workdir:
        dataset, table, crs, encoding_guessed = read(path, workdir, municipality, **options)
    shapes = to_wgs84(table.geometries, crs)
    found = Inspection(
        dataset=dataset.name, layers=table.layers or [(table.name, len(table.rows))], layer=table.name, fields=table.fields,
        preview=table.rows[:PREVIEW_ROWS], feature_count=len(table.rows), crs=crs.label,
        crs_guessed=crs.guessed, crs_alternatives=[a.label for a in crs.alternatives],
        transformation=crs.transformation, encoding=table.encoding, encoding_guessed=encoding_guessed,
        notes=table.notes, shapes=preview_shapes(shapes), check=None,
        field_types={name: schema_type(table.types.get(name, "object")) for name in table.fields},
        geometry_type=dominant_geometry_type(shapes),
    )
    if layer is not None:
        report = Report()
        importable = sum(map(len, prepare_rows(table, shapes, layer, field_mapping(layer, table.fields, mapping), key, report)))
        found.check = {
            "importable": importable, "rejected": len(report.rejected), "repaired": len(report.repaired),
            "outside": len(report.outside), "rejected_rows": report.rejected[:LISTED], "repaired_rows": report.repaired[:LISTED],
        }
    return found


# A file's column types as schema types; text for the rest (and for every sheet column:
# a sheet typed from paper is checked by people before its columns get types).
DTYPE_PREFIXES = (("int", "integer"), ("uint", "integer"), ("float", "number"), ("bool", "boolean"), ("datetime", "date"))
GEOMETRY_TYPE_IDS = {0: "Point", 4: "Point", 1: "LineString", 5: "LineString", 3: "Polygon", 6: "Polygon"}


def schema_type(dtype):
    return next((kind for prefix, kind in DTYPE_PREFIXES if dtype.startswith(prefix)), "text")


def dominant_geometry_type(shapes):
    kinds = [GEOMETRY_TYPE_IDS.get(int(i)) for i in shapely.get_type_id(shapes) if int(i) in GEOMETRY_TYPE_IDS]
    return max(set(kinds), key=kinds.count) if kinds else None


def layer_from_file(municipality, found, name_th):
    """An unsaved internal layer with the file's own columns as optional fields (labelled
    with the column names, Thai ones included) and the geometry type most rows have."""
    if found.geometry_type is None:
        raise ImportFailed("ไฟล์ไม่มีรูปร่างที่ใช้ได้", "The file has no usable geometries.")
    schema, taken = [], set()
    for number, column in enumerate(found.fields, start=1):
        name = re.sub(r"[^a-z0-9_]+", "_", column.strip().lower()).strip("_")[:50]
        if not re.match(r"[a-z]", name) or name in taken:
            name = f"field_{number}"
        taken.add(name)
        schema.append({"name": name, "type": found.field_types.get(column, "text"), "label_th": column, "label_en": column})
    stem = Path(found.dataset).stem
    return Layer(municipality=municipality, slug=unique_slug(municipality, slugify(stem) or "imported"),
                 name_th=name_th or stem, name_en=stem, geometry_type=found.geometry_type, schema=schema)


def unique_slug(municipality, slug):
    """`slug`, or if the municipality has a layer by that name already, `slug-2`, `slug-3`…"""
    taken = set(Layer.objects.filter(municipality=municipality, slug__startswith=slug).values_list("slug", flat=True))
    return next(candidate for candidate in (slug if n == 1 else f"{slug}-{n}" for n in range(1, len(taken) + 2)) if candidate not in taken)


def preview_shapes(shapes):
    """The first rows' geometries for a map: only finite ones, simplified to about a metre
    (a preview, not the data), each with its row number as id."""
    first = shapes[:PREVIEW_SHAPES]
    with np.errstate(invalid="ignore"):
        drawable = ~shapely.is_missing(first) & np.isfinite(shapely.bounds(first)).all(axis=1)
    numbers = np.flatnonzero(drawable)
    texts = shapely.to_geojson(shapely.simplify(first[numbers], 0.00001))
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": int(i) + 1, "geometry": json.loads(text), "properties": {}} for i, text in zip(numbers, texts)
    ]}


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


def cell_converter(field_spec):
    """A function turning a cell as people typed it into what the field takes: a choice by
    its value or its Thai or English label (any case); a date as Thai sheets hold it (see
    typed_date). Other cells pass as they are, for the schema to check."""
    if field_spec["type"] == "date":
        return typed_date
    if field_spec["type"] != "choice":
        return lambda value: value
    by_text = {}
    for choice in reversed(field_spec["choices"]):  # the first choice wins a shared label
        for text in (str(choice["value"]), choice.get("label_th", ""), choice.get("label_en", "")):
            by_text[text.casefold()] = choice["value"]
    by_text.pop("", None)
    return lambda value: value if value is None else by_text.get(str(value).strip().casefold(), value)


THAI_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")  # day/month/year, as Thai forms write it
ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
BUDDHIST_ERA = 543  # years: พ.ศ. 2567 is 2024 CE; a year past 2400 can only be Buddhist era


def typed_date(value):
    """An ISO date from an Excel date cell, a day/month/year text (15/03/2567, 1.4.2024),
    or an ISO text, in the Buddhist or the Christian era; other values pass unchanged for
    the schema to refuse with its message."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = value.date() if isinstance(value, datetime.datetime) else value
        year, month, day = value.year, value.month, value.day
    elif match := THAI_DATE.match(str(value or "")):
        day, month, year = map(int, match.groups())
    elif match := ISO_DATE.match(str(value or "")):
        year, month, day = map(int, match.groups())
    else:
        return value
    try:
        return datetime.date(year - BUDDHIST_ERA if year > 2400 else year, month, day).isoformat()
    except ValueError:
        return value


def to_wgs84(geometries, crs):
    """The file's geometries as shapely geometries in WGS84 lon/lat, heights dropped (the
    layers are two-dimensional); None where a row has none or it cannot be read. All rows
    are transformed in one call, by PROJ in C."""
    shapes = shapely.force_2d(shapely.from_wkb(np.array(geometries, dtype=object), on_invalid="ignore"))
    try:
        # always_xy: EPSG:4326 is latitude first by the book, but files and our layers are
        # lon/lat (GDAL's "traditional GIS order"). The source is an EPSG code or the
        # file's WKT; Indian 1975 carries its named three-parameter shift (TOWGS84).
        source = pyproj.CRS(crs.source)
        transformer = pyproj.Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    except pyproj.exceptions.CRSError as error:
        raise ImportFailed("ไม่รู้จักระบบพิกัดของไฟล์", f"Unknown coordinate system: {error}") from None
    if source.equals("EPSG:4326", ignore_axis_order=True):
        return shapes  # already lon/lat on WGS84: nothing for PROJ to do
    with np.errstate(invalid="ignore", over="ignore"):
        # Absurd coordinates come back infinite: the geometry checks then refuse them.
        return shapely.transform(shapes, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def repair(shapes, report):
    """Invalid geometries made valid (a self-crossing ring, a bow tie), each listed in the
    report with what was wrong; those GEOS cannot repair are left for the checks to refuse."""
    shapes = shapes.copy()
    with np.errstate(invalid="ignore"):
        invalid = np.flatnonzero(~shapely.is_missing(shapes) & ~shapely.is_valid(shapes))
    for i in invalid:
        reason = shapely.is_valid_reason(shapes[i])
        try:
            shapes[i] = shapely.make_valid(shapes[i])
        except shapely.errors.GEOSException:
            continue
        report.repaired.append({"row": int(i) + 1, "reason": reason})
    return shapes


CHUNK = 10_000  # rows validated, then streamed to PostgreSQL, at a time


def prepare_rows(table, shapes, layer, mapping, key, report, progress=None):
    """Validated (row number, geometry, properties) for every row that can be imported,
    in lists of up to CHUNK rows, made as they are asked for (import_file streams them to
    PostgreSQL while the next are checked); the others are listed in the report with what
    is wrong. `shapes` are the rows' geometries in WGS84 (to_wgs84). The geometry checks
    run over all rows at once (layers.geometry); the attributes row by row against the
    schema; the municipality test over each chunk at once."""
    shapes = repair(shapes, report)
    geometry_errors = layer.geometry_errors(shapes)
    fields = {f["name"]: f for f in layer.schema}
    converters = {target: (source, cell_converter(fields[target])) for target, source in mapping.items()}
    boundary = shape_of(layer.municipality.boundary) if layer.municipality.boundary is not None else None
    if boundary is not None:
        shapely.prepare(boundary)
    seen_keys = set()
    chunk = []
    for number, (row, wkb, shape, geometry_error) in enumerate(zip(table.rows, table.geometries, shapes, geometry_errors), start=1):
        if progress and number % 1000 == 0:
            progress(number, len(table.rows))
        report.read += 1
        errors = {}
        if wkb is None or shape is None:
            errors["geometry"] = [bilingual("ไม่มีรูปร่างหรือพิกัดอ่านไม่ได้", "No geometry, or unreadable coordinates.")]
        elif geometry_error:
            errors["geometry"] = [geometry_error]
        try:
            properties = clean_properties(layer.schema, {target: convert(row.get(source)) for target, (source, convert) in converters.items()})
        except ValidationError as error:
            errors.update(error.message_dict)
        if key and not errors:
            value = properties.get(key)
            if value is None or value in seen_keys:
                errors[key] = [bilingual("ค่าคีย์ว่างหรือซ้ำในไฟล์", "The key is empty or repeated in the file.")]
            seen_keys.add(value)
        if errors:
            report.rejected.append({"row": number, "errors": errors})
            continue
        chunk.append((number, shape, properties))
        if len(chunk) == CHUNK:
            yield note_outside(chunk, boundary, report)
            chunk = []
    if chunk:
        yield note_outside(chunk, boundary, report)


def note_outside(chunk, boundary, report):
    """Lists the rows of the chunk that lie outside the municipality (imported all the same:
    a road may run on past the boundary, but a whole file outside means a wrong CRS)."""
    if boundary is not None:
        inside = shapely.intersects(boundary, np.array([shape for _, shape, _ in chunk], dtype=object))
        report.outside += [number for (number, _, _), within in zip(chunk, inside) if not within]
    return chunk


def import_file(path, layer, user, *, source_layer=None, encoding=None, srid=None, mapping=None, key=None,
                strict=False, dry_run=False, progress=None):
    """Imports the file into `layer` in one transaction; returns the report. With
    `strict`, any rejected row stops the whole import; with `dry_run`, nothing is kept."""
    if key and key not in {f["name"] for f in layer.schema}:
        raise ImportFailed(f"ชั้นข้อมูลไม่มีฟิลด์คีย์ {key}", f"The layer has no key field {key}.")
    with tempfile.TemporaryDirectory() as workdir:
        _, table, crs, _ = read(Path(path), workdir, layer.municipality, source_layer=source_layer, encoding=encoding, srid=srid)
    report = Report(crs=crs.label, transformation=crs.transformation, encoding=table.encoding, dry_run=dry_run,
                    notes=table.notes, batch=str(uuid.uuid4()))
    chunks = prepare_rows(table, to_wgs84(table.geometries, crs), layer, field_mapping(layer, table.fields, mapping), key, report, progress)
    with transaction.atomic():
        write(chunks, layer, user, key, report)
        # Checked after the rows went in (they stream while being checked); raising rolls
        # the transaction back, so a strict import that refuses a row stores nothing.
        if strict and report.rejected:
            raise ImportFailed(
                f"มี {len(report.rejected)} แถวที่ใช้ไม่ได้ จึงไม่นำเข้าเลย",
                f"{len(report.rejected)} rows cannot be imported, so nothing was imported.",
            )
        if dry_run:
            transaction.set_rollback(True)
    return report


REVISION_COLUMNS = "layer_id, feature_id, action, version, before, after, user_id, batch, created_at"


def write(chunks, layer, user, key, report):
    """Stores the prepared rows in the open transaction: streams them by binary COPY into
    a staging table as prepare_rows makes them (PostgreSQL stores one chunk while Python
    checks the next), then PostgreSQL updates the features that share a key with a row,
    inserts the others, and writes their "import" revisions in the same statements. An
    import revision keeps the state it replaced (`before`) but not the one it wrote, which
    is the feature's own (see Revision): each geometry is stored once, not twice."""
    params = {"layer": layer.pk, "user": user.pk if user and user.is_authenticated else None,
              "batch": uuid.UUID(report.batch), "key": key, "action": Revision.Action.IMPORT}
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE import_rows (row integer PRIMARY KEY, geom geometry(Geometry, 4326) NOT NULL,"
                       " properties jsonb NOT NULL) ON COMMIT DROP")
        with cursor.cursor.copy("COPY import_rows (row, geom, properties) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "bytea", "jsonb"])
            for chunk in chunks:
                # PostGIS reads a geometry's binary COPY form as EWKB, so shapely's bytes go
                # in as they are (sent as bytea, which is raw bytes on the wire).
                shapes = shapely.set_srid(np.array([shape for _, shape, _ in chunk], dtype=object), 4326)
                for (number, _, properties), ewkb in zip(chunk, shapely.to_wkb(shapes, include_srid=True)):
                    copy.write_row((number, ewkb, properties))
        if key:
            # Lock the matched features first: the update below then reads, as "before",
            # exactly the rows it changes.
            cursor.execute("SELECT f.id FROM layers_feature f JOIN import_rows s ON f.properties -> %(key)s = s.properties -> %(key)s"
                           " WHERE f.layer_id = %(layer)s FOR UPDATE OF f", params)
            cursor.execute(
                f"""WITH changed AS (
                        UPDATE layers_feature f
                        SET geom = s.geom, properties = s.properties, version = f.version + 1,
                            updated_by_id = %(user)s, updated_at = now()
                        FROM import_rows s, layers_feature old
                        WHERE f.layer_id = %(layer)s AND old.id = f.id AND f.properties -> %(key)s = s.properties -> %(key)s
                        RETURNING f.id, f.version, old.geom AS old_geom, old.properties AS old_properties)
                    INSERT INTO layers_revision ({REVISION_COLUMNS})
                    SELECT %(layer)s, id, %(action)s, version, {state_sql("old_geom", "old_properties")}, NULL,
                           %(user)s, %(batch)s, now()
                    FROM changed""",
                params,
            )
            report.updated = cursor.rowcount
        cursor.execute(
            f"""WITH created AS (
                    INSERT INTO layers_feature (layer_id, geom, properties, version, created_by_id, updated_by_id, created_at, updated_at)
                    SELECT %(layer)s, s.geom, s.properties, 1, %(user)s, %(user)s, now(), now()
                    FROM import_rows s
                    WHERE %(key)s::text IS NULL OR NOT EXISTS (
                        SELECT FROM layers_feature f WHERE f.layer_id = %(layer)s AND f.properties -> %(key)s = s.properties -> %(key)s)
                    ORDER BY s.row
                    RETURNING id, version)
                INSERT INTO layers_revision ({REVISION_COLUMNS})
                SELECT %(layer)s, id, %(action)s, version, NULL, NULL, %(user)s, %(batch)s, now()
                FROM created""",
            params,
        )
        report.created = cursor.rowcount
        # Dropped now, not at commit: an outer transaction may import again.
        cursor.execute("DROP TABLE import_rows")
    AccessRecord.note(user, layer, AccessRecord.Action.CHANGE, f"import {report.batch}", report.created + report.updated)

