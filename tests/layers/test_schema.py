import pytest
from django.core.exceptions import ValidationError

from layers.layer_templates import TEMPLATES
from layers.schema import clean_properties, validate_schema

SCHEMA = TEMPLATES["roads"]["schema"]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_schema_is_valid(template):
    validate_schema(TEMPLATES[template]["schema"])


def test_values_are_stored_in_their_types():
    cleaned = clean_properties(
        SCHEMA, {"name_th": "ถนนสุขุมวิท", "surface": "concrete", "condition": "fair", "width_m": "6.5", "lanes": "2", "survey_date": "2026-11-01"}
    )
    assert cleaned == {"name_th": "ถนนสุขุมวิท", "surface": "concrete", "condition": "fair", "width_m": 6.5, "lanes": 2, "survey_date": "2026-11-01"}


def test_defaults_fill_what_was_not_sent():
    assert clean_properties(SCHEMA, {"name_th": "ซอย 1"}) == {"name_th": "ซอย 1", "surface": "asphalt", "condition": "good"}


def test_partial_changes_keep_the_other_values():
    base = {"name_th": "ซอย 1", "surface": "asphalt", "condition": "good"}
    assert clean_properties(SCHEMA, {"condition": "poor"}, partial=True, base=base) == {**base, "condition": "poor"}


def test_every_wrong_value_is_named():
    with pytest.raises(ValidationError) as error:
        clean_properties(SCHEMA, {"surface": "gold", "lanes": 1.5, "survey_date": "13/11/2569", "colour": "red"})
    errors = error.value.message_dict
    assert set(errors) == {"name_th", "surface", "lanes", "survey_date", "colour"}
    assert "ต้องเป็นจำนวนเต็ม" in errors["lanes"][0] and "whole number" in errors["lanes"][0]


def test_markup_is_kept_as_text_not_interpreted():
    cleaned = clean_properties(SCHEMA, {"name_th": "<script>alert(1)</script>"})
    assert cleaned["name_th"] == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "schema",
    [
        [{"name": "x", "type": "colour", "label_th": "ก", "label_en": "a"}],
        [{"name": "X Y", "type": "text", "label_th": "ก", "label_en": "a"}],
        [{"name": "x", "type": "text", "label_th": "ก"}],
        [{"name": "x", "type": "choice", "label_th": "ก", "label_en": "a"}],
        [{"name": "x", "type": "integer", "label_th": "ก", "label_en": "a", "default": "many"}],
        [{"name": "x", "type": "text", "label_th": "ก", "label_en": "a"}] * 2,
    ],
)
def test_a_broken_schema_is_refused(schema):
    with pytest.raises(ValidationError):
        validate_schema(schema)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "1e400"])
def test_numbers_that_are_not_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        clean_properties(SCHEMA, {"name_th": "ก", "width_m": value})
