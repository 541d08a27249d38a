"""The words of Thailand's Government Data Catalog (GD-Catalog) and of the standards the
catalogue speaks (DCAT, ISO 19115).

The choice values are our own short codes; the Thai labels are the values GD-Catalog's
CKAN schema (ckanext-tgdcschema `ckan_dataset.json`) stores, so a harvest into a
GD-Catalog portal gets the words it expects. `thai(label)` gives that Thai value whatever
the reader's language.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _, override

# GD-Catalog's data type for every layer here.
DATA_TYPE_TH = "ข้อมูลภูมิสารสนเทศเชิงพื้นที่"


def thai(label):
    with override("th"):
        return str(label)


class DataCategory(models.TextChoices):
    """หมวดหมู่ข้อมูลตามธรรมาภิบาลข้อมูลภาครัฐ."""

    PUBLIC = "public", _("ข้อมูลสาธารณะ")
    INTERNAL = "internal", _("ข้อมูลใช้ภายใน")
    PERSONAL = "personal", _("ข้อมูลส่วนบุคคล")
    SECURITY = "security", _("ข้อมูลความมั่นคง")
    SECRET = "secret", _("ข้อมูลความลับทางราชการ")


class Objective(models.TextChoices):
    PUBLIC_SERVICE = "public_service", _("เพื่อการให้บริการประชาชน")
    MISSION = "mission", _("พันธกิจหน่วยงาน")
    LAW = "law", _("กฎหมายที่เกี่ยวข้อง")
    NATIONAL_STRATEGY = "national_strategy", _("ยุทธศาสตร์ชาติ")
    GOVERNMENT_POLICY = "government_policy", _("นโยบายรัฐบาล/ข้อสั่งการนายกรัฐมนตรี")
    UNKNOWN = "unknown", _("ไม่ทราบ")
    OTHER = "other", _("อื่นๆ")


class Licence(models.TextChoices):
    OGL_TH = "ogl-th", "Open Government License - Thailand"
    CC_BY = "cc-by", "Creative Commons Attributions"
    CC_BY_SA = "cc-by-sa", "Creative Commons Attribution Share-Alike"
    CC_BY_NC = "cc-by-nc", "Creative Commons Attribution Non-Commercial"
    CC_BY_NC_SA = "cc-by-nc-sa", "Creative Commons Attribution Non-Commercial Share-Alike"
    NOT_SPECIFIED = "not-specified", _("ไม่ระบุสัญญาอนุญาต")


# Licence -> a URI for DCAT's dct:license (the OGL-TH has none of its own).
LICENCE_URIS = {
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC_BY_NC: "https://creativecommons.org/licenses/by-nc/4.0/",
    Licence.CC_BY_NC_SA: "https://creativecommons.org/licenses/by-nc-sa/4.0/",
}


class Frequency(models.TextChoices):
    """GD-Catalog's update frequency unit, with the EU frequency vocabulary (DCAT's
    dct:accrualPeriodicity) and ISO 19115's MD_MaintenanceFrequencyCode beside it."""

    REALTIME = "realtime", _("ตามเวลาจริง")
    DAY = "day", _("วัน")
    WEEK = "week", _("สัปดาห์")
    MONTH = "month", _("เดือน")
    QUARTER = "quarter", _("ไตรมาส")
    HALF_YEAR = "half_year", _("ครึ่งปี")
    YEAR = "year", _("ปี")
    NEVER = "never", _("ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล")
    UNKNOWN = "unknown", _("ไม่ทราบ")


EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCY_CODES = {
    # ours: (EU frequency, ISO MD_MaintenanceFrequencyCode)
    Frequency.REALTIME: ("UPDATE_CONT", "continual"),
    Frequency.DAY: ("DAILY", "daily"),
    Frequency.WEEK: ("WEEKLY", "weekly"),
    Frequency.MONTH: ("MONTHLY", "monthly"),
    Frequency.QUARTER: ("QUARTERLY", "quarterly"),
    Frequency.HALF_YEAR: ("ANNUAL_2", "biannually"),
    Frequency.YEAR: ("ANNUAL", "annually"),
    Frequency.NEVER: ("NEVER", "notPlanned"),
    Frequency.UNKNOWN: ("UNKNOWN", "unknown"),
}


