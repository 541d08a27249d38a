"""A layer's style (Leaflet path options: color, fillColor, weight, radius, fillOpacity,
dashArray) as a QGIS QML style, so that an export or a project opens styled in QGIS."""

from xml.etree import ElementTree

from .models import GeometryType

QGIS_VERSION = "3.22.0"


def rgba(color, opacity=1.0):
    """'#d35400' -> '211,84,0,255' (QGIS writes colours as r,g,b,a)."""
    value = (color or "#3388ff").lstrip("#")
    if len(value) == 3:
        value = "".join(2 * c for c in value)
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"{red},{green},{blue},{round(255 * float(opacity))}"


def symbol_layer(geometry_type, style):
    """(symbol type, symbol layer class, its properties) for the layer's geometry type.
    Leaflet sizes are screen pixels, so the QGIS units are pixels too."""
    color = style.get("color", "#3388ff")
    weight = style.get("weight", 3)
    if geometry_type == GeometryType.POINT:
        return "marker", "SimpleMarker", {
            "name": "circle",
            "color": rgba(style.get("fillColor", color), style.get("fillOpacity", 1)),
            "outline_color": rgba(color),
            "outline_width": weight,
            "outline_width_unit": "Pixel",
            # Leaflet's radius is half the diameter that QGIS calls size.
            "size": 2 * style.get("radius", 6),
            "size_unit": "Pixel",
        }
    if geometry_type == GeometryType.LINESTRING:
        dash = style.get("dashArray")
        return "line", "SimpleLine", {
            "line_color": rgba(color, style.get("opacity", 1)),
            "line_width": weight,
            "line_width_unit": "Pixel",
            "line_style": "solid",
            "use_custom_dash": 1 if dash else 0,
            # Leaflet's "6 4" is QGIS's "6;4".
            "customdash": ";".join(str(dash).replace(",", " ").split()) if dash else "5;2",
            "customdash_unit": "Pixel",
        }
    return "fill", "SimpleFill", {
        "color": rgba(style.get("fillColor", color), style.get("fillOpacity", 0.2)),
        "outline_color": rgba(color),
        "outline_width": weight,
        "outline_width_unit": "Pixel",
        "style": "solid",
    }


def renderer(layer):
    """QGIS's <renderer-v2> element: one symbol drawn like the web map draws the layer."""
    kind, class_name, properties = symbol_layer(layer.geometry_type, layer.style or {})
    element = ElementTree.Element("renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0", forceraster="0")
    symbols = ElementTree.SubElement(element, "symbols")
    symbol = ElementTree.SubElement(symbols, "symbol", type=kind, name="0", alpha="1", clip_to_extent="1", force_rhr="0")
    symbol_element = ElementTree.SubElement(symbol, "layer", {"class": class_name, "enabled": "1", "locked": "0", "pass": "0"})
    for key, value in properties.items():
        ElementTree.SubElement(symbol_element, "prop", k=key, v=str(value))
    ElementTree.SubElement(element, "rotation")
    ElementTree.SubElement(element, "sizescale")
    return element


DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"


def layer_qml(layer):
    """The QML document (text) of the layer's style."""
    root = ElementTree.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    root.append(renderer(layer))
    return DOCTYPE + ElementTree.tostring(root, encoding="unicode")
