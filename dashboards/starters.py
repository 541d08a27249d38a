"""Dashboards to start from: each names the layer *templates* it reads, so the same
starter works in every municipality that has layers made from those templates."""

from django.db import transaction

from layers.models import Layer

from .models import Dashboard, Widget

# key -> (Thai title, English title, widgets: (kind, Thai, English, layer template, config, width))
STARTERS = {
    "infrastructure": ("โครงสร้างพื้นฐาน", "Infrastructure", [
        ("kpi", "ถนนรวม (กม.)", "Roads (km)", "roads", {"measure": "length_km"}, 3),
        ("bar", "ถนน (กม.) ตามผิวจราจร", "Road km by surface", "roads", {"measure": "length_km", "group_by": "surface"}, 5),
        ("bar", "ถนน (กม.) ตามสภาพ", "Road km by condition", "roads",
         {"measure": "length_km", "group_by": "condition", "colors": ["#27ae60", "#f1c40f", "#e67e22", "#c0392b"]}, 4),
        ("pie", "ท่อระบายน้ำ (กม.) ตามสภาพ", "Drain km by condition", "drains",
         {"measure": "length_km", "group_by": "condition", "colors": ["#27ae60", "#f1c40f", "#e67e22", "#c0392b"]}, 4),
        ("choropleth", "ถนน (กม.) ตามเขต", "Road km by zone", "roads", {"measure": "length_km", "zones_layer": "zones"}, 4),
        ("line", "ถนนที่ปรับปรุงข้อมูลรายเดือน", "Roads updated per month", "roads", {"group_by": "month"}, 4),
    ]),
    "tourism": ("การท่องเที่ยวและ OTOP", "Tourism and OTOP", [
        ("kpi", "สถานที่สำคัญ", "Landmarks", "landmarks", {}, 3),
        ("bar", "สถานที่สำคัญตามประเภท", "Landmarks by kind", "landmarks", {"group_by": "kind"}, 5),
        ("pie", "ผลิตภัณฑ์ OTOP ตามหมวด", "OTOP products by category", "otop_products", {"group_by": "category"}, 4),
        ("table", "รายการสถานที่สำคัญ", "List of landmarks", "landmarks", {"columns": ["name_th", "name_en", "kind"]}, 12),
    ]),
    "health": ("สุขภาพและสวัสดิการ", "Health and welfare", [
        ("kpi", "สถานพยาบาล", "Health facilities", "health_facilities", {}, 3),
        ("bar", "สถานพยาบาลตามประเภท", "Health facilities by kind", "health_facilities", {"group_by": "kind"}, 4),
        ("coverage", "ผู้ต้องการการดูแลที่อยู่ในระยะ 1 กม. จากสถานพยาบาล", "Residents needing care within 1 km of a facility",
         "health_facilities", {"target_layer": "welfare_cases", "radius_m": 1000}, 5),
        ("bar", "ผู้ต้องการการดูแลตามกลุ่ม", "Residents needing care by group", "welfare_cases", {"group_by": "group"}, 6),
    ]),
}
LAYER_KEYS = ("layer", "target_layer", "zones_layer")


def create_from_starter(municipality, key, user):
    """A draft dashboard of the starter's widgets whose layers the municipality has."""
    title_th, title_en, widgets = STARTERS[key]
    layers = {layer.template: layer.pk for layer in Layer.objects.filter(municipality=municipality).exclude(template="")}
    with transaction.atomic():
        slug, n = key, 1
        while Dashboard.objects.filter(municipality=municipality, slug=slug).exists():
            n += 1
            slug = f"{key}-{n}"
        dashboard = Dashboard.objects.create(
            municipality=municipality, slug=slug, title_th=title_th, title_en=title_en, created_by=user
        )
        for order, (kind, th, en, template, config, width) in enumerate(widgets):
            config = {"layer": template, **config}
            if any(config.get(k) and config[k] not in layers for k in LAYER_KEYS if k in config):
                continue
            config.update({k: layers[config[k]] for k in LAYER_KEYS if k in config})
            widget = Widget(dashboard=dashboard, kind=kind, title_th=th, title_en=en, order=order, width=width, config=config)
            widget.full_clean()
            widget.save()
    return dashboard
