"""Demo data: the six first municipalities with sample layers around their real offices.

Everything here is invented sample data (layers carry is_sample=True) except the
municipalities' names, codes and approximate places. Loading is idempotent: what exists
is left as it is, so a second run changes nothing.
"""

import json
import math
import random
import uuid
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPolygon, Point
from django.db import transaction

from .models import Feature, Layer, LayerGrant, Membership, Municipality, Revision, Role

TAMBONS = Path(__file__).parent / "data" / "tambons-six-districts.geojson"
UTM47N = 32647  # all six lie in UTM zone 47N: metres for lengths, buffers and walks

MUNICIPALITIES = [
    # slug, Thai, English, kind, province th/en, DLA code, office (lon, lat), district, tambons, area km²
    dict(slug="tha-muang", name_th="ท่าม่วง", name_en="Tha Muang", kind="subdistrict_municipality",
         province_th="กาญจนบุรี", province_en="Kanchanaburi", dla_code="5710602",
         office=(99.630, 13.960), district="Tha Muang", tambons=["Tha Muang"], area_km2=4.3),
    dict(slug="phra-thaen", name_th="พระแท่น", name_en="Phra Thaen", kind="subdistrict_municipality",
         province_th="กาญจนบุรี", province_en="Kanchanaburi", dla_code="5710505",
         office=(99.7883, 14.0399), district="Tha Maka", tambons=["Phra Thaen"], area_km2=10.6),
    dict(slug="tha-yang", name_th="ท่ายาง", name_en="Tha Yang", kind="subdistrict_municipality",
         province_th="เพชรบุรี", province_en="Phetchaburi", dla_code="5760501",
         office=(99.890, 12.960), district="Tha Yang", tambons=["Tha Yang"], area_km2=79),
    dict(slug="si-don-phai", name_th="ศรีดอนไผ่", name_en="Si Don Phai", kind="subdistrict_municipality",
         province_th="ราชบุรี", province_en="Ratchaburi", dla_code="5700402",
         office=(99.960, 13.520), district="Damnoen Saduak", tambons=None, area_km2=20),
    dict(slug="krathum-baen", name_th="กระทุ่มแบน", name_en="Krathum Baen", kind="town_municipality",
         province_th="สมุทรสาคร", province_en="Samut Sakhon", dla_code="4740202",
         office=(100.2572, 13.6523), district="Krathum Baen", tambons=["Talat Krathum Baen"], area_km2=2.18),
    dict(slug="na-di", name_th="นาดี", name_en="Na Di", kind="subdistrict_municipality",
         province_th="สมุทรสาคร", province_en="Samut Sakhon", dla_code="5740105",
         office=(100.2819, 13.5960), district="Mueang Samut Sakhon", tambons=["Na Di"], area_km2=23.82),
]

# Landmarks the municipalities named; places are approximate (near the office).
LANDMARKS = {
    "tha-muang": [
        ("โบสถ์คริสต์ แม่พระมหาทุกข์ ท่าม่วง", "Catholic Church of Our Lady of Sorrows, Tha Muang", "church"),
        ("ตลาดนางลอย", "Nang Loi Market", "market"),
        ("วัดศรีโลหะราษฎร์บำรุง", "Wat Si Loha Rat Bamrung", "temple"),
    ],
    "si-don-phai": [
        ("วัดประสาทสิทธิธาราม", "Wat Prasat Sitthidaram", "temple"),
        ("วัดหลักหกรัตนาราม", "Wat Lak Hok Rattanaram", "temple"),
        ("วัดอุบลวรรณาราม", "Wat Ubonwannaram", "temple"),
        ("ศาลเจ้าซำปอซี", "Sam Po Si Shrine", "shrine"),
        ("คลองดำเนินสะดวก", "Damnoen Saduak Canal", "canal"),
    ],
    "krathum-baen": [
        ("วัดดอนไก่ดี", "Wat Don Kai Di", "temple"),
        ("ศาลหลวงตาทอง", "San Luang Ta Thong", "shrine"),
        ("ศาลเจ้าเจ้าตาแป๊ะกง", "Chao Ta Pae Kong Shrine", "shrine"),
    ],
    "phra-thaen": [("ตลาดเทศบาลพระแท่น", "Phra Thaen Municipal Market", "market")],
    "tha-yang": [("ตลาดท่ายาง", "Tha Yang Market", "market")],
    "na-di": [("ตลาดนาดี", "Na Di Market", "market")],
}

