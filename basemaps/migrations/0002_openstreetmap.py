"""OpenStreetMap as the platform-wide default basemap, so a new installation shows a map
at once. A municipality or the platform admin can change or remove it in the admin."""

from django.db import migrations

OSM = {
    "name_th": "โอเพนสตรีตแมป",
    "name_en": "OpenStreetMap",
    "url_template": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "© OpenStreetMap contributors",
    "max_zoom": 19,
}


def add(apps, schema_editor):
    BasemapSource = apps.get_model("basemaps", "BasemapSource")
    if not BasemapSource.objects.filter(url_template=OSM["url_template"]).exists():
        BasemapSource.objects.create(municipality=None, is_default=True, ordering=0, **OSM)


def remove(apps, schema_editor):
    apps.get_model("basemaps", "BasemapSource").objects.filter(
        municipality=None, url_template=OSM["url_template"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("basemaps", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
