"""DCAT 3 in JSON-LD: the catalogue and each dataset, with an inline context (a harvester
must not need to fetch one, and nothing here fetches anything)."""

import json

from .models import municipality_title
from .vocabulary import EU_FREQUENCY, FREQUENCY_CODES, LICENCE_URIS, LOC_639_1

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "locn": "http://www.w3.org/ns/locn#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
PUBLIC_ACCESS = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


def text(th, en=""):
    values = [{"@value": th, "@language": "th"}]
    if en:
        values.append({"@value": en, "@language": "en"})
    return values


def typed(value, kind):
    return {"@value": value, "@type": kind}


def bbox_wkt(extent):
    west, south, east, north = extent
    # WKT in CRS84 order (longitude first), GeoSPARQL's default for a literal without a CRS.
    return f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"


def bbox_geojson(extent):
    west, south, east, north = extent
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]]}


def dataset_node(dataset, figures, links):
    municipality = dataset.municipality
    node = {
        "@id": links.page(dataset),
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.name,
        "dct:title": text(dataset.title_th, dataset.title_en),
        "dcat:keyword": dataset.keywords,
        "dct:publisher": {
            "@id": links.organization(municipality),
            "@type": "foaf:Organization",
            "foaf:name": text(municipality_title(municipality), municipality_title(municipality, "en")),
        },
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": dataset.maintainer,
            **({"vcard:hasEmail": {"@id": f"mailto:{dataset.maintainer_email}"}} if dataset.maintainer_email else {}),
            **({"vcard:hasTelephone": {"@id": f"tel:{dataset.telephone.replace(' ', '')}"}} if dataset.telephone else {}),
        },
        "dct:accrualPeriodicity": {"@id": EU_FREQUENCY + FREQUENCY_CODES[dataset.update_frequency][0]},
        "dct:issued": typed(dataset.layer.created_at.isoformat(), "xsd:dateTime"),
        "dct:modified": typed(dataset.metadata_modified(figures).isoformat(), "xsd:dateTime"),
        "dct:language": [{"@id": LOC_639_1 + code} for code in dataset.languages()],
        "dct:license": (
            {"@id": LICENCE_URIS[dataset.licence]} if dataset.licence in LICENCE_URIS
            else {"@type": "dct:LicenseDocument", "rdfs:label": dataset.get_licence_display()}
        ),
        "dct:accessRights": {"@id": PUBLIC_ACCESS},
        "dct:source": dataset.data_source,
        "dcat:landingPage": {"@id": links.page(dataset)},
        "dcat:distribution": [
            {
                "@id": links.download(dataset, key),
                "@type": "dcat:Distribution",
                "dct:title": name,
                "dcat:accessURL": {"@id": links.download(dataset, key)},
                "dcat:downloadURL": {"@id": links.download(dataset, key)},
                "dcat:mediaType": {"@id": MEDIA_TYPES + media_type.split(";")[0]},
                "dct:format": ckan_format,
            }
            for key, name, ckan_format, media_type in dataset.downloads()
        ],
    }
    if dataset.description_th or dataset.description_en:
        node["dct:description"] = text(dataset.description_th or dataset.description_en, dataset.description_en)
    spatial = {"@type": "dct:Location", "locn:geographicName": text(municipality_title(municipality), municipality_title(municipality, "en"))}
    if figures.extent:
        spatial["dcat:bbox"] = typed(bbox_wkt(figures.extent), "gsp:wktLiteral")
        spatial["locn:geometry"] = typed(json.dumps(bbox_geojson(figures.extent)), "gsp:geoJSONLiteral")
    node["dct:spatial"] = spatial
    if dataset.reference_period_start or dataset.reference_period_end:
        period = {"@type": "dct:PeriodOfTime"}
        if dataset.reference_period_start:
            period["dcat:startDate"] = typed(dataset.reference_period_start.isoformat(), "xsd:date")
        if dataset.reference_period_end:
            period["dcat:endDate"] = typed(dataset.reference_period_end.isoformat(), "xsd:date")
        node["dct:temporal"] = period
    return node


def dataset_document(dataset, figures, links):
    return {"@context": CONTEXT, **dataset_node(dataset, figures, links)}


def catalogue_document(entries, links):
    """`entries`: (dataset, figures) of the harvestable datasets."""
    return {
        "@context": CONTEXT,
        "@id": links.catalogue(),
        "@type": "dcat:Catalog",
        "dct:title": text("บัญชีข้อมูลเมือง", "City data catalogue"),
        "dct:description": text(
            "ชุดข้อมูลเชิงพื้นที่ที่เทศบาลเผยแพร่ต่อสาธารณะ", "Geospatial datasets the municipalities publish."
        ),
        "foaf:homepage": {"@id": links.catalogue()},
        "dcat:dataset": [dataset_node(dataset, figures, links) for dataset, figures in entries],
    }