# (Thai, English, OTOP category or None for an occupation group only)
COMMUNITY = {
    "phra-thaen": [
        ("ไม้กวาดจากขวดพลาสติก", "Brooms from plastic bottles", "craft"),
        ("กลุ่มเลี้ยงไส้เดือน", "Earthworm raising group", None),
        ("วงดนตรีพื้นบ้าน", "Folk music band", None),
    ],
    "tha-yang": [
        ("ข้าวเกรียบชะอม", "Cha-om crackers", "food"),
        ("กล้วยหอมทอง", "Hom Thong bananas", "food"),
        ("ผลิตภัณฑ์แปรรูปมะนาว", "Processed lime products", "food"),
    ],
    "na-di": [
        ("กระเป๋าหนัง", "Leather bags", "textile"),
        ("เครื่องเบญจรงค์", "Benjarong porcelain", "craft"),
        ("ติ่มซำ", "Dim sum", "food"),
    ],
    "krathum-baen": [("บ๊ะจ่าง", "Rice dumplings", "food")],
    "tha-muang": [("กลุ่มจักสานไม้ไผ่", "Bamboo weaving group", "craft")],
    "si-don-phai": [("น้ำตาลมะพร้าว", "Coconut sugar", "food")],
}

HEALTH_CITIES = {"krathum-baen", "na-di"}
FIRST_NAMES = ["สมชาย", "สมศรี", "บุญมี", "ประยูร", "มาลี", "วิไล", "สมพงษ์", "จำเนียร", "ทองดี", "อำไพ", "สุดา", "ชูชาติ"]
LAST_NAMES = ["ใจดี", "มีสุข", "ทองคำ", "ศรีสวัสดิ์", "แก้วมณี", "บุญเรือง", "สายทอง", "พูลผล"]


def load(password, log=print):
    tambons = json.loads(TAMBONS.read_text(encoding="utf-8"))["features"]
    admin = ensure_user("admin", password, superuser=True)
    for spec in MUNICIPALITIES:
        with transaction.atomic():
            municipality = ensure_municipality(spec, tambons)
            ensure_users(municipality, password)
            created = ensure_layers(municipality, spec, tambons, admin)
            log(f"{municipality.slug}: {created} sample features added" if created else f"{municipality.slug}: up to date")


def ensure_user(username, password, superuser=False):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_superuser": superuser, "is_staff": superuser}
    )
    if created:
        user.set_password(password)
        user.save()
    return user


def ensure_users(municipality, password):
    for role in (Role.VIEWER, Role.EDITOR, Role.MANAGER):
        user = ensure_user(f"{municipality.slug}-{role}", password)
        Membership.objects.get_or_create(user=user, municipality=municipality, defaults={"role": role})
    if municipality.slug in HEALTH_CITIES:
        user = ensure_user(f"{municipality.slug}-health", password)
        Membership.objects.get_or_create(user=user, municipality=municipality, defaults={"role": Role.EDITOR})


