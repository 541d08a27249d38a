"""A CKAN-compatible read API (`package_list`, `package_show`, `package_search`), so that a
CKAN portal (the software of Thailand's government data catalogues) can harvest the
public datasets. Packages carry GD-Catalog's dataset fields (ckanext-tgdcschema names and
Thai values) and the `spatial` extra ckanext-spatial reads."""

import json
import re
import uuid
from datetime import datetime, timezone as dt_timezone

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from layers.models import Layer

from .dcat import bbox_geojson
from .models import FORMAT_NAMES, datasets_of, figures_of, municipality_title
from .search import find
from .vocabulary import DATA_TYPE_TH, LANGUAGE_THAI_VALUES, thai

HELP = "https://docs.ckan.org/en/2.10/api/"
# CKAN's ids are UUIDs: ours are derived from the layer's id, so they survive renames.
NAMESPACE = uuid.UUID("6f0b8c7e-3f43-4d8e-9a52-2a7c1d0f5e11")
MAX_ROWS = 1000


class ActionError(Exception):
    """An answer CKAN gives as {"success": false, "error": {...}} with an HTTP status."""

    def __init__(self, status, kind, message):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def harvestable_layers():
    """Whoever asks, only what a signed-out visitor may read."""
    return Layer.objects.visible_to(AnonymousUser())


def package_id(dataset):
    return str(uuid.uuid5(NAMESPACE, f"layer:{dataset.layer.pk}"))


def ckan_time(value):
    # CKAN writes naive UTC timestamps with microseconds.
    return timezone.localtime(value, dt_timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")


def organization(municipality):
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"municipality:{municipality.pk}")),
        "name": municipality.slug,
        "title": municipality_title(municipality),
        "description": municipality_title(municipality, "en"),
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
    }


def package(dataset, figures, links):
    layer = dataset.layer
    identifier = package_id(dataset)
    modified = ckan_time(dataset.metadata_modified(figures))
    extras = {
        "template": layer.template,
        "layer_category": layer.category,
        "feature_count": str(figures.feature_count),
        "completeness": "" if figures.completeness is None else f"{figures.completeness:.3f}",
        # Layers of one template have the same fields in every municipality: a province
        # can check that before it puts them together.
        "data_dictionary": json.dumps(
            [{key: field[key] for key in ("name", "type", "label_th", "label_en", "required")} for field in dataset.data_dictionary()],
            ensure_ascii=False,
        ),
        "dcat_url": links.dcat(dataset),
        "iso19139_url": links.iso(dataset),
    }
    if figures.extent:
        extras["spatial"] = json.dumps(bbox_geojson(figures.extent))
    west, south, east, north = figures.extent or ("", "", "", "")
    return {
        "id": identifier,
        "name": dataset.name,
        "title": dataset.title_th,
        "title_en": dataset.title_en,
        "notes": dataset.description_th or dataset.description_en,
        "notes_en": dataset.description_en,
        "url": links.page(dataset),
        "type": "dataset",
        "state": "active",
        "private": False,
        "metadata_created": ckan_time(layer.created_at),
        "metadata_modified": modified,
        "author": municipality_title(dataset.municipality),
        "maintainer": dataset.maintainer,
        "maintainer_email": dataset.maintainer_email,
        "telephone_number": dataset.telephone,
        "license_id": thai(dataset.get_licence_display()),
        "license_title": thai(dataset.get_licence_display()),
        "owner_org": organization(dataset.municipality)["id"],
        "organization": organization(dataset.municipality),
        "groups": [{"name": layer.category, "title": thai(layer.get_category_display())}],
        "tags": [{"name": word, "display_name": word, "state": "active"} for word in dataset.keywords],
        "num_tags": len(dataset.keywords),
        # GD-Catalog's own fields, with its Thai values.
        "data_type": DATA_TYPE_TH,
        "objective": [thai(dataset.get_objective_display())],
        "update_frequency_unit": thai(dataset.get_update_frequency_display()),
        "update_frequency_interval": "1",
        "geo_coverage": thai(dataset.get_geo_coverage_display()),
        "data_source": dataset.data_source,
        "data_format": ["Database", "Shapefile", "CSV", "อื่นๆ"],
        "data_category": thai(dataset.get_data_category_display()),
        "data_language": [LANGUAGE_THAI_VALUES[code] for code in dataset.languages()],
        "created_date": layer.created_at.date().isoformat(),
        "last_updated_date": figures.last_change.date().isoformat(),
        "high_value_dataset": dataset.high_value,
        "geographic_data_set": thai(dataset.get_geographic_data_set_display()) if dataset.geographic_data_set else "",
        "equivalent_scale": dataset.get_equivalent_scale_display() if dataset.equivalent_scale else "",
        "west_bound_longitude": west,
        "east_bound_longitude": east,
        "north_bound_latitude": north,
        "south_bound_latitude": south,
        "positional_accuracy": "" if dataset.positional_accuracy_m is None else f"{dataset.positional_accuracy_m:g} m",
        "reference_period": " - ".join(
            value.isoformat() for value in (dataset.reference_period_start, dataset.reference_period_end) if value
        ),
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
        "resources": [
            {
                "id": str(uuid.uuid5(NAMESPACE, f"layer:{layer.pk}:{key}")),
                "package_id": identifier,
                "name": name,
                "url": links.download(dataset, key),
                "format": ckan_format,
                "mimetype": media_type.split(";")[0],
                "state": "active",
                "position": position,
                "last_modified": modified,
            }
            for position, (key, name, ckan_format, media_type) in enumerate(dataset.downloads())
        ],
        "num_resources": len(dataset.downloads()),
    }


