"""GeoJSON built in PostGIS and streamed.

Serialising features in Python (djangorestframework-gis's GeoFeatureModelSerializer) is
40-50 times slower than letting PostGIS write each Feature as text; so each row comes back
as one finished JSON string and the response only joins them, chunk by chunk, from a
server-side cursor: memory stays flat however large the layer. A page (at most MAX_LIMIT
features) comes back from PostGIS as one string, like the benchmark's floor.
"""

import json

from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from .models import Feature

TABLE = Feature._meta.db_table
STORED_SRID = 4326


def feature_sql(srid=STORED_SRID, *, lat_lon=False):
    """SQL for one row as GeoJSON Feature text, its geometry in `srid`.

    `lat_lon` swaps the axes: EPSG:4326 as an OGC URI means latitude first, while the
    stored geometry (and GeoJSON's default, CRS84) is longitude first.
    """
    geometry = f'"{TABLE}"."geom"'
    if srid != STORED_SRID:
        geometry = f"ST_Transform({geometry}, {int(srid)})"
    if lat_lon:
        geometry = f"ST_FlipCoordinates({geometry})"
    # 7 decimals of a degree is about 1 cm: more digits are noise, fewer lose survey
    # detail; in metres (projected CRSs) 3 decimals are a millimetre.
    precision = 7 if srid == STORED_SRID else 3
    # Option 0: no "crs" member; the CRS is said once, in the response's Content-Crs.
    return f"""json_build_object(
    'type', 'Feature',
    'id', "{TABLE}"."id",
    'geometry', ST_AsGeoJSON({geometry}, {precision}, 0)::json,
    'properties', "{TABLE}"."properties",
    'layer', "{TABLE}"."layer_id",
    'version', "{TABLE}"."version",
    'updated_at', "{TABLE}"."updated_at"
)::text"""


FEATURE_SQL = feature_sql()
CHUNK = 64 * 1024


def feature_texts(queryset, chunk_size=2000, sql=FEATURE_SQL):
    """Each feature of the queryset as GeoJSON text, in the queryset's order, read from a
    server-side cursor `chunk_size` rows at a time.

    The cursor lives in a transaction of its own: outside one (autocommit), Django declares
    it WITH HOLD, and PostgreSQL then makes and stores the whole result (50 MB for 100,000
    roads) before the first row is sent; inside one, rows are made as they are read, while
    the previous chunk goes out. The rows skip Django's per-row machinery: each is one
    string already."""
    rows = queryset.annotate(geojson=RawSQL(sql, ())).values_list("geojson", flat=True)
    query, params = rows.query.sql_with_params()
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(query, params)
        while chunk := cursor.fetchmany(chunk_size):
            for (text,) in chunk:
                yield text


def feature_text(queryset, sql=FEATURE_SQL):
    """One feature's GeoJSON text, or None."""
    return queryset.annotate(geojson=RawSQL(sql, ())).values_list("geojson", flat=True).first()


def page_collection(queryset, limit, offset, *, sql=FEATURE_SQL, links=(), links_for_more=(), members=None):
    """(FeatureCollection text, features returned) for one page of the queryset, in id
    order, made by one query in PostGIS: the page's ids first (from the index alone, so
    the rows skipped by the offset are never turned into JSON), then one string of all
    its features, with no row of it passing through Python. One more id than the page is
    read to learn whether a next page exists (cheaper than counting); `links_for_more` are
    added to `links` only if it does. A page is at most MAX_LIMIT features, so it is made
    whole rather than streamed."""
    ids = queryset.order_by("pk").values("pk")[offset : offset + limit + 1]
    ids_sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH page(id) AS MATERIALIZED ({ids_sql})
                SELECT (SELECT count(*) FROM page), coalesce(string_agg(q.feature, ',' ORDER BY q.id), '')
                FROM (SELECT "{TABLE}"."id", {sql} AS feature FROM "{TABLE}"
                      WHERE "{TABLE}"."id" IN (SELECT id FROM page ORDER BY id LIMIT %s)) q""",
            [*params, limit],
        )
        found, features = cursor.fetchone()
    returned = min(found, limit)
    all_links = list(links) + (list(links_for_more) if found > limit else [])
    return collection_head(members) + features + collection_tail(returned, all_links), returned


def collection_head(members):
    head = json.dumps({"type": "FeatureCollection", **(members or {})}, ensure_ascii=False)
    return head[:-1] + ',"features":['


def collection_tail(returned, links):
    return f'],"numberReturned":{returned},"links":{json.dumps(links, ensure_ascii=False)}}}'


def stream_collection(texts, *, on_complete=None):
    """Yields a FeatureCollection around feature texts, a chunk at a time; `on_complete`
    hears how many features went out."""
    buffer = [collection_head(None)]
    size = 0
    returned = 0
    for text in texts:
        buffer.append("," + text if returned else text)
        size += len(text)
        returned += 1
        # One write per ~64 KB rather than per feature: a socket write per row costs
        # more than building the row.
        if size > CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    buffer.append(collection_tail(returned, []))
    if on_complete is not None:
        on_complete(returned)
    yield "".join(buffer)
