import pytest
from django.core.management import CommandError, call_command

from layers.models import Feature, Layer, Municipality, Revision


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("load_demo")
    counts = (Municipality.objects.count(), Layer.objects.count(), Feature.objects.count(), Revision.objects.count())
    call_command("load_demo")
    assert (Municipality.objects.count(), Layer.objects.count(), Feature.objects.count(), Revision.objects.count()) == counts
    assert counts[0] == 6
    kb = Municipality.objects.get(slug="krathum-baen")
    assert kb.boundary.contains(kb.layers.get(slug="landmarks").features.first().geom)
    names = {f.properties["name_en"] for f in Feature.objects.filter(layer__slug="landmarks", layer__municipality=kb)}
    assert "Wat Don Kai Di" in names
    assert Layer.objects.get(municipality=kb, slug="welfare-cases").access == "restricted"
    assert not Layer.objects.filter(municipality__slug="tha-muang", slug="welfare-cases").exists()
    assert all(layer.is_sample for layer in Layer.objects.all())


@pytest.mark.django_db
def test_load_demo_refuses_production_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo")
    assert Municipality.objects.count() == 0