# fq as CKAN harvesters send it (ckanext-harvest: "organization:a OR organization:b",
# "-groups:x", "metadata_modified:[2026-01-01T00:00:00Z TO *]"): terms of field:value,
# field:"value" or field:[from TO to], optionally negated, OR within a clause, clauses ANDed.
FQ_TOKEN = re.compile(r'\s*(?:(OR|AND)\b|([+-]?)(\w+):(?:"([^"]*)"|\[([^\]]*)\]|([^\s"\[\]]+)))')
FQ_FIELDS = {"template", "organization", "tags", "groups", "res_format", "metadata_modified", "name", "id", "dataset_type"}
RES_FORMATS = {ckan_format.casefold() for _name, ckan_format in FORMAT_NAMES.values()}


def parse_fq(fq):
    """[(negated, [(field, value, is_range), ...])]: each clause holds if any of its terms does."""
    clauses, position, joined = [], 0, False
    fq = fq.strip()
    while position < len(fq):
        match = FQ_TOKEN.match(fq, position)
        if not match or match.end() == position:
            raise ActionError(409, "Search Query Error", f"Search Query Error: fq not understood: {fq[position:]}")
        position = match.end()
        operator_word, sign, field, quoted, ranged, plain = match.groups()
        if operator_word:
            joined = operator_word == "OR"
            continue
        if field not in FQ_FIELDS:
            raise ActionError(409, "Search Query Error", f"Search Query Error: unknown field {field} in fq")
        if field == "metadata_modified" and (ranged is None or " TO " not in ranged):
            raise ActionError(409, "Search Query Error", "Search Query Error: metadata_modified takes [from TO to]")
        term = (field, ranged if ranged is not None else (quoted if quoted is not None else plain), ranged is not None)
        if joined and clauses:
            clauses[-1][1].append(term)
        else:
            clauses.append((sign == "-", [term]))
        joined = False
    return clauses


def term_holds(dataset, figures, field, value, is_range):
    if field == "metadata_modified":
        low, high = (parse_time(part.strip()) for part in value.split(" TO "))
        modified = dataset.metadata_modified(figures)
        return (low is None or modified >= low) and (high is None or modified <= high)
    if field == "res_format":
        return value.casefold() in RES_FORMATS  # every dataset comes in every export format
    return value in {
        "template": [dataset.layer.template],
        "organization": [dataset.municipality.slug],
        "groups": [dataset.layer.category],
        "name": [dataset.name],
        "id": [package_id(dataset)],
        "tags": dataset.keywords,
        "dataset_type": ["dataset"],
    }[field]


def parse_time(text):
    if text == "*":
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ActionError(409, "Search Query Error", f"Search Query Error: not a date: {text}") from None
    return value if value.tzinfo else value.replace(tzinfo=dt_timezone.utc)


def count_param(params, name, default, maximum):
    raw = params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ActionError(409, "Validation Error", f"{name}: Invalid integer") from None
    if value < 0:
        raise ActionError(409, "Validation Error", f"{name}: Must be a natural number")
    return min(value, maximum)


# ckanext-harvest pages through `id asc`. CKAN's default is relevance, then newest: there is
# no relevance score here, so that is newest first.
SORTS_BY = {
    "name": lambda dataset, figures: dataset.name,
    "id": lambda dataset, figures: package_id(dataset),
    "metadata_modified": lambda dataset, figures: dataset.metadata_modified(figures),
}
SORTS = {f"{key} {direction}" for key in SORTS_BY for direction in ("asc", "desc")} | {"score desc, metadata_modified desc"}


class Actions:
    def __init__(self, links):
        self.links = links

    def entries(self, layers):
        """(dataset, figures as a signed-out visitor sees them) for each layer."""
        datasets = datasets_of(layers)
        figures = figures_of([dataset.layer for dataset in datasets], AnonymousUser())
        return [(dataset, figures[dataset.layer.pk]) for dataset in datasets]

    def package_list(self, params):
        names = [dataset.name for dataset in datasets_of(harvestable_layers().order_by("municipality__slug", "slug"))]
        offset = count_param(params, "offset", 0, 10**9)
        limit = count_param(params, "limit", len(names), 10**9)
        return names[offset:offset + limit]

    def package_show(self, params):
        wanted = str(params.get("id", ""))
        for dataset in datasets_of(harvestable_layers()):
            if wanted in (dataset.name, package_id(dataset)):
                return package(dataset, dataset.figures(AnonymousUser()), self.links)
        raise ActionError(404, "Not Found Error", "Not found")

    def package_search(self, params):
        rows = count_param(params, "rows", 10, MAX_ROWS)
        start = count_param(params, "start", 0, 10**9)
        sort = params.get("sort") or "score desc, metadata_modified desc"
        if sort not in SORTS:
            raise ActionError(409, "Search Query Error", f"Search Query Error: sort not supported: {sort}")
        query = "" if params.get("q") in (None, "*:*") else str(params["q"])
        clauses = parse_fq(str(params.get("fq", "")))
        entries = [
            (dataset, figures)
            for dataset, figures in self.entries(find(harvestable_layers(), text=query))
            if all(negated != any(term_holds(dataset, figures, *term) for term in terms) for negated, terms in clauses)
        ]
        key, direction = sort.split(",")[-1].split()
        entries.sort(key=lambda entry: SORTS_BY[key](*entry), reverse=direction == "desc")
        return {
            "count": len(entries),
            "sort": sort,
            # Packages are built for the page asked for only.
            "results": [package(dataset, figures, self.links) for dataset, figures in entries[start:start + rows]],
            "facets": {},
            "search_facets": {},
        }

    def run(self, name, params):
        if name not in ("package_list", "package_show", "package_search"):
            raise ActionError(400, "Bad request", f"Bad request - Action name not known: {name}")
        return getattr(self, name)(params)