def approximate_boundary(spec, tambons):
    """The tambon(s) the municipality covers, clipped to a circle of its published area
    around its office. Good enough for demos and 'near the municipality' checks."""
    office = Point(*spec["office"], srid=4326).transform(UTM47N, clone=True)
    radius = math.sqrt(spec["area_km2"] * 1e6 / math.pi) * 1.15
    circle = office.buffer(radius, quadsegs=16)
    parts = [
        GEOSGeometry(json.dumps(t["geometry"]), srid=4326).transform(UTM47N, clone=True)
        for t in tambons
        if t["properties"]["ADM2_EN"] == spec["district"]
        and (spec["tambons"] is None or t["properties"]["ADM3_EN"] in spec["tambons"])
    ]
    area = circle
    if parts:
        union = parts[0]
        for part in parts[1:]:
            union = union.union(part)
        clipped = union.intersection(circle)
        if clipped.area > circle.area * 0.3:
            area = clipped
    area.transform(4326)
    return area if isinstance(area, MultiPolygon) else MultiPolygon(*[p for p in _polygons(area)], srid=4326)


def _polygons(geom):
    return [geom] if geom.geom_type == "Polygon" else [g for g in geom if g.geom_type == "Polygon"]


def ensure_municipality(spec, tambons):
    fields = {k: spec[k] for k in ("name_th", "name_en", "kind", "province_th", "province_en", "dla_code")}
    municipality, created = Municipality.objects.get_or_create(slug=spec["slug"], defaults=fields)
    if created:
        municipality.boundary = approximate_boundary(spec, tambons)
        municipality.save()
    return municipality


class Sampler:
    """Deterministic random places inside a municipality (seeded by its slug)."""

    def __init__(self, municipality):
        self.rng = random.Random(municipality.slug)
        self.area = municipality.boundary.transform(UTM47N, clone=True)
        self.prepared = self.area.prepared
        self.xmin, self.ymin, self.xmax, self.ymax = self.area.extent

    def point_utm(self, near=None, spread=400):
        for _ in range(1000):
            if near is not None:
                p = Point(near.x + self.rng.gauss(0, spread), near.y + self.rng.gauss(0, spread), srid=UTM47N)
            else:
                p = Point(self.rng.uniform(self.xmin, self.xmax), self.rng.uniform(self.ymin, self.ymax), srid=UTM47N)
            if self.prepared.contains(p):
                return p
        return self.area.point_on_surface

    def point(self, **kwargs):
        return self.point_utm(**kwargs).transform(4326, clone=True)

    def walk(self):
        """A road-like line: 6-10 vertices, 60-140 m apart, gently turning."""
        start = self.point_utm()
        heading = self.rng.choice([0, 90, 180, 270]) + self.rng.uniform(-15, 15)
        coords = [(start.x, start.y)]
        for _ in range(self.rng.randint(5, 9)):
            heading += self.rng.uniform(-25, 25)
            step = self.rng.uniform(60, 140)
            x, y = coords[-1]
            coords.append((x + step * math.cos(math.radians(heading)), y + step * math.sin(math.radians(heading))))
        return LineString(coords, srid=UTM47N).transform(4326, clone=True)

    def street_grid(self, target):
        """About `target` street segments on a slightly turned, irregular grid over the
        municipality: one feature per block side, as a road register keeps them."""
        area = self.area.area
        spacing = math.sqrt(2 * area / target)
        angle = math.radians(self.rng.uniform(-20, 20))
        cx, cy = self.area.centroid.x, self.area.centroid.y
        reach = int(math.sqrt(self.area.envelope.area) / spacing) + 2

        def node(i, j):
            # Jittered so that blocks are not perfect squares.
            u, v = i * spacing + self.rng.uniform(-0.15, 0.15) * spacing, j * spacing + self.rng.uniform(-0.15, 0.15) * spacing
            return cx + u * math.cos(angle) - v * math.sin(angle), cy + u * math.sin(angle) + v * math.cos(angle)

        nodes = {(i, j): node(i, j) for i in range(-reach, reach + 1) for j in range(-reach, reach + 1)}
        segments = []
        for (i, j), start in nodes.items():
            for end in (nodes.get((i + 1, j)), nodes.get((i, j + 1))):
                if end is None or self.rng.random() < 0.15:  # some blocks are not cut through
                    continue
                middle = ((start[0] + end[0]) / 2 + self.rng.gauss(0, spacing * 0.04),
                          (start[1] + end[1]) / 2 + self.rng.gauss(0, spacing * 0.04))
                line = LineString([start, middle, end], srid=UTM47N)
                if self.prepared.contains(line.centroid):
                    segments.append(line.transform(4326, clone=True))
        return segments

    def choice(self, values, weights=None):
        return self.rng.choices(values, weights=weights)[0]

    def day(self):
        return (date(2024, 1, 1) + timedelta(days=self.rng.randint(0, 1000))).isoformat()


