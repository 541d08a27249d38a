"""A layer's field schema, and the validation of feature properties against it.

A schema is a list of fields, each a dict:

    {"name": "surface", "type": "choice", "label_th": "ผิวทาง", "label_en": "Surface",
     "required": true, "unit": "", "default": "asphalt",
     "choices": [{"value": "asphalt", "label_th": "ลาดยาง", "label_en": "Asphalt"}, ...]}

Properties are stored as JSONB; validation turns what a client sent into the stored,
typed form (numbers as numbers, dates as ISO strings) or raises a ValidationError whose
messages name the field and say what is wrong in Thai and in English.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

FIELD_TYPES = ("text", "integer", "number", "date", "boolean", "choice", "url")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_TEXT_LENGTH = 10_000


def bilingual(th, en):
    """One message for both audiences of the API: Thai first, English after."""
    return f"{th} / {en}"


def validate_schema(schema):
    """Checks a layer's field schema itself (used when a layer is saved)."""
    if not isinstance(schema, list):
        raise ValidationError(bilingual("โครงสร้างฟิลด์ต้องเป็นรายการ", "The field schema must be a list."))
    seen = set()
    for field in schema:
        if not isinstance(field, dict):
            raise ValidationError(bilingual("แต่ละฟิลด์ต้องเป็นออบเจ็กต์", "Each field must be an object."))
        name = field.get("name")
        if not isinstance(name, str) or not FIELD_NAME.match(name):
            raise ValidationError(
                bilingual(
                    f"ชื่อฟิลด์ {name!r} ใช้ไม่ได้ (ใช้ a-z, 0-9, _)",
                    f"Field name {name!r} is not valid (use a-z, 0-9, _).",
                )
            )
        if name in seen:
            raise ValidationError(bilingual(f"ชื่อฟิลด์ {name} ซ้ำ", f"Field name {name} is repeated."))
        seen.add(name)
        if field.get("type") not in FIELD_TYPES:
            raise ValidationError(
                bilingual(
                    f"ฟิลด์ {name}: ชนิด {field.get('type')!r} ไม่รองรับ",
                    f"Field {name}: type {field.get('type')!r} is not one of {', '.join(FIELD_TYPES)}.",
                )
            )
        if not field.get("label_th") or not field.get("label_en"):
            raise ValidationError(
                bilingual(f"ฟิลด์ {name}: ต้องมีชื่อภาษาไทยและอังกฤษ", f"Field {name}: needs Thai and English labels.")
            )
        if field["type"] == "choice":
            choices = field.get("choices")
            if not choices or not all(isinstance(c, dict) and "value" in c for c in choices):
                raise ValidationError(
                    bilingual(f"ฟิลด์ {name}: ต้องมีรายการตัวเลือก", f"Field {name}: a choice field needs choices.")
                )
        if "default" in field and field["default"] is not None:
            try:
                clean_value(field, field["default"])
            except ValidationError as error:
                raise ValidationError(
                    bilingual(f"ฟิลด์ {name}: ค่าเริ่มต้นไม่ถูกต้อง", f"Field {name}: the default is not valid.")
                ) from error


def clean_value(field, value):
    kind = field["type"]
    if kind == "text":
        if not isinstance(value, str):
            value = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if value is None:
            raise ValidationError(bilingual("ต้องเป็นข้อความ", "Must be text."))
        if "\x00" in value:
            raise ValidationError(bilingual("มีอักขระ NUL ซึ่งบันทึกไม่ได้", "Contains a NUL character, which cannot be stored."))
        if len(value) > MAX_TEXT_LENGTH:
            raise ValidationError(
                bilingual(f"ยาวเกิน {MAX_TEXT_LENGTH} ตัวอักษร", f"Longer than {MAX_TEXT_LENGTH} characters.")
            )
        return value
    if kind in ("integer", "number"):
        if isinstance(value, bool):
            raise ValidationError(bilingual("ต้องเป็นตัวเลข", "Must be a number."))
        if isinstance(value, str):
            try:
                value = float(value.replace(",", "").strip())
            except ValueError:
                raise ValidationError(bilingual("ต้องเป็นตัวเลข", "Must be a number.")) from None
        if not isinstance(value, (int, float)) or value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(bilingual("ต้องเป็นตัวเลข", "Must be a number."))
        if kind == "integer":
            if float(value) != int(value):
                raise ValidationError(bilingual("ต้องเป็นจำนวนเต็ม", "Must be a whole number."))
            return int(value)
        return value
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "ใช่", "มี"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "no", "0", "ไม่ใช่", "ไม่มี"):
            return False
        raise ValidationError(bilingual("ต้องเป็น ใช่ หรือ ไม่ใช่", "Must be yes or no."))
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationError(
                bilingual("ต้องเป็นวันที่แบบ ค.ศ. YYYY-MM-DD", "Must be a date as YYYY-MM-DD.")
            ) from None
    if kind == "choice":
        allowed = [choice["value"] for choice in field["choices"]]
        if value not in allowed:
            raise ValidationError(
                bilingual(
                    f"ต้องเป็นค่าใดค่าหนึ่งใน: {', '.join(map(str, allowed))}",
                    f"Must be one of: {', '.join(map(str, allowed))}.",
                )
            )
        return value
    if kind == "url":
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise ValidationError(bilingual("ต้องเป็นลิงก์ http(s)", "Must be an http(s) link.")) from None
        return value
    raise AssertionError(f"unknown field type {kind}")  # validate_schema rules this out


def clean_properties(schema, properties, *, partial=False, base=None):
    """Returns the stored form of `properties` or raises ValidationError({field: [message]}).

    With `partial`, only the given keys change and the others keep their values in `base`.
    Unknown keys are refused rather than silently dropped, so a typo is noticed.
    Empty values (None or "") clear a field; a required field may not be empty.
    """
    if not isinstance(properties, dict):
        raise ValidationError(
            {"properties": [bilingual("properties ต้องเป็นออบเจ็กต์", "properties must be an object.")]}
        )
    fields = {field["name"]: field for field in schema}
    errors = {}
    for key in properties:
        if key not in fields:
            errors[key] = [bilingual(f"ไม่มีฟิลด์ชื่อ {key} ในชั้นข้อมูลนี้", f"This layer has no field {key}.")]
    result = dict(base or {}) if partial else {}
    for name, field in fields.items():
        if name in properties:
            value = properties[name]
        elif partial:
            continue
        else:
            value = field.get("default")
        if value is None or value == "":
            result.pop(name, None)
            if field.get("required"):
                errors[name] = [bilingual("ต้องกรอกข้อมูลนี้", "This field is required.")]
            continue
        try:
            result[name] = clean_value(field, value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return result

