"""Dataset metadata: defaults derived from the layer, the rules a manager's edit must
follow, and the figures PostGIS computes from the data."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import LineString
from django.core.exceptions import ValidationError

from catalogue.models import Dataset
from layers.models import Feature


def test_a_layer_without_stored_metadata_gets_defaults_from_its_template_and_municipality(world):
    roads = Dataset.of(world.roads)
    assert roads.pk is None  # nothing is written until a manager edits it
    assert roads.title_th == "ถนน เทศบาลเมืองกระทุ่มแบน"
    assert roads.title_en == "Roads, Krathum Baen Town Municipality"
    assert roads.description_th == "ข้อมูลถนนในเทศบาลเมืองกระทุ่มแบน จังหวัดสมุทรสาคร"
    assert {"ถนน", "roads", "กระทุ่มแบน", "สมุทรสาคร"} <= set(roads.keywords)
    assert (roads.data_category, roads.licence, roads.update_frequency) == ("public", "ogl-th", "year")
    assert roads.get_licence_display() == "Open Government License - Thailand"
    assert (roads.geographic_data_set, roads.data_language, roads.geo_coverage) == ("transport", "th", "municipality")
    assert roads.maintainer == "เทศบาลเมืองกระทุ่มแบน"
    welfare, drains = Dataset.of(world.welfare), Dataset.of(world.drains)
    assert (welfare.data_category, welfare.licence) == ("personal", "not-specified")
    assert drains.data_category == "internal"
    for dataset in (roads, welfare, drains):
        dataset.full_clean(exclude=["layer"])


def test_stored_metadata_wins_over_the_defaults(world):
    Dataset.objects.create(layer=world.roads, **{**Dataset.defaults_for(world.roads), "title_th": "ถนนในเขตเทศบาล"})
    world.roads.refresh_from_db()
    assert Dataset.of(world.roads).title_th == "ถนนในเขตเทศบาล"


def errors_of(dataset):
    with pytest.raises(ValidationError) as caught:
        dataset.full_clean(exclude=["layer"])
    return caught.value.message_dict


def test_a_public_layer_cannot_be_catalogued_as_anything_but_public_data(world):
    roads = Dataset.of(world.roads)
    roads.data_category = "personal"
    assert errors_of(roads)["data_category"] == [
        "ชั้นข้อมูลนี้เปิดเผยต่อสาธารณะ หมวดหมู่ต้องเป็นข้อมูลสาธารณะ (หรือเปลี่ยนสิทธิ์ของชั้นข้อมูลก่อน) / "
        "This layer is public, so its data category is public (or change the layer's access first)."
    ]


def test_welfare_cases_are_always_personal_data(world):
    welfare = Dataset.of(world.welfare)
    welfare.data_category = "internal"
    assert "Welfare cases are personal data." in errors_of(welfare)["data_category"][0]


def test_a_public_dataset_needs_a_licence(world):
    roads = Dataset.of(world.roads)
    roads.licence = "not-specified"
    assert errors_of(roads)["licence"] == ["ชุดข้อมูลสาธารณะต้องระบุสัญญาอนุญาต / A public dataset needs a licence."]


@pytest.mark.parametrize("keywords", [["ถนน", ""], ["ถนน, คลอง"], ["ก" * 61], [f"word{n}" for n in range(31)], "ถนน"])
def test_keywords_are_a_short_list_of_short_words(world, keywords):
    roads = Dataset.of(world.roads)
    roads.keywords = keywords
    assert " / " in errors_of(roads)["keywords"][0]


def test_the_reference_period_cannot_end_before_it_starts_and_accuracy_is_not_negative(world):
    roads = Dataset.of(world.roads)
    roads.reference_period_start, roads.reference_period_end = datetime.date(2026, 5, 1), datetime.date(2026, 1, 1)
    roads.positional_accuracy_m = -1
    errors = errors_of(roads)
    assert "The end of the reference period cannot be before its start." in errors["reference_period_end"][0]
    assert "positional_accuracy_m" in errors


def test_the_contact_email_must_be_an_address(world):
    roads = Dataset.of(world.roads)
    roads.maintainer_email = "not an address"
    assert "maintainer_email" in errors_of(roads)


def test_figures_are_counted_in_postgis_for_the_features_the_reader_may_see(world, django_assert_num_queries):
    Feature.create_in(
        world.roads, LineString((100.20, 13.60), (100.22, 13.61), srid=4326),
        {"name_th": "ถนนสาย 2", "surface": "concrete", "condition": "fair", "road_code": "KB-2"}, None,
    )
    # A field made required after the data was collected: the older road lacks it.
    world.roads.schema = [dict(field, required=True) if field["name"] == "road_code" else field for field in world.roads.schema]
    world.roads.save()
    roads = Dataset.of(world.roads)
    with django_assert_num_queries(2):
        figures = roads.figures(AnonymousUser())
    assert (figures.feature_count, figures.complete_count, figures.completeness) == (2, 1, 0.5)
    assert figures.extent == pytest.approx((100.20, 13.60, 100.26, 13.66))
    assert figures.last_change >= world.roads.updated_at
    # The welfare layer's figures exist only for those who may read it.
    welfare = Dataset.of(world.welfare)
    assert welfare.figures(AnonymousUser()).feature_count == 0
    assert welfare.figures(world.health).feature_count == 1
    assert welfare.figures(AnonymousUser()).extent is None


def test_a_deletion_is_a_change_of_the_data(world):
    before = Dataset.of(world.drains).figures(world.owner).last_change
    world.drain.remove(world.owner)
    figures = Dataset.of(world.drains).figures(world.owner)
    assert figures.feature_count == 0 and figures.completeness is None
    assert figures.last_change > before
