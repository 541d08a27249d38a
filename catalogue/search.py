"""Finding datasets: words in Thai or English over titles, descriptions, keywords, the
municipality, and the data dictionary's labels; filters by category, municipality and
layer template. All in SQL over a Layer queryset that `visible_to` has already narrowed."""

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from layers.models import Layer

from .models import Dataset
from .vocabulary import TEMPLATE_METADATA


def like(term):
    """An ILIKE pattern that finds `term` anywhere: Thai is written without spaces, so
    words are parts of longer strings."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def labelled(pattern):
    """Ids of layers with a field's Thai/English label or one of its choice labels
    matching ("วัด" is a choice of the landmarks' kind); never the keys, or "name" would
    match every layer. Evaluated on its own: raw SQL names its table, which a subquery
    would rename."""
    table = Layer._meta.db_table
    return list(Layer.objects.filter(RawSQL(
        f"""EXISTS (SELECT 1 FROM jsonb_array_elements("{table}"."schema") AS f
            WHERE f->>'label_th' ILIKE %s OR f->>'label_en' ILIKE %s
               OR EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(f->'choices', '[]'::jsonb)) AS c
                          WHERE c->>'label_th' ILIKE %s OR c->>'label_en' ILIKE %s))""",
        (pattern,) * 4,
        output_field=BooleanField(),
    )).values_list("pk", flat=True))


def with_keyword(pattern):
    """Ids of layers whose stored keywords match (evaluated on its own, as above)."""
    table = Dataset._meta.db_table
    return list(Dataset.objects.filter(
        RawSQL(
            f'EXISTS (SELECT 1 FROM jsonb_array_elements_text("{table}"."keywords") AS k WHERE k ILIKE %s)',
            (pattern,),
            output_field=BooleanField(),
        )
    ).values_list("layer_id", flat=True))


def matches(term):
    pattern = like(term)
    text = Q()
    for name in (
        "name_th", "name_en", "description_th", "description_en", "slug",
        "municipality__name_th", "municipality__name_en", "municipality__province_th", "municipality__province_en",
        "dataset__title_th", "dataset__title_en", "dataset__description_th", "dataset__description_en",
    ):
        text |= Q(**{f"{name}__icontains": term})
    # Until a manager edits them, a dataset's keywords are its template's.
    folded = term.casefold()
    templates = [key for key, (words, *_) in TEMPLATE_METADATA.items() if any(folded in word.casefold() for word in words)]
    return (
        text
        | Q(pk__in=labelled(pattern))
        | Q(pk__in=with_keyword(pattern))
        | Q(dataset__isnull=True, template__in=templates)
    )


def find(layers, *, text="", category="", municipality="", template=""):
    if category:
        layers = layers.filter(category=category)
    if municipality:
        layers = layers.filter(municipality__slug=municipality)
    if template:
        layers = layers.filter(template=template)
    for term in text.split():
        layers = layers.filter(matches(term))
    return layers
