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

import numpy as np
import pyproj
import shapely
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from layers.geometry import shape_of
from layers.models import AccessRecord, Revision
from layers.schema import bilingual, clean_properties

from .detection import choose_crs, shapefile_encoding
from .sources import SHEET_SUFFIXES, ImportFailed, find_dataset, layers_of, read_sheet, read_vector, unpack

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


def choice_matcher(field_spec):
    """A function giving a choice field's value for a cell that holds the value or its
    Thai or English label (any case); other fields' cells pass as they are."""
    if field_spec["type"] != "choice":
        return lambda value: value
    by_text = {}
    for choice in reversed(field_spec["choices"]):  # the first choice wins a shared label
        for text in (str(choice["value"]), choice.get("label_th", ""), choice.get("label_en", "")):
            by_text[text.casefold()] = choice["value"]
    by_text.pop("", None)
    return lambda value: value if value is None else by_text.get(str(value).strip().casefold(), value)


def to_wgs84(geometries, crs):
    """The file's geometries as shapely geometries in WGS84 lon/lat, heights dropped (the
    layers are two-dimensional); None where a row has none or it cannot be read. All rows
    are transformed in one call, by PROJ in C."""
    shapes = shapely.force_2d(shapely.from_wkb(np.array(geometries, dtype=object), on_invalid="ignore"))
    try:
        # always_xy: EPSG:4326 is latitude first by the book, but files and our layers are
        # lon/lat (GDAL's "traditional GIS order"). The source is an EPSG code or the
        # file's WKT; Indian 1975 carries its named three-parameter shift (TOWGS84).
        transformer = pyproj.Transformer.from_crs(crs.source, "EPSG:4326", always_xy=True)
    except pyproj.exceptions.CRSError as error:
        raise ImportFailed("ไม่รู้จักระบบพิกัดของไฟล์", f"Unknown coordinate system: {error}") from None
    with np.errstate(invalid="ignore", over="ignore"):
        # Absurd coordinates come back infinite: the geometry checks then refuse them.
        return shapely.transform(shapes, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def repair(shapes, report):
    """Invalid geometries made valid (a self-crossing ring, a bow tie), each listed in the
    report with what was wrong; those GEOS cannot repair are left for the checks to refuse."""
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


def prepare_rows(table, layer, crs, mapping, key, report, progress=None):
    """Validated (row number, geometry, properties) for every row that can be imported;
    the others are listed in the report with what is wrong. The geometry checks run over
    all rows at once (layers.geometry); the attributes row by row against the schema."""
    shapes = repair(to_wgs84(table.geometries, crs), report)
    geometry_errors = layer.geometry_errors(shapes)
    fields = {f["name"]: f for f in layer.schema}
    matchers = {target: (source, choice_matcher(fields[target])) for target, source in mapping.items()}
    seen_keys = set()
    prepared = []
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
            properties = clean_properties(layer.schema, {target: match(row.get(source)) for target, (source, match) in matchers.items()})
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
        prepared.append((number, shape, properties))
    boundary = layer.municipality.boundary
    if boundary is not None and prepared:
        boundary = shape_of(boundary)
        shapely.prepare(boundary)
        inside = shapely.intersects(boundary, np.array([shape for _, shape, _ in prepared], dtype=object))
        report.outside = [number for (number, _, _), within in zip(prepared, inside) if not within]
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


def state_sql(geom, properties):
    """What a revision keeps of a feature (Feature.state), built by PostGIS."""
    return f"jsonb_build_object('geometry', ST_AsGeoJSON({geom})::jsonb, 'properties', {properties})"


REVISION_COLUMNS = "layer_id, feature_id, action, version, before, after, user_id, batch, created_at"


def write(rows, layer, user, key, report):
    """Stores the prepared rows in the open transaction: COPY into a staging table, then
    PostGIS updates the features that share a key with a row, inserts the others, and
    writes their "import" revisions from the stored rows, a few statements in all."""
    params = {"layer": layer.pk, "user": user.pk if user and user.is_authenticated else None,
              "batch": uuid.UUID(report.batch), "key": key, "action": Revision.Action.IMPORT}
    shapes = shapely.set_srid(np.array([shape for _, shape, _ in rows], dtype=object), 4326)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE import_rows (row integer PRIMARY KEY, geom geometry(Geometry, 4326) NOT NULL,"
                       " properties jsonb NOT NULL) ON COMMIT DROP")
        # Binary COPY: PostGIS reads a geometry's binary form as EWKB, so shapely's bytes
        # go in as they are (sent as bytea, which is raw bytes on the wire).
        with cursor.cursor.copy("COPY import_rows (row, geom, properties) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "bytea", "jsonb"])
            for (number, _, properties), ewkb in zip(rows, shapely.to_wkb(shapes, include_srid=True)):
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
                        RETURNING f.id, f.version, f.geom, f.properties, old.geom AS old_geom, old.properties AS old_properties)
                    INSERT INTO layers_revision ({REVISION_COLUMNS})
                    SELECT %(layer)s, id, %(action)s, version, {state_sql("old_geom", "old_properties")},
                           {state_sql("geom", "properties")}, %(user)s, %(batch)s, now()
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
                    RETURNING id, version, geom, properties)
                INSERT INTO layers_revision ({REVISION_COLUMNS})
                SELECT %(layer)s, id, %(action)s, version, NULL, {state_sql("geom", "properties")}, %(user)s, %(batch)s, now()
                FROM created""",
            params,
        )
        report.created = cursor.rowcount
        # Dropped now, not at commit: an outer transaction may import again.
        cursor.execute("DROP TABLE import_rows")
    AccessRecord.note(user, layer, AccessRecord.Action.CHANGE, f"import {report.batch}", report.created + report.updated)
