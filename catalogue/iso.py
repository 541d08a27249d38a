"""An ISO 19115 metadata record in ISO 19139 XML (gmd/gco) for one geospatial dataset.

Code lists point at the ISO TC 211 register of codelists; gml is GML 3.2, the version
ISO 19139:2007 uses."""

from lxml import etree

from .models import municipality_title
from .vocabulary import FREQUENCY_CODES, ISO_639_2

GMD = "http://www.isotc211.org/2005/gmd"
GCO = "http://www.isotc211.org/2005/gco"
GML = "http://www.opengis.net/gml/3.2"
XLINK = "http://www.w3.org/1999/xlink"
NAMESPACES = {"gmd": GMD, "gco": GCO, "gml": GML, "xlink": XLINK}
CODELISTS = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml"


def element(qualified, *children, text=None, **attributes):
    prefix, name = qualified.split(":")
    node = etree.Element(f"{{{NAMESPACES[prefix]}}}{name}", nsmap=NAMESPACES)
    for key, value in attributes.items():
        if ":" in key:
            space, local = key.split(":")
            key = f"{{{NAMESPACES[space]}}}{local}"
        node.set(key, value)
    if text is not None:
        node.text = str(text)
    node.extend(child for child in children if child is not None)
    return node


def string(qualified, value):
    return element(qualified, element("gco:CharacterString", text=value))


def code(qualified, codelist, value):
    return element(qualified, element(f"gmd:{codelist}", text=value, codeList=f"{CODELISTS}#{codelist}", codeListValue=value))


def date(value, kind):
    return element(
        "gmd:date",
        element(
            "gmd:CI_Date",
            element("gmd:date", element("gco:DateTime", text=value.isoformat(timespec="seconds"))),
            code("gmd:dateType", "CI_DateTypeCode", kind),
        ),
    )


def party(dataset, role):
    contact = element(
        "gmd:CI_Contact",
        element(
            "gmd:phone", element("gmd:CI_Telephone", string("gmd:voice", dataset.telephone))
        ) if dataset.telephone else None,
        element(
            "gmd:address", element("gmd:CI_Address", string("gmd:electronicMailAddress", dataset.maintainer_email))
        ) if dataset.maintainer_email else None,
    )
    return element(
        "gmd:CI_ResponsibleParty",
        string("gmd:individualName", dataset.maintainer),
        string("gmd:organisationName", municipality_title(dataset.municipality)),
        element("gmd:contactInfo", contact),
        code("gmd:role", "CI_RoleCode", role),
    )


def decimal(qualified, value):
    return element(qualified, element("gco:Decimal", text=repr(float(value))))


def extent(dataset, figures):
    parts = [string("gmd:description", municipality_title(dataset.municipality))]
    if figures.extent:
        west, south, east, north = figures.extent
        parts.append(element(
            "gmd:geographicElement",
            element(
                "gmd:EX_GeographicBoundingBox",
                decimal("gmd:westBoundLongitude", west),
                decimal("gmd:eastBoundLongitude", east),
                decimal("gmd:southBoundLatitude", south),
                decimal("gmd:northBoundLatitude", north),
            ),
        ))
    start, end = dataset.reference_period_start, dataset.reference_period_end
    if start or end:
        parts.append(element(
            "gmd:temporalElement",
            element(
                "gmd:EX_TemporalExtent",
                element(
                    "gmd:extent",
                    element(
                        "gml:TimePeriod",
                        element("gml:beginPosition", text=start.isoformat() if start else None,
                                **({} if start else {"indeterminatePosition": "unknown"})),
                        element("gml:endPosition", text=end.isoformat() if end else None,
                                **({} if end else {"indeterminatePosition": "now"})),
                        **{"gml:id": f"reference-period-{dataset.layer.pk}"},
                    ),
                ),
            ),
        ))
    return element("gmd:extent", element("gmd:EX_Extent", *parts))