def ensure_layers(municipality, spec, tambons, admin):
    s = Sampler(municipality)
    office = Point(*spec["office"], srid=4326).transform(UTM47N, clone=True)
    made = {}

    def layer(template, features, **overrides):
        obj = Layer.objects.filter(municipality=municipality, slug=template.replace("_", "-")).first()
        if obj is None:
            obj = Layer.from_template(municipality, template, is_sample=True, **overrides)
            obj.full_clean()
            obj.save()
        # Only a layer that never had features gets samples: a second run, or a layer whose
        # features someone deleted on purpose, is left alone.
        if not Revision.objects.filter(layer=obj).exists():
            made[template] = add_features(obj, features(), admin)
        return obj

    roads = s.street_grid(280)
    surfaces = ["asphalt", "concrete", "laterite", "gravel", "earth"]
    conditions = ["good", "fair", "poor", "damaged"]
    layer("roads", lambda: [
        (geom, {"name_th": f"ถนนเทศบาล {i + 1}", "name_en": f"Municipal Road {i + 1}", "road_code": f"{municipality.dla_code}-R{i + 1:03d}",
                "surface": s.choice(surfaces, [5, 6, 2, 1, 1]), "condition": s.choice(conditions, [5, 3, 2, 1]),
                "width_m": round(s.rng.uniform(4, 9), 1), "lanes": 2, "survey_date": s.day()})
        for i, geom in enumerate(roads)
    ])
    # Drains run along the roads, a few metres to the side.
    layer("drains", lambda: [
        (shift(geom, 4), {"drain_code": f"D{i + 1:03d}", "kind": s.choice(["pipe", "box", "open"], [5, 2, 2]),
                          "diameter_m": s.choice([0.4, 0.6, 0.8, 1.0]), "condition": s.choice(conditions, [4, 3, 2, 1]),
                          "blocked": s.rng.random() < 0.1, "survey_date": s.day()})
        for i, geom in enumerate(roads[:160])
    ])
    layer("street_lights", lambda: [
        (Point(*geom.coords[j], srid=4326), {"pole_code": f"L{i + 1:03d}-{j}", "lamp": s.choice(["led", "sodium"], [3, 1]),
                                              "watts": s.choice([40, 60, 100]), "working": s.rng.random() > 0.08})
        for i, geom in enumerate(roads[:60]) for j in range(0, len(geom.coords), 3)
    ])
    layer("landmarks", lambda: [
        (s.point(near=office, spread=500), {"name_th": th, "name_en": en, "kind": kind,
                                            "description_th": f"{th} (ข้อมูลตัวอย่าง ตำแหน่งโดยประมาณ)",
                                            "description_en": f"{en} (sample data, approximate location)"})
        for th, en, kind in LANDMARKS[municipality.slug]
    ])
    layer("health_facilities", lambda: [
        (s.point(near=office, spread=800), {"name_th": th, "name_en": en, "kind": kind, "beds": beds, "phone": "0 3400 0000"})
        for th, en, kind, beds in [
            (f"โรงพยาบาล{municipality.name_th}", f"{municipality.name_en} Hospital", "hospital", 60),
            (f"รพ.สต.{municipality.name_th}", f"{municipality.name_en} Health Promoting Hospital", "sub_district", 0),
            (f"คลินิกเวชกรรม{municipality.name_th}", f"{municipality.name_en} Clinic", "clinic", 0),
            (f"ร้านยา{municipality.name_th}", f"{municipality.name_en} Pharmacy", "pharmacy", 0),
        ]
    ])
    community = COMMUNITY[municipality.slug]
    layer("occupation_groups", lambda: [
        (s.point(), {"name_th": f"กลุ่ม{th}" if not th.startswith(("กลุ่ม", "วง")) else th, "name_en": en,
                     "members": s.rng.randint(8, 40), "description_th": f"{th} (ข้อมูลตัวอย่าง)", "description_en": f"{en} (sample data)"})
        for th, en, _ in community
    ])
    layer("otop_products", lambda: [
        (s.point(), {"name_th": th, "name_en": en, "category": category, "stars": s.rng.randint(3, 5),
                     "price_baht": s.choice([50, 80, 120, 350, 1200]), "producer": f"กลุ่ม{th}",
                     "description_th": f"{th} ผลิตภัณฑ์ของดี{municipality.name_th} (ข้อมูลตัวอย่าง)",
                     "description_en": f"{en}, a product of {municipality.name_en} (sample data)"})
        for th, en, category in community if category
    ])
    layer("zones", lambda: zones(municipality, spec, tambons))
    if municipality.slug == "si-don-phai":
        layer("canals", lambda: [
            (s.walk(), {"name_th": "คลองดำเนินสะดวก", "name_en": "Damnoen Saduak Canal", "width_m": 30, "navigable": True})
        ])
    if municipality.slug in HEALTH_CITIES:
        welfare = layer("welfare_cases", lambda: [
            (s.point(), {"case_code": f"{municipality.slug[:2].upper()}-{i + 1:03d}",
                         "full_name": f"{s.choice(FIRST_NAMES)} {s.choice(LAST_NAMES)} (สมมติ)",
                         "birth_year": s.rng.randint(1935, 1965), "group": s.choice(["elderly", "disabled", "bedridden"], [6, 2, 1]),
                         "caregiver_phone": f"08{s.rng.randint(10000000, 99999999)}", "last_visit": s.day()})
            for i in range(40)
        ])
        health = get_user_model().objects.get(username=f"{municipality.slug}-health")
        LayerGrant.objects.get_or_create(layer=welfare, user=health, defaults={"can_edit": True})
    return sum(made.values())


