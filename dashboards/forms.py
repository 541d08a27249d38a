"""The builder's forms: a widget's config is edited as plain form fields, and the model
checks the assembled config against the layer's schema (Widget.clean)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from layers.models import Layer

from .models import Dashboard, Measure, Widget
from .starters import STARTERS

CONFIG_FIELDS = ("layer", "measure", "field", "group_by", "filters", "colors", "radius_m", "target_layer", "zones_layer", "columns", "text")


class LayerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, layer):
        return f"{layer.name_th} · {layer.name_en}"


class DashboardForm(forms.ModelForm):
    class Meta:
        model = Dashboard
        fields = ["title_th", "title_en", "slug", "description", "order", "is_published"]
        labels = {
            "title_th": _("ชื่อ (ไทย)"), "title_en": _("ชื่อ (อังกฤษ)"), "slug": _("ชื่อในลิงก์ (slug)"),
            "description": _("คำอธิบาย"), "order": _("ลำดับ"), "is_published": _("เผยแพร่ให้ผู้บริหารเห็น"),
        }


class StarterForm(forms.Form):
    starter = forms.ChoiceField(label=_("เริ่มจากแม่แบบ"), choices=[(key, f"{th} · {en}") for key, (th, en, _w) in STARTERS.items()])


def lines_to_dict(text):
    pairs = [line.split("=", 1) for line in text.splitlines() if "=" in line]
    return {name.strip(): value.strip() for name, value in pairs}


def words(text):
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class WidgetForm(forms.ModelForm):
    layer = LayerChoiceField(queryset=Layer.objects.none(), required=False, label=_("ชั้นข้อมูล"))
    measure = forms.ChoiceField(choices=Measure.choices, initial=Measure.COUNT, label=_("การวัด"))
    field = forms.CharField(required=False, label=_("ฟิลด์ตัวเลข (ผลรวม/ค่าเฉลี่ย)"))
    group_by = forms.CharField(required=False, label=_("จัดกลุ่มตามฟิลด์ หรือ month"))
    filters = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("ตัวกรอง (ฟิลด์=ค่า บรรทัดละหนึ่ง)"))
    colors = forms.CharField(required=False, label=_("สี (#rrggbb คั่นด้วยจุลภาค)"))
    radius_m = forms.FloatField(required=False, min_value=1, label=_("รัศมี (เมตร)"))
    target_layer = LayerChoiceField(queryset=Layer.objects.none(), required=False, label=_("ชั้นข้อมูลที่วัดการครอบคลุม"))
    zones_layer = LayerChoiceField(queryset=Layer.objects.none(), required=False, label=_("ชั้นข้อมูลเขตพื้นที่"))
    columns = forms.CharField(required=False, label=_("คอลัมน์ของตาราง (คั่นด้วยจุลภาค)"))
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("ข้อความ"))

    class Meta:
        model = Widget
        fields = ["kind", "title_th", "title_en", "order", "width", "height"]
        labels = {
            "kind": _("ชนิด"), "title_th": _("ชื่อ (ไทย)"), "title_en": _("ชื่อ (อังกฤษ)"), "order": _("ลำดับ"),
            "width": _("ความกว้าง (1-12 ช่อง)"), "height": _("ความสูง (1-4 แถว)"),
        }

    def __init__(self, *args, dashboard, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.dashboard = dashboard
        layers = Layer.objects.filter(municipality=dashboard.municipality)
        for name in ("layer", "target_layer", "zones_layer"):
            self.fields[name].queryset = layers
        config = self.instance.config or {}
        for name in CONFIG_FIELDS:
            value = config.get(name)
            if name in ("layer", "target_layer", "zones_layer"):
                value = layers.filter(pk=value).first() if value else None
            elif name == "filters":
                value = "\n".join(f"{k}={v}" for k, v in (value or {}).items())
            elif name in ("colors", "columns"):
                value = ", ".join(value or [])
            if value is not None:
                self.initial[name] = value

    def clean(self):
        data = super().clean()
        config = {
            "layer": data["layer"].pk if data.get("layer") else None,
            "measure": data.get("measure") or Measure.COUNT,
            "field": data.get("field") or None,
            "group_by": data.get("group_by") or None,
            "filters": lines_to_dict(data.get("filters") or ""),
            "colors": words(data.get("colors") or ""),
            "radius_m": data.get("radius_m"),
            "target_layer": data["target_layer"].pk if data.get("target_layer") else None,
            "zones_layer": data["zones_layer"].pk if data.get("zones_layer") else None,
            "columns": words(data.get("columns") or ""),
            "text": data.get("text") or "",
        }
        self.instance.config = {key: value for key, value in config.items() if value not in (None, "", [], {})}
        return data
