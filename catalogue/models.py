"""A dataset is a layer described for a data catalogue: the metadata Thailand's
Government Data Catalog (GD-Catalog) asks for, and figures computed from the data.

A layer has its dataset's metadata stored only once a manager edits it; until then
`Dataset.of(layer)` gives an unsaved one with defaults derived from the layer, its
template and its municipality, so the catalogue needs no second record kept in step by
signals. Who sees which dataset is who sees which layer (`Layer.objects.visible_to`).
"""

import json
import operator
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Max, Q
from django.contrib.gis.db.models import Extent
from django.utils.translation import gettext_lazy as _, override

from layers.exports import FORMATS
from layers.models import Access, Feature, Layer, Revision
from layers.schema import bilingual

from .vocabulary import (
    CATEGORY_TOPICS, TEMPLATE_METADATA, Coverage, DataCategory, Frequency, GeographicDataSet, Language,
    Licence, Objective, Scale,
)

MAX_KEYWORDS = 30
MAX_KEYWORD_LENGTH = 60

# Export format -> (name in the catalogue, CKAN's format word).
FORMAT_NAMES = {
    "gpkg": ("GeoPackage", "GPKG"),
    "shp": ("Shapefile (zip)", "SHP"),
    "geojson": ("GeoJSON", "GeoJSON"),
    "kml": ("KML", "KML"),
    "csv": ("CSV", "CSV"),
    "dxf": ("DXF", "DXF"),
}

FIELD_TYPE_LABELS = {
    "text": _("ข้อความ"),
    "integer": _("จำนวนเต็ม"),
    "number": _("ตัวเลข"),
    "date": _("วันที่"),
    "boolean": _("ใช่/ไม่ใช่"),
    "choice": _("ตัวเลือก"),
    "url": _("ลิงก์ (URL)"),
}


def municipality_title(municipality, language="th"):
    """"เทศบาลตำบลท่าม่วง" / "Tha Muang Subdistrict Municipality", in the language asked
    for whatever the reader's (records carry both)."""
    with override(language):
        kind = str(municipality.get_kind_display())
    return f"{municipality.name_en} {kind}" if language == "en" else f"{kind}{municipality.name_th}"


@dataclass(frozen=True)
class Figures:
    """What the data says about itself, counted in PostGIS."""

    feature_count: int
    complete_count: int
    extent: tuple | None  # (west, south, east, north), WGS84 degrees
    last_change: datetime

    @property
    def completeness(self):
        """The share of features with every required attribute (None without features)."""
        return self.complete_count / self.feature_count if self.feature_count else None