def shift(line, metres):
    utm = line.transform(UTM47N, clone=True)
    return LineString([(x + metres, y + metres) for x, y in utm.coords], srid=UTM47N).transform(4326, clone=True)


def zones(municipality, spec, tambons):
    result = []
    for t in tambons:
        if t["properties"]["ADM2_EN"] != spec["district"]:
            continue
        geom = GEOSGeometry(json.dumps(t["geometry"]), srid=4326)
        if not geom.intersects(municipality.boundary):
            continue
        part = geom.intersection(municipality.boundary)
        if part.geom_type not in ("Polygon", "MultiPolygon") or part.area == 0:
            continue
        result.append((part, {"name_th": f"ตำบล{t['properties']['ADM3_TH']}", "name_en": f"{t['properties']['ADM3_EN']} subdistrict"}))
    return result


def add_features(layer, rows, user):
    """Validated through the layer like any edit, stored in bulk, recorded as one import."""
    batch = uuid.uuid4()
    features = []
    for geom, properties in rows:
        geom, properties = layer.clean_feature(geom, properties)
        features.append(Feature(layer=layer, geom=geom, properties=properties, created_by=user, updated_by=user))
    Feature.objects.bulk_create(features)
    Revision.objects.bulk_create(
        Revision(layer=layer, feature_id=f.pk, action=Revision.Action.IMPORT, version=1, user=user, batch=batch)
        for f in features
    )
    return len(features)
