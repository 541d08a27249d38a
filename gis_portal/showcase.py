"""The public showcase ("ที่เด่น / ของดี"): landmarks, OTOP products and occupation groups.

Only what the public may see: the features come from `visible_to(AnonymousUser())`, so a
signed-in member looking at the showcase sees exactly what a visitor sees and nothing of
an internal or restricted layer, whatever its template.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext

from layers.models import Feature

# In the order the page shows them.
TEMPLATES = ["landmarks", "otop_products", "occupation_groups"]
# Shown as the card's text, not again among its facts.
OWN_PLACE = {"name_th", "name_en", "description_th", "description_en", "kind", "category"}


def public_features(municipality):
    return (
        Feature.objects.visible_to(AnonymousUser())
        .filter(layer__municipality=municipality, layer__template__in=TEMPLATES)
        .select_related("layer")
    )


def in_language(item, base, lang):
    """`base_th` or `base_en` of a dict, the other language when that one is empty."""
    first, second = (f"{base}_th", f"{base}_en") if lang == "th" else (f"{base}_en", f"{base}_th")
    return item.get(first) or item.get(second) or ""


def shown_value(field, value, lang):
    """A value as people read it: a choice by its label, a yes/no in words, with its unit."""
    if field["type"] == "choice":
        label = next((c for c in field.get("choices", []) if c["value"] == value), None)
        return in_language(label, "label", lang) if label else str(value)
    if field["type"] == "boolean":
        return gettext("ใช่") if value else gettext("ไม่ใช่")
    unit = field.get("unit")
    return f"{value:,}" + (f" {unit}" if unit else "") if isinstance(value, (int, float)) else str(value)


class Item:
    """One card of the showcase."""

    def __init__(self, feature, lang):
        layer, props = feature.layer, feature.properties
        fields = {field["name"]: field for field in layer.schema}
        self.id = feature.pk
        self.template = layer.template
        self.layer_name = in_language({"name_th": layer.name_th, "name_en": layer.name_en}, "name", lang)
        self.title = in_language(props, "name", lang)
        other = props.get("name_en" if lang == "th" else "name_th")
        self.subtitle = other if other and other != self.title else ""
        self.description = in_language(props, "description", lang)
        kind = next((name for name in ("kind", "category") if name in props and name in fields), None)
        self.kind = shown_value(fields[kind], props[kind], lang) if kind else ""
        self.facts = [
            (in_language(field, "label", lang), shown_value(field, props[field["name"]], lang))
            for field in layer.schema
            if field["name"] not in OWN_PLACE and props.get(field["name"]) not in (None, "")
        ]
        point = feature.geom.point_on_surface
        self.lon, self.lat = round(point.x, 6), round(point.y, 6)

    def as_marker(self):
        return {"id": self.id, "lat": self.lat, "lon": self.lon, "title": self.title, "template": self.template}


def showcase(municipality, lang):
    """Items grouped by template, in TEMPLATES order: [(layer name, [Item])]."""
    items = [Item(feature, lang) for feature in public_features(municipality).order_by("layer__template", "pk")]
    return [
        (group[0].layer_name, group)
        for template in TEMPLATES
        if (group := [item for item in items if item.template == template])
    ]
