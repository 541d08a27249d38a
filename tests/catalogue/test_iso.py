"""The ISO 19139 record, parsed with lxml and checked for the gmd/gco namespaces, the
elements ISO 19115 makes mandatory for a dataset, and the order the 19139 schema's
sequences demand. (The official ISO 19139 XSDs are not on this machine, nor in the
reference library: this is a structural check, not schema validation.)"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from lxml import etree

from catalogue.models import Dataset

NS = {"gmd": "http://www.isotc211.org/2005/gmd", "gco": "http://www.isotc211.org/2005/gco",
      "gml": "http://www.opengis.net/gml/3.2", "xlink": "http://www.w3.org/1999/xlink"}
# The xs:sequence of gmd:MD_Metadata_Type and of gmd:MD_DataIdentification_Type (with
# AbstractMD_Identification_Type's elements first), from ISO 19139:2007.
METADATA_SEQUENCE = [
    "fileIdentifier", "language", "characterSet", "parentIdentifier", "hierarchyLevel", "hierarchyLevelName",
    "contact", "dateStamp", "metadataStandardName", "metadataStandardVersion", "dataSetURI", "locale",
    "spatialRepresentationInfo", "referenceSystemInfo", "metadataExtensionInfo", "identificationInfo",
    "contentInfo", "distributionInfo", "dataQualityInfo",
]
IDENTIFICATION_SEQUENCE = [
    "citation", "abstract", "purpose", "credit", "status", "pointOfContact", "resourceMaintenance",
    "graphicOverview", "resourceFormat", "descriptiveKeywords", "resourceSpecificUsage", "resourceConstraints",
    "aggregationInfo", "spatialRepresentationType", "spatialResolution", "language", "characterSet",
    "topicCategory", "environmentDescription", "extent", "supplementalInformation",
]
MANDATORY = [
    "gmd:contact/gmd:CI_ResponsibleParty/gmd:role/gmd:CI_RoleCode",
    "gmd:dateStamp/gco:DateTime",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:citation/gmd:CI_Citation/gmd:title/gco:CharacterString",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:citation/gmd:CI_Citation/gmd:date/gmd:CI_Date/gmd:dateType/gmd:CI_DateTypeCode",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:abstract/gco:CharacterString",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:language/gmd:LanguageCode",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:topicCategory/gmd:MD_TopicCategoryCode",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:extent/gmd:EX_Extent/gmd:geographicElement/gmd:EX_GeographicBoundingBox",
]


def record_of(world, **metadata):
    if metadata:
        Dataset.objects.create(layer=world.roads, **{**Dataset.defaults_for(world.roads), **metadata})
    response = Client().get(reverse("dataset-iso", args=["krathum-baen", "roads"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)


def local_names(node):
    return [etree.QName(child).localname for child in node]


def in_order(names, sequence):
    positions = [sequence.index(name) for name in names]
    return positions == sorted(positions)


def test_the_record_is_gmd_metadata_with_every_mandatory_element_in_schema_order(world):
    root = record_of(world)
    assert root.tag == "{http://www.isotc211.org/2005/gmd}MD_Metadata"
    for path in MANDATORY:
        assert root.xpath(path, namespaces=NS), path
    assert in_order(local_names(root), METADATA_SEQUENCE)
    identification = root.find("gmd:identificationInfo/gmd:MD_DataIdentification", NS)
    assert in_order(local_names(identification), IDENTIFICATION_SEQUENCE)
    # Every code list value points at its code list.
    for code in root.xpath("//*[@codeListValue]"):
        assert code.get("codeList").endswith("#" + etree.QName(code).localname)


def test_the_record_says_what_the_dataset_is_where_it_is_and_where_to_get_it(world):
    root = record_of(world)
    text = lambda path: root.xpath(path + "/text()", namespaces=NS)  # noqa: E731
    identification = "gmd:identificationInfo/gmd:MD_DataIdentification/"
    assert text(identification + "gmd:citation/gmd:CI_Citation/gmd:title/gco:CharacterString") == ["ถนน เทศบาลเมืองกระทุ่มแบน"]
    assert text(identification + "gmd:topicCategory/gmd:MD_TopicCategoryCode") == ["transportation"]
    box = identification + "gmd:extent/gmd:EX_Extent/gmd:geographicElement/gmd:EX_GeographicBoundingBox/"
    bounds = [float(text(box + f"gmd:{side}/gco:Decimal")[0]) for side in
              ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")]
    assert bounds == pytest.approx([100.25, 100.26, 13.65, 13.66])
    links = text("gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions/gmd:MD_DigitalTransferOptions/gmd:onLine/gmd:CI_OnlineResource/gmd:linkage/gmd:URL")
    assert f"http://testserver/api/v1/layers/{world.roads.pk}/export/?format=gpkg" in links and len(links) == 6
    completeness = text("gmd:dataQualityInfo/gmd:DQ_DataQuality/gmd:report/gmd:DQ_CompletenessOmission/gmd:result/gmd:DQ_QuantitativeResult/gmd:value/gco:Record")
    assert completeness == ["0.0"]


def test_the_geospatial_extras_a_manager_gives_are_in_the_record(world):
    root = record_of(
        world, equivalent_scale="4000", positional_accuracy_m=2.5, maintainer_email="gis@krathumbaen.go.th",
        reference_period_start=datetime.date(2026, 1, 1), reference_period_end=datetime.date(2026, 6, 30),
    )
    text = lambda path: root.xpath(path + "/text()", namespaces=NS)  # noqa: E731
    assert text("//gmd:equivalentScale/gmd:MD_RepresentativeFraction/gmd:denominator/gco:Integer") == ["4000"]
    assert text("//gmd:DQ_AbsoluteExternalPositionalAccuracy//gmd:value/gco:Record") == ["2.5"]
    assert text("gmd:contact//gmd:electronicMailAddress/gco:CharacterString") == ["gis@krathumbaen.go.th"]
    period = root.xpath("//gmd:EX_TemporalExtent/gmd:extent/gml:TimePeriod", namespaces=NS)[0]
    assert period.get("{http://www.opengis.net/gml/3.2}id")
    assert [period.findtext("gml:beginPosition", namespaces=NS), period.findtext("gml:endPosition", namespaces=NS)] == ["2026-01-01", "2026-06-30"]