def identification(dataset, figures, links):
    abstract = dataset.description_th or dataset.description_en or dataset.title_th
    constraints = element(
        "gmd:resourceConstraints",
        element(
            "gmd:MD_LegalConstraints",
            string("gmd:useLimitation", dataset.get_licence_display()),
            code("gmd:accessConstraints", "MD_RestrictionCode", "license"),
        ),
    )
    scale = None
    if dataset.equivalent_scale:
        scale = element(
            "gmd:spatialResolution",
            element(
                "gmd:MD_Resolution",
                element(
                    "gmd:equivalentScale",
                    element("gmd:MD_RepresentativeFraction", element("gmd:denominator", element("gco:Integer", text=dataset.equivalent_scale))),
                ),
            ),
        )
    return element(
        "gmd:identificationInfo",
        element(
            "gmd:MD_DataIdentification",
            element(
                "gmd:citation",
                element(
                    "gmd:CI_Citation",
                    string("gmd:title", dataset.title_th),
                    string("gmd:alternateTitle", dataset.title_en) if dataset.title_en else None,
                    date(dataset.layer.created_at, "creation"),
                    date(figures.last_change, "revision"),
                    element("gmd:identifier", element("gmd:MD_Identifier", string("gmd:code", links.page(dataset)))),
                ),
            ),
            string("gmd:abstract", abstract),
            string("gmd:purpose", dataset.get_objective_display()),
            element("gmd:pointOfContact", party(dataset, "pointOfContact")),
            element(
                "gmd:resourceMaintenance",
                element(
                    "gmd:MD_MaintenanceInformation",
                    code("gmd:maintenanceAndUpdateFrequency", "MD_MaintenanceFrequencyCode", FREQUENCY_CODES[dataset.update_frequency][1]),
                ),
            ),
            element(
                "gmd:descriptiveKeywords",
                element("gmd:MD_Keywords", *[string("gmd:keyword", word) for word in dataset.keywords]),
            ) if dataset.keywords else None,
            constraints,
            code("gmd:spatialRepresentationType", "MD_SpatialRepresentationTypeCode", "vector"),
            scale,
            *[code("gmd:language", "LanguageCode", ISO_639_2[language]) for language in dataset.languages()],
            code("gmd:characterSet", "MD_CharacterSetCode", "utf8"),
            element("gmd:topicCategory", element("gmd:MD_TopicCategoryCode", text=dataset.iso_topic)),
            extent(dataset, figures),
        ),
    )


def distribution(dataset, links):
    formats = [
        element("gmd:distributionFormat", element("gmd:MD_Format", string("gmd:name", name), element("gmd:version", **{"gco:nilReason": "inapplicable"})))
        for _key, name, _ckan, _media in dataset.downloads()
    ]
    online = [
        element(
            "gmd:onLine",
            element(
                "gmd:CI_OnlineResource",
                element("gmd:linkage", element("gmd:URL", text=links.download(dataset, key))),
                string("gmd:protocol", "WWW:DOWNLOAD-1.0-http--download"),
                string("gmd:name", name),
                code("gmd:function", "CI_OnLineFunctionCode", "download"),
            ),
        )
        for key, name, _ckan, _media in dataset.downloads()
    ]
    return element(
        "gmd:distributionInfo",
        element(
            "gmd:MD_Distribution",
            *formats,
            element("gmd:transferOptions", element("gmd:MD_DigitalTransferOptions", *online)),
        ),
    )


def quality(dataset, figures):
    reports = []
    if dataset.positional_accuracy_m is not None:
        reports.append(element(
            "gmd:report",
            element(
                "gmd:DQ_AbsoluteExternalPositionalAccuracy",
                element(
                    "gmd:result",
                    element(
                        "gmd:DQ_QuantitativeResult",
                        element("gmd:valueUnit", **{"xlink:href": "http://www.opengis.net/def/uom/EPSG/0/9001"}),
                        element("gmd:value", element("gco:Record", text=repr(dataset.positional_accuracy_m))),
                    ),
                ),
            ),
        ))
    if figures.completeness is not None:
        # Omission as a rate: the share of features missing a required attribute.
        reports.append(element(
            "gmd:report",
            element(
                "gmd:DQ_CompletenessOmission",
                string("gmd:measureDescription", "share of features missing a required attribute"),
                element(
                    "gmd:result",
                    element(
                        "gmd:DQ_QuantitativeResult",
                        element("gmd:valueUnit", **{"xlink:href": "http://www.opengis.net/def/uom/UCUM/0/%25"}),
                        element("gmd:value", element("gco:Record", text=f"{(1 - figures.completeness) * 100:.1f}")),
                    ),
                ),
            ),
        ))
    return element(
        "gmd:dataQualityInfo",
        element(
            "gmd:DQ_DataQuality",
            element("gmd:scope", element("gmd:DQ_Scope", code("gmd:level", "MD_ScopeCode", "dataset"))),
            *reports,
            element("gmd:lineage", element("gmd:LI_Lineage", string("gmd:statement", dataset.data_source))),
        ),
    )


def record(dataset, figures, links):
    """The ISO 19139 document (bytes, UTF-8)."""
    root = element(
        "gmd:MD_Metadata",
        string("gmd:fileIdentifier", dataset.name),
        code("gmd:language", "LanguageCode", "tha"),
        code("gmd:characterSet", "MD_CharacterSetCode", "utf8"),
        code("gmd:hierarchyLevel", "MD_ScopeCode", "dataset"),
        element("gmd:contact", party(dataset, "pointOfContact")),
        element("gmd:dateStamp", element("gco:DateTime", text=dataset.metadata_modified(figures).isoformat(timespec="seconds"))),
        string("gmd:metadataStandardName", "ISO 19115:2003/19139"),
        string("gmd:metadataStandardVersion", "1.0"),
        element(
            "gmd:referenceSystemInfo",
            element(
                "gmd:MD_ReferenceSystem",
                element(
                    "gmd:referenceSystemIdentifier",
                    element("gmd:RS_Identifier", string("gmd:code", "4326"), string("gmd:codeSpace", "EPSG")),
                ),
            ),
        ),
        identification(dataset, figures, links),
        distribution(dataset, links),
        quality(dataset, figures),
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