class Coverage(models.TextChoices):
    """ขอบเขตเชิงภูมิศาสตร์หรือเชิงพื้นที่ (the place itself is the layer's municipality)."""

    MUNICIPALITY = "municipality", _("เทศบาล/อบต.")
    SUBDISTRICT = "subdistrict", _("ตำบล")
    DISTRICT = "district", _("อำเภอ")
    PROVINCE = "province", _("จังหวัด")
    COORDINATES = "coordinates", _("พิกัด")


class Language(models.TextChoices):
    TH = "th", _("ไทย")
    EN = "en", _("อังกฤษ")
    TH_EN = "th,en", _("ไทยและอังกฤษ")


LANGUAGE_THAI_VALUES = {"th": "ไทย", "en": "อังกฤษ"}
# ISO 639-2 (ISO 19139's LanguageCode) and the Library of Congress ISO 639-1 URIs (DCAT).
ISO_639_2 = {"th": "tha", "en": "eng"}
LOC_639_1 = "http://id.loc.gov/vocabulary/iso639-1/"


class GeographicDataSet(models.TextChoices):
    """ชุดข้อมูลภูมิศาสตร์: the Fundamental Geographic Data Sets (FGDS) GD-Catalog lists."""

    CADASTRE = "cadastre", _("ชั้นข้อมูลแปลงที่ดิน")
    BOUNDARIES = "boundaries", _("ชั้นข้อมูลขอบเขตการปกครอง")
    TRANSPORT = "transport", _("ชั้นข้อมูลเส้นทางคมนาคม")
    SETTLEMENTS = "settlements", _("ชั้นข้อมูลชุมนุม/อาคาร")
    FOREST = "forest", _("ชั้นข้อมูลป่าไม้")
    LAND_USE = "land_use", _("ชั้นข้อมูลการใช้ประโยชน์ที่ดิน")
    WATER = "water", _("ชั้นข้อมูลแหล่งน้ำ")
    HYDROGRAPHY = "hydrography", _("ชั้นข้อมูลอุทกศาสตร์")
    CONTROL_POINTS = "control_points", _("ชั้นข้อมูลหมุดหลักฐานแผนที่")
    ELEVATION = "elevation", _("ชั้นข้อมูลความสูงภูมิประเทศเชิงตัวเลข")


class Scale(models.TextChoices):
    S4000 = "4000", "1:4,000"
    S10000 = "10000", "1:10,000"
    S25000 = "25000", "1:25,000"
    S50000 = "50000", "1:50,000"
    S250000 = "250000", "1:250,000"


# What a layer template means in the catalogue: keywords (Thai and English), the FGDS
# data set where one fits, ISO 19115's topic category, and how often it changes.
TEMPLATE_METADATA = {
    "roads": (["ถนน", "คมนาคม", "roads", "transport"], "transport", "transportation", "year"),
    "drains": (["ท่อระบายน้ำ", "ระบายน้ำ", "drains", "drainage"], "", "utilitiesCommunication", "year"),
    "canals": (["คลอง", "แหล่งน้ำ", "canals", "waterways"], "water", "inlandWaters", "year"),
    "street_lights": (["ไฟฟ้าส่องสว่าง", "ไฟถนน", "street lights"], "", "utilitiesCommunication", "year"),
    "water_supply": (["ประปา", "น้ำประปา", "water supply"], "", "utilitiesCommunication", "year"),
    "landmarks": (["สถานที่สำคัญ", "ท่องเที่ยว", "วัด", "landmarks", "tourism", "temples"], "", "location", "month"),
    "health_facilities": (["สถานพยาบาล", "สาธารณสุข", "health facilities", "health"], "", "health", "year"),
    "welfare_cases": (["สวัสดิการ", "ผู้สูงอายุ", "welfare", "elderly care"], "", "health", "month"),
    "occupation_groups": (["กลุ่มอาชีพ", "ชุมชน", "occupation groups", "community"], "", "economy", "year"),
    "otop_products": (["OTOP", "ผลิตภัณฑ์ชุมชน", "หนึ่งตำบลหนึ่งผลิตภัณฑ์", "community products"], "", "economy", "year"),
    "zones": (["เขตพื้นที่", "ชุมชน", "zones"], "boundaries", "boundaries", "year"),
}
# Layers made from no template: ISO topic category by the layer's category.
CATEGORY_TOPICS = {
    "infrastructure": "structure",
    "landmark": "location",
    "health": "health",
    "welfare": "society",
    "community": "society",
    "zones": "boundaries",
    "other": "location",
}