class Dataset(models.Model):
    layer = models.OneToOneField(Layer, on_delete=models.CASCADE, related_name="dataset")
    title_th = models.CharField(_("ชื่อชุดข้อมูล (ไทย)"), max_length=300)
    title_en = models.CharField(_("ชื่อชุดข้อมูล (อังกฤษ)"), max_length=300, blank=True)
    description_th = models.TextField(_("คำอธิบาย (ไทย)"), blank=True)
    description_en = models.TextField(_("คำอธิบาย (อังกฤษ)"), blank=True)
    objective = models.CharField(_("วัตถุประสงค์"), max_length=30, choices=Objective.choices, default=Objective.PUBLIC_SERVICE)
    maintainer = models.CharField(_("ชื่อฝ่ายงานสำหรับติดต่อ"), max_length=200)
    maintainer_email = models.EmailField(_("อีเมลสำหรับติดต่อ"), blank=True)
    telephone = models.CharField(_("เบอร์โทรผู้ติดต่อ"), max_length=50, blank=True)
    keywords = models.JSONField(_("คำสำคัญ"), default=list, blank=True)
    data_category = models.CharField(_("หมวดหมู่ข้อมูลตามธรรมาภิบาลข้อมูลภาครัฐ"), max_length=12, choices=DataCategory.choices)
    licence = models.CharField(_("สัญญาอนุญาต"), max_length=20, choices=Licence.choices)
    update_frequency = models.CharField(_("ความถี่ของการปรับปรุงข้อมูล"), max_length=12, choices=Frequency.choices)
    geo_coverage = models.CharField(_("ขอบเขตเชิงภูมิศาสตร์"), max_length=12, choices=Coverage.choices, default=Coverage.MUNICIPALITY)
    data_source = models.TextField(_("แหล่งที่มา"))
    data_language = models.CharField(_("ภาษาที่ใช้"), max_length=5, choices=Language.choices, default=Language.TH)
    high_value = models.BooleanField(_("ชุดข้อมูลมูลค่าสูง (High Value Dataset)"), default=False)
    geographic_data_set = models.CharField(_("ชุดข้อมูลภูมิศาสตร์พื้นฐาน (FGDS)"), max_length=20, choices=GeographicDataSet.choices, blank=True)
    equivalent_scale = models.CharField(_("มาตราส่วน"), max_length=8, choices=Scale.choices, blank=True)
    positional_accuracy_m = models.FloatField(_("ความถูกต้องของตำแหน่ง (เมตร)"), null=True, blank=True, validators=[MinValueValidator(0)])
    reference_period_start = models.DateField(_("เวลาอ้างอิง ตั้งแต่"), null=True, blank=True)
    reference_period_end = models.DateField(_("เวลาอ้างอิง ถึง"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["layer"]

    def __str__(self):
        return f"dataset {self.layer}"

    @classmethod
    def of(cls, layer):
        """The layer's stored metadata, or (unsaved) the defaults derived from it."""
        try:
            return layer.dataset
        except cls.DoesNotExist:
            return cls(layer=layer, **cls.defaults_for(layer))

    @staticmethod
    def defaults_for(layer):
        municipality = layer.municipality
        keywords, fgds, _topic, frequency = TEMPLATE_METADATA.get(layer.template, ([], "", "", Frequency.YEAR))
        place = [municipality.name_th, municipality.province_th]
        if layer.access == Access.PUBLIC:
            category = DataCategory.PUBLIC
        elif layer.access == Access.RESTRICTED:
            # Restricted layers hold people's records (welfare cases): personal data.
            category = DataCategory.PERSONAL
        else:
            category = DataCategory.INTERNAL
        return {
            "title_th": f"{layer.name_th} {municipality_title(municipality)}",
            "title_en": f"{layer.name_en}, {municipality_title(municipality, 'en')}" if layer.name_en else "",
            # Catalogues want an abstract: the layer's own, else what and where it is.
            "description_th": layer.description_th
            or f"ข้อมูล{layer.name_th}ใน{municipality_title(municipality)} จังหวัด{municipality.province_th}",
            "description_en": layer.description_en
            or (f"{layer.name_en} of {municipality_title(municipality, 'en')}, {municipality.province_en}" if layer.name_en else ""),
            "maintainer": municipality_title(municipality),
            "keywords": list(dict.fromkeys(keywords + place)),
            "data_category": category,
            "licence": Licence.OGL_TH if layer.access == Access.PUBLIC else Licence.NOT_SPECIFIED,
            "update_frequency": frequency,
            "data_source": f"สำรวจและบันทึกโดย{municipality_title(municipality)}",
            "geographic_data_set": fgds,
        }

    def clean(self):
        errors = {}
        keywords = self.keywords
        if not isinstance(keywords, list) or not all(isinstance(word, str) and word.strip() for word in keywords):
            errors["keywords"] = bilingual("คำสำคัญต้องเป็นรายการคำที่ไม่ว่าง", "Keywords must be a list of non-empty words.")
        elif len(keywords) > MAX_KEYWORDS:
            errors["keywords"] = bilingual(f"คำสำคัญได้ไม่เกิน {MAX_KEYWORDS} คำ", f"At most {MAX_KEYWORDS} keywords.")
        elif any(len(word) > MAX_KEYWORD_LENGTH or "," in word for word in keywords):
            errors["keywords"] = bilingual(
                f"คำสำคัญแต่ละคำยาวได้ไม่เกิน {MAX_KEYWORD_LENGTH} ตัวอักษรและไม่มีจุลภาค",
                f"Each keyword is at most {MAX_KEYWORD_LENGTH} characters, without commas.",
            )
        # A layer anyone may read is public data; calling it anything else would publish
        # data the catalogue itself says must not be published.
        if self.layer.access == Access.PUBLIC and self.data_category != DataCategory.PUBLIC:
            errors["data_category"] = bilingual(
                "ชั้นข้อมูลนี้เปิดเผยต่อสาธารณะ หมวดหมู่ต้องเป็นข้อมูลสาธารณะ (หรือเปลี่ยนสิทธิ์ของชั้นข้อมูลก่อน)",
                "This layer is public, so its data category is public (or change the layer's access first).",
            )
        if self.layer.template == "welfare_cases" and self.data_category != DataCategory.PERSONAL:
            errors["data_category"] = bilingual(
                "ข้อมูลผู้ต้องการการดูแลเป็นข้อมูลส่วนบุคคล", "Welfare cases are personal data.",
            )
        if self.layer.access == Access.PUBLIC and self.licence == Licence.NOT_SPECIFIED:
            errors["licence"] = bilingual(
                "ชุดข้อมูลสาธารณะต้องระบุสัญญาอนุญาต", "A public dataset needs a licence.",
            )
        start, end = self.reference_period_start, self.reference_period_end
        if start and end and start > end:
            errors["reference_period_end"] = bilingual(
                "วันสิ้นสุดต้องไม่ก่อนวันเริ่มต้น", "The end of the reference period cannot be before its start.",
            )
        if errors:
            raise ValidationError(errors)

    # What is derived from the layer, never typed.

    @property
    def municipality(self):
        return self.layer.municipality

    @property
    def name(self):
        """The dataset's name in CKAN and in URLs: unique, stable, ASCII."""
        return f"{self.layer.municipality.slug}-{self.layer.slug}"

    @property
    def is_harvestable(self):
        """Harvested (DCAT, ISO, CKAN) only if a signed-out visitor may read it."""
        return self.layer.access == Access.PUBLIC

    @property
    def iso_topic(self):
        entry = TEMPLATE_METADATA.get(self.layer.template)
        return entry[2] if entry else CATEGORY_TOPICS.get(self.layer.category, "location")

    def languages(self):
        return self.data_language.split(",")

    def data_dictionary(self):
        """The layer's fields as a reader of the data needs them."""
        return [
            {
                "name": field["name"],
                "type": field["type"],
                "type_label": FIELD_TYPE_LABELS[field["type"]],
                "label_th": field.get("label_th", ""),
                "label_en": field.get("label_en", ""),
                "required": bool(field.get("required")),
                "unit": field.get("unit", ""),
                "choices": field.get("choices", []),
            }
            for field in self.layer.schema
        ]

    def downloads(self):
        """(format key, name, CKAN format, media type) of every export format."""
        return [(key, *FORMAT_NAMES[key], spec.content_type) for key, spec in FORMATS.items()]

    def figures(self, user):
        return figures_of([self.layer], user)[self.layer.pk]

    def metadata_modified(self, figures):
        return max(figures.last_change, self.updated_at) if self.updated_at else figures.last_change


def complete(schema):
    """Features with every required attribute of `schema` present and not empty."""
    found = Q()
    for field in schema:
        if field.get("required"):
            name = field["name"]
            found &= Q(properties__has_key=name) & ~Q(**{f"properties__{name}": ""}) & ~Q(**{f"properties__{name}": None})
    return found


def figures_of(layers, user):
    """Layer id -> Figures of the features `user` may see, for any number of layers in two
    grouped queries (one over the features, one over the history). Layers with the same
    required fields (those of one template) share one completeness condition."""
    layers = list(layers)
    if not layers:
        return {}
    by_requirement = defaultdict(list)
    for layer in layers:
        by_requirement[json.dumps([f["name"] for f in layer.schema if f.get("required")])].append(layer)
    complete_somewhere = reduce(operator.or_, (
        Q(layer_id__in=[layer.pk for layer in group]) & complete(group[0].schema) for group in by_requirement.values()
    ))
    ids = [layer.pk for layer in layers]
    rows = {
        row["layer"]: row
        for row in Feature.objects.visible_to(user).filter(layer_id__in=ids).order_by().values("layer").annotate(
            count=Count("pk"), complete=Count("pk", filter=complete_somewhere), extent=Extent("geom"), changed=Max("updated_at"),
        )
    }
    # Deletes leave no feature behind: the history knows when the data last changed.
    history = dict(
        Revision.objects.visible_to(user).filter(layer_id__in=ids).order_by().values_list("layer").annotate(changed=Max("created_at"))
    )
    figures = {}
    for layer in layers:
        row = rows.get(layer.pk, {"count": 0, "complete": 0, "extent": None, "changed": None})
        last = max(value for value in (row["changed"], history.get(layer.pk), layer.updated_at) if value)
        figures[layer.pk] = Figures(row["count"], row["complete"], row["extent"], last)
    return figures


def datasets_of(layers):
    """The datasets of a Layer queryset (already narrowed by `visible_to`)."""
    return [Dataset.of(layer) for layer in layers.select_related("municipality", "dataset")]
