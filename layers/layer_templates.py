"""Layer templates shipped with the platform.

A layer made from a template has the template's fields, so "roads" means the same fields
in every municipality and figures can be rolled up across municipalities. Templates live
in code (not in the database) so that they are versioned and reviewed like code.
"""


def field(name, kind, label_th, label_en, **extra):
    return {"name": name, "type": kind, "label_th": label_th, "label_en": label_en, **extra}


def choice(value, label_th, label_en):
    return {"value": value, "label_th": label_th, "label_en": label_en}


CONDITION = [
    choice("good", "ดี", "Good"),
    choice("fair", "พอใช้", "Fair"),
    choice("poor", "ชำรุดเล็กน้อย", "Poor"),
    choice("damaged", "ชำรุดมาก", "Damaged"),
]


def name_fields():
    return [
        field("name_th", "text", "ชื่อ (ไทย)", "Name (Thai)", required=True),
        field("name_en", "text", "ชื่อ (อังกฤษ)", "Name (English)"),
    ]


def description_fields():
    return [
        field("description_th", "text", "คำอธิบาย (ไทย)", "Description (Thai)"),
        field("description_en", "text", "คำอธิบาย (อังกฤษ)", "Description (English)"),
    ]


def condition_field(**extra):
    return field("condition", "choice", "สภาพ", "Condition", choices=CONDITION, default="good", **extra)


def note_fields():
    return [
        field("survey_date", "date", "วันที่สำรวจ", "Survey date"),
        field("note", "text", "หมายเหตุ", "Note"),
    ]


def point_style(color, radius=6):
    return {"color": color, "fillColor": color, "radius": radius, "weight": 1, "fillOpacity": 0.9}


def line_style(color, weight=3, dash=None):
    return {"color": color, "weight": weight, **({"dashArray": dash} if dash else {})}


