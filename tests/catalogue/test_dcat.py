"""The DCAT records, read by a real RDF parser (rdflib's JSON-LD) as a harvester would."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns

from layers.models import Layer

# rdflib's namespaces are used through `ns`: pytest inspects module-level names, and the
# DCAT namespace warns when asked for a term it does not define (such as "_mock_name").
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
LOCN = Namespace("http://www.w3.org/ns/locn#")


def graph_of(url):
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    return Graph().parse(data=response.content, format="json-ld")


def test_the_catalogue_lists_every_public_dataset_and_nothing_else(world):
    graph = graph_of(reverse("catalogue-dcat"))
    catalogue = next(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    datasets = set(graph.objects(catalogue, ns.DCAT.dataset))
    assert datasets == set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert {str(d) for d in datasets} == {
        "http://testserver/catalogue/krathum-baen/roads/", "http://testserver/catalogue/na-di/roads/",
    }


def test_one_templates_datasets_come_from_every_municipality_that_publishes_it(world):
    for municipality in (world.kb, world.nd):
        Layer.from_template(municipality, "landmarks").save()
    graph = graph_of(reverse("catalogue-dcat") + "?template=landmarks")
    assert {str(d) for d in graph.subjects(ns.RDF.type, ns.DCAT.Dataset)} == {
        "http://testserver/catalogue/krathum-baen/landmarks/", "http://testserver/catalogue/na-di/landmarks/",
    }


def test_a_dataset_record_carries_its_metadata_extent_and_every_download(world):
    graph = graph_of(reverse("dataset-dcat", args=["krathum-baen", "roads"]))
    dataset = URIRef("http://testserver/catalogue/krathum-baen/roads/")
    assert (dataset, ns.RDF.type, ns.DCAT.Dataset) in graph
    assert Literal("ถนน เทศบาลเมืองกระทุ่มแบน", lang="th") in set(graph.objects(dataset, ns.DCTERMS.title))
    assert Literal("Roads, Krathum Baen Town Municipality", lang="en") in set(graph.objects(dataset, ns.DCTERMS.title))
    assert Literal("ถนน") in set(graph.objects(dataset, ns.DCAT.keyword))
    assert graph.value(dataset, ns.DCTERMS.accrualPeriodicity) == URIRef("http://publications.europa.eu/resource/authority/frequency/ANNUAL")
    assert graph.value(dataset, ns.DCTERMS.language) == URIRef("http://id.loc.gov/vocabulary/iso639-1/th")
    spatial = graph.value(dataset, ns.DCTERMS.spatial)
    bbox = graph.value(spatial, ns.DCAT.bbox)
    assert bbox.datatype == GSP.wktLiteral
    assert str(bbox) == "POLYGON((100.25 13.65,100.26 13.65,100.26 13.66,100.25 13.66,100.25 13.65))"
    geometry = json.loads(str(graph.value(spatial, LOCN.geometry)))
    assert geometry["coordinates"][0][2] == [100.26, 13.66]
    downloads = {str(graph.value(d, ns.DCAT.downloadURL)) for d in graph.objects(dataset, ns.DCAT.distribution)}
    assert downloads == {
        f"http://testserver/api/v1/layers/{world.roads.pk}/export/?format={fmt}"
        for fmt in ("gpkg", "shp", "geojson", "kml", "csv", "dxf")
    }
    publisher = graph.value(dataset, ns.DCTERMS.publisher)
    assert str(publisher) == "http://testserver/m/krathum-baen/"


@pytest.mark.parametrize("layer", ["drains", "welfare-cases"])
def test_a_private_dataset_has_no_record(world, layer):
    assert Client().get(reverse("dataset-dcat", args=["krathum-baen", layer])).status_code == 404
