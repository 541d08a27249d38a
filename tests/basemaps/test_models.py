import pytest
from django.core.exceptions import ValidationError

from basemaps.models import BasemapSource, default_of

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def test_openstreetmap_is_the_default_after_migrating(db):
    sources = list(BasemapSource.objects.platform_wide())
    assert [source.url_template for source in sources] == [OSM]
    assert default_of(sources).name_en == "OpenStreetMap"


def test_a_municipality_offers_its_own_sources_first_and_its_own_default_wins(world):
    ortho = BasemapSource.objects.create(
        municipality=world.kb, name_th="ภาพถ่ายทางอากาศ", name_en="Orthophoto",
        url_template="https://tiles.example.go.th/{z}/{x}/{y}.jpg", is_default=True,
    )
    BasemapSource.objects.create(
        municipality=world.nd, name_th="นาดี", name_en="Na Di only", url_template="https://nd.example/{z}/{x}/{y}.png"
    )
    kb_sources = list(BasemapSource.objects.for_municipality(world.kb, None))
    assert [source.name_en for source in kb_sources] == ["Orthophoto", "OpenStreetMap"]
    assert default_of(kb_sources) == ortho
    assert [source.name_en for source in BasemapSource.objects.for_municipality(world.nd, None)] == ["Na Di only", "OpenStreetMap"]


def test_no_default_means_no_basemap(db):
    BasemapSource.objects.update(is_default=False)
    assert default_of(BasemapSource.objects.platform_wide()) is None


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)//{z}/{x}/{y}", "file:///etc/{z}/{x}/{y}", "https://tiles.example/{z}/{x}.png"]
)
def test_only_web_tile_urls_with_z_x_y_are_accepted(url):
    source = BasemapSource(name_th="ก", name_en="A", url_template=url)
    with pytest.raises(ValidationError):
        source.full_clean()