TEMPLATES = {
    "roads": {
        "name_th": "ถนน",
        "name_en": "Roads",
        "category": "infrastructure",
        "geometry_type": "LineString",
        "access": "public",
        "style": line_style("#d35400", 4),
        "schema": name_fields()
        + [
            field("road_code", "text", "รหัสสายทาง", "Road code"),
            field(
                "surface",
                "choice",
                "ผิวจราจร",
                "Surface",
                required=True,
                default="asphalt",
                choices=[
                    choice("asphalt", "ลาดยาง", "Asphalt"),
                    choice("concrete", "คอนกรีต", "Concrete"),
                    choice("laterite", "ลูกรัง", "Laterite"),
                    choice("gravel", "หินคลุก", "Gravel"),
                    choice("earth", "ดิน", "Earth"),
                ],
            ),
            condition_field(required=True),
            field("width_m", "number", "ความกว้าง", "Width", unit="m"),
            field("lanes", "integer", "จำนวนช่องจราจร", "Lanes"),
        ]
        + note_fields(),
    },
    "drains": {
        "name_th": "ท่อระบายน้ำ",
        "name_en": "Drains",
        "category": "infrastructure",
        "geometry_type": "LineString",
        "access": "internal",
        "style": line_style("#2980b9", 3, "6 4"),
        "schema": [
            field("drain_code", "text", "รหัสท่อ", "Drain code"),
            field(
                "kind",
                "choice",
                "ประเภท",
                "Kind",
                required=True,
                default="pipe",
                choices=[
                    choice("pipe", "ท่อกลม", "Pipe"),
                    choice("box", "รางสี่เหลี่ยม (Box culvert)", "Box culvert"),
                    choice("open", "รางเปิด", "Open ditch"),
                ],
            ),
            field("diameter_m", "number", "ขนาดเส้นผ่านศูนย์กลาง", "Diameter", unit="m"),
            condition_field(required=True),
            field("blocked", "boolean", "มีการอุดตัน", "Blocked", default=False),
        ]
        + note_fields(),
    },
    "canals": {
        "name_th": "คลอง",
        "name_en": "Canals",
        "category": "infrastructure",
        "geometry_type": "LineString",
        "access": "public",
        "style": line_style("#1abc9c", 5),
        "schema": name_fields()
        + [
            field("width_m", "number", "ความกว้าง", "Width", unit="m"),
            field("navigable", "boolean", "เดินเรือได้", "Navigable"),
            condition_field(),
        ]
        + note_fields(),
    },
    "street_lights": {
        "name_th": "ไฟฟ้าส่องสว่าง",
        "name_en": "Street lights",
        "category": "infrastructure",
        "geometry_type": "Point",
        "access": "internal",
        "style": point_style("#f1c40f", 4),
        "schema": [
            field("pole_code", "text", "รหัสเสา", "Pole code"),
            field(
                "lamp",
                "choice",
                "ชนิดหลอด",
                "Lamp",
                default="led",
                choices=[
                    choice("led", "แอลอีดี", "LED"),
                    choice("sodium", "โซเดียม", "Sodium"),
                    choice("fluorescent", "ฟลูออเรสเซนต์", "Fluorescent"),
                ],
            ),
            field("watts", "integer", "กำลังไฟ", "Power", unit="W"),
            field("working", "boolean", "ใช้งานได้", "Working", default=True),
        ]
        + note_fields(),
    },
    "water_supply": {
        "name_th": "ประปา",
        "name_en": "Water supply",
        "category": "infrastructure",
        "geometry_type": "LineString",
        "access": "internal",
        "style": line_style("#3498db", 2),
        "schema": [
            field("pipe_code", "text", "รหัสท่อ", "Pipe code"),
            field(
                "material",
                "choice",
                "วัสดุ",
                "Material",
                choices=[
                    choice("pvc", "พีวีซี", "PVC"),
                    choice("hdpe", "เอชดีพีอี", "HDPE"),
                    choice("steel", "เหล็ก", "Steel"),
                ],
            ),
            field("diameter_mm", "integer", "ขนาดท่อ", "Diameter", unit="mm"),
            condition_field(),
        ]
        + note_fields(),
    },
    "landmarks": {
        "name_th": "สถานที่สำคัญ",
        "name_en": "Landmarks",
        "category": "landmark",
        "geometry_type": "Point",
        "access": "public",
        "style": point_style("#8e44ad", 8),
        "schema": name_fields()
        + [
            field(
                "kind",
                "choice",
                "ประเภท",
                "Kind",
                required=True,
                choices=[
                    choice("temple", "วัด", "Temple"),
                    choice("church", "โบสถ์คริสต์", "Church"),
                    choice("shrine", "ศาลเจ้า", "Shrine"),
                    choice("market", "ตลาด", "Market"),
                    choice("canal", "คลอง", "Canal"),
                    choice("other", "อื่น ๆ", "Other"),
                ],
            ),
            *description_fields(),
            field("opening_hours", "text", "เวลาเปิด", "Opening hours"),
            field("website", "url", "เว็บไซต์", "Website"),
        ],
    },
    "health_facilities": {
        "name_th": "สถานพยาบาล",
        "name_en": "Health facilities",
        "category": "health",
        "geometry_type": "Point",
        "access": "public",
        "style": point_style("#e74c3c", 7),
        "schema": name_fields()
        + [
            field(
                "kind",
                "choice",
                "ประเภท",
                "Kind",
                required=True,
                choices=[
                    choice("hospital", "โรงพยาบาล", "Hospital"),
                    choice("sub_district", "รพ.สต.", "Sub-district health hospital"),
                    choice("clinic", "คลินิก", "Clinic"),
                    choice("pharmacy", "ร้านยา", "Pharmacy"),
                ],
            ),
            field("beds", "integer", "จำนวนเตียง", "Beds"),
            field("phone", "text", "โทรศัพท์", "Phone"),
        ],
    },
    "welfare_cases": {
        "name_th": "ผู้ต้องการการดูแล",
        "name_en": "Residents needing care",
        "category": "welfare",
        "geometry_type": "Point",
        "access": "restricted",
        "style": point_style("#c0392b", 5),
        # Only what care needs: PDPA asks for the minimum of sensitive data.
        "schema": [
            field("case_code", "text", "รหัสผู้รับการดูแล", "Case code", required=True),
            field("full_name", "text", "ชื่อ-สกุล", "Full name", required=True),
            field("birth_year", "integer", "ปีเกิด (ค.ศ.)", "Birth year"),
            field(
                "group",
                "choice",
                "กลุ่ม",
                "Group",
                required=True,
                choices=[
                    choice("elderly", "ผู้สูงอายุ", "Elderly"),
                    choice("disabled", "ผู้พิการ", "Disabled"),
                    choice("bedridden", "ผู้ป่วยติดเตียง", "Bedridden"),
                ],
            ),
            field("caregiver_phone", "text", "โทรศัพท์ผู้ดูแล", "Caregiver phone"),
            field("last_visit", "date", "เยี่ยมบ้านล่าสุด", "Last home visit"),
        ],
    },
    "occupation_groups": {
        "name_th": "กลุ่มอาชีพ",
        "name_en": "Occupation groups",
        "category": "community",
        "geometry_type": "Point",
        "access": "public",
        "style": point_style("#27ae60", 7),
        "schema": name_fields()
        + [
            field("members", "integer", "จำนวนสมาชิก", "Members", unit="คน"),
            field("contact", "text", "ผู้ติดต่อ", "Contact"),
            *description_fields(),
        ],
    },
    "otop_products": {
        "name_th": "ผลิตภัณฑ์ OTOP",
        "name_en": "OTOP products",
        "category": "community",
        "geometry_type": "Point",
        "access": "public",
        "style": point_style("#e67e22", 7),
        "schema": name_fields()
        + [
            field(
                "category",
                "choice",
                "หมวด",
                "Category",
                required=True,
                choices=[
                    choice("food", "อาหาร", "Food"),
                    choice("beverage", "เครื่องดื่ม", "Beverage"),
                    choice("textile", "ผ้าและเครื่องแต่งกาย", "Textiles and clothing"),
                    choice("craft", "ของใช้และของตกแต่ง", "Crafts and decorations"),
                    choice("herbal", "สมุนไพรที่ไม่ใช่อาหาร", "Herbal products"),
                ],
            ),
            field("stars", "integer", "ระดับดาว OTOP", "OTOP stars"),
            field("price_baht", "number", "ราคา", "Price", unit="บาท"),
            field("producer", "text", "ผู้ผลิต", "Producer"),
            *description_fields(),
        ],
    },
    "zones": {
        "name_th": "เขตชุมชนและตำบล",
        "name_en": "Communities and subdistricts",
        "category": "zones",
        "geometry_type": "Polygon",
        "access": "public",
        "style": {"color": "#7f8c8d", "weight": 1, "fillOpacity": 0.05},
        "schema": name_fields()
        + [
            field("zone_code", "text", "รหัสเขต", "Zone code"),
            field("population", "integer", "ประชากร", "Population", unit="คน"),
        ],
    },
}
