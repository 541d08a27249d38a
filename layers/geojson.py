"""GeoJSON built in PostGIS and streamed.

Serialising features in Python (djangorestframework-gis's GeoFeatureModelSerializer) is
40-50 times slower than letting PostGIS write each Feature as text; so each row comes back
as one finished JSON string and the response only joins them, chunk by chunk, from a
server-side cursor: memory stays flat however large the layer.
"""

import json

from django.db.models.expressions import RawSQL

from .models import Feature

TABLE = Feature._meta.db_table

# 7 decimals of a degree is about 1 cm: more digits are noise, fewer lose survey detail.
FEATURE_SQL = f"""json_build_object(
    'type', 'Feature',
    'id', "{TABLE}"."id",
    'geometry', ST_AsGeoJSON("{TABLE}"."geom", 7)::json,
    'properties', "{TABLE}"."properties",
    'layer', "{TABLE}"."layer_id",
    'version', "{TABLE}"."version",
    'updated_at', "{TABLE}"."updated_at"
)::text"""


CHUNK = 64 * 1024


def feature_texts(queryset, chunk_size=2000):
    """Each feature of the queryset as GeoJSON text, in the queryset's order."""
    rows = queryset.annotate(geojson=RawSQL(FEATURE_SQL, ())).values_list("geojson", flat=True)
    return rows.iterator(chunk_size=chunk_size)


def feature_text(queryset):
    """One feature's GeoJSON text, or None."""
    return queryset.annotate(geojson=RawSQL(FEATURE_SQL, ())).values_list("geojson", flat=True).first()


def stream_collection(texts, *, limit=None, links_for_more=(), on_complete=None):
    """Yields a FeatureCollection around feature texts.

    With `limit`, one more row than the page is read to learn whether a next page exists
    (cheaper than counting); `links_for_more` are added only if it does. `on_complete`
    hears how many features went out.
    """
    buffer = ['{"type":"FeatureCollection","features":[']
    size = 0
    returned = 0
    more = False
    for text in texts:
        if limit is not None and returned == limit:
            more = True
            break
        buffer.append("," + text if returned else text)
        size += len(text)
        returned += 1
        # One write per ~64 KB rather than per feature: a socket write per row costs
        # more than building the row.
        if size > CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    links = list(links_for_more) if more else []
    buffer.append(f'],"numberReturned":{returned},"links":{json.dumps(links)}}}')
    if on_complete is not None:
        on_complete(returned)
    yield "".join(buffer)
