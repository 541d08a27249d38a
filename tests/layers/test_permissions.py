"""Who sees and edits what, through every API endpoint, for every role and access level.

The endpoints come from the URL configuration: a new endpoint that is not in the matrix
below fails `test_every_api_endpoint_is_in_the_matrix`, so none can be forgotten.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from layers.models import Attachment, Feature, Layer, Revision
from tests.conftest import client_for
from tests.layers.test_attachments import phone_photo

ROLES = ["anonymous", "viewer", "colleague", "owner", "health", "stranger", "admin"]
KB_MEMBERS = {"viewer", "colleague", "owner", "health"}
CAN_SEE = {
    "public": set(ROLES),
    "internal": KB_MEMBERS | {"admin"},
    "restricted": {"health", "admin"},
}
CAN_EDIT = {
    "public": {"colleague", "owner", "health", "admin"},
    "internal": {"colleague", "owner", "health", "admin"},
    "restricted": {"health", "admin"},
}
CAN_MANAGE = {"owner", "admin"}
# The access log of any layer, even one they cannot read: the municipality's managers.
MANAGERS_ANY_ACCESS = "managers of the municipality, whatever the access level"


def layer_of(world, access):
    return {"public": world.roads, "internal": world.drains, "restricted": world.welfare}[access]


def feature_of(world, access):
    return {"public": world.road, "internal": world.drain, "restricted": world.case}[access]


def revision_of(world, access):
    return Revision.objects.filter(feature_id=feature_of(world, access).pk).first()


def attachment_of(world, access):
    feature = feature_of(world, access)
    existing = Attachment.objects.filter(feature_id=feature.pk).first()
    return existing or Attachment.add(feature, phone_photo(400, 300), world.admin)


def photo_body(world, access):
    return {"file": phone_photo(400, 300)}


# endpoint name -> (method, url builder, body builder, who may): reads need CAN_SEE, writes
# CAN_EDIT (or CAN_MANAGE); the rest of the roles get 404 if they cannot see the object,
# 403 (401 when anonymous) if they can see it but not change it.
MATRIX = {
    "layer-detail": [
        ("get", lambda w, a: reverse("layer-detail", args=[layer_of(w, a).pk]), None, CAN_SEE),
        ("patch", lambda w, a: reverse("layer-detail", args=[layer_of(w, a).pk]), lambda w, a: {"name_en": "Renamed"}, None),
    ],
    "layer-features": [
        ("get", lambda w, a: reverse("layer-features", args=[layer_of(w, a).pk]), None, CAN_SEE),
        (
            "post",
            lambda w, a: reverse("layer-features", args=[layer_of(w, a).pk]),
            lambda w, a: {
                "type": "Feature",
                "geometry": feature_of(w, a).state()["geometry"],
                "properties": feature_of(w, a).properties,
            },
            CAN_EDIT,
        ),
    ],
    "layer-check": [
        (
            "post",
            lambda w, a: reverse("layer-check", args=[layer_of(w, a).pk]),
            lambda w, a: {"type": "Feature", "geometry": feature_of(w, a).state()["geometry"], "properties": {}},
            CAN_EDIT,
        ),
    ],
    "layer-access-log": [
        ("get", lambda w, a: reverse("layer-access-log", args=[layer_of(w, a).pk]), None, MANAGERS_ANY_ACCESS),
    ],
    "feature-personal-data": [
        ("get", lambda w, a: reverse("feature-personal-data", args=[feature_of(w, a).pk]), None, CAN_SEE),
        ("delete", lambda w, a: reverse("feature-personal-data", args=[feature_of(w, a).pk]),
         lambda w, a: {"reason": "คำขอของเจ้าของข้อมูล"}, CAN_EDIT),
    ],
    "layer-export-jobs": [
        ("post", lambda w, a: reverse("layer-export-jobs", args=[layer_of(w, a).pk]), lambda w, a: {"format": "csv"},
         {access: roles - {"anonymous"} for access, roles in CAN_SEE.items()}),  # a job needs someone to own it
    ],
    "layer-export": [
        ("get", lambda w, a: reverse("layer-export", args=[layer_of(w, a).pk]) + "?format=csv", None, CAN_SEE),
    ],
    "layer-revisions": [
        ("get", lambda w, a: reverse("layer-revisions", args=[layer_of(w, a).pk]), None, CAN_SEE),
    ],
    "feature-detail": [
        ("get", lambda w, a: reverse("feature-detail", args=[feature_of(w, a).pk]), None, CAN_SEE),
        (
            "patch",
            lambda w, a: reverse("feature-detail", args=[feature_of(w, a).pk]),
            lambda w, a: {"version": 1, "properties": {}},
            CAN_EDIT,
        ),
        (
            "put",
            lambda w, a: reverse("feature-detail", args=[feature_of(w, a).pk]),
            lambda w, a: {"version": 1, **feature_of(w, a).state()},
            CAN_EDIT,
        ),
        ("delete", lambda w, a: reverse("feature-detail", args=[feature_of(w, a).pk]), None, CAN_EDIT),
    ],
    "feature-revisions": [
        ("get", lambda w, a: reverse("feature-revisions", args=[feature_of(w, a).pk]), None, CAN_SEE),
    ],
    "revision-detail": [
        ("get", lambda w, a: reverse("revision-detail", args=[revision_of(w, a).pk]), None, CAN_SEE),
    ],
    "feature-attachments": [
        ("get", lambda w, a: reverse("feature-attachments", args=[feature_of(w, a).pk]), None, CAN_SEE),
        ("post", lambda w, a: reverse("feature-attachments", args=[feature_of(w, a).pk]), photo_body, CAN_EDIT),
    ],
    "attachment-detail": [
        ("get", lambda w, a: reverse("attachment-detail", args=[attachment_of(w, a).pk]), None, CAN_SEE),
        ("delete", lambda w, a: reverse("attachment-detail", args=[attachment_of(w, a).pk]), None, CAN_EDIT),
    ],
    "attachment-image": [
        ("get", lambda w, a: reverse("attachment-image", args=[attachment_of(w, a).pk]), None, CAN_SEE),
    ],
    "attachment-thumbnail": [
        ("get", lambda w, a: reverse("attachment-thumbnail", args=[attachment_of(w, a).pk]), None, CAN_SEE),
    ],
    "revision-restore": [
        ("post", lambda w, a: reverse("revision-restore", args=[revision_of(w, a).pk]), lambda w, a: {"version": 1}, CAN_EDIT),
    ],
}
# Endpoints about no layer: checked for leaks by the list tests below.
NOT_ABOUT_A_LAYER = {
    "api-root", "municipality-list", "municipality-detail", "layer-list", "search", "me", "auth-token", "schema", "docs",
    "municipality-qgis-project",  # lists layers: see test_qgis_project_lists_exactly_what_each_role_may_see
    # managers only, tested in test_people.py
    "membership-list", "membership-detail", "grant-list", "grant-detail",
    # the requester's own jobs only: test_export_jobs.py
    "exportjob-list", "exportjob-detail", "exportjob-file",
}


def api_endpoint_names():
    names = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    resolver = get_resolver()
    api = next(p for p in resolver.url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/")
    walk(api.url_patterns)
    return names


def test_every_api_endpoint_is_in_the_matrix():
    assert api_endpoint_names() == set(MATRIX) | NOT_ABOUT_A_LAYER


def user_of(world, role):
    return None if role == "anonymous" else getattr(world, role)


def expected_status(role, access, method, allowed):
    if allowed == MANAGERS_ANY_ACCESS:
        return 200 if role in CAN_MANAGE else 404
    if allowed is None:  # layer definitions: managers of that municipality
        allowed = CAN_MANAGE if role in CAN_SEE[access] else set()
    else:
        allowed = allowed[access]
    if role in allowed:
        return {"get": 200, "post": (200, 201, 202), "patch": 200, "put": 200, "delete": (200, 204)}[method]
    if role not in CAN_SEE[access]:
        return 404
    return 401 if role == "anonymous" else 403


CASES = [(name, i, role) for name, rows in MATRIX.items() for i in range(len(rows)) for role in ROLES]


@pytest.mark.parametrize("endpoint,row,role", CASES, ids=[f"{n}-{MATRIX[n][i][0]}-{r}" for n, i, r in CASES])
def test_endpoint_answers_each_role_by_access_level(world, endpoint, row, role):
    method, url_for, body_for, allowed = MATRIX[endpoint][row]
    for access in ("public", "internal", "restricted"):
        layer = layer_of(world, access)
        url = url_for(world, access)
        body = body_for(world, access) if body_for else None
        upload = body is not None and "file" in body
        response = getattr(client_for(user_of(world, role)), method)(url, body, format="multipart" if upload else "json")
        expected = expected_status(role, access, method, allowed)
        assert response.status_code in (expected if isinstance(expected, tuple) else (expected,)), (
            f"{role} {method.upper()} {url} on the {access} layer: {response.status_code} {getattr(response, 'content', b'')[:300]}"
        )
        if response.status_code in (401, 403, 404) and not getattr(response, "streaming", False):
            # An error says nothing about what it hides.
            assert layer.name_th.encode() not in response.content
            assert b"KB-001" not in response.content


@pytest.mark.parametrize("role", ROLES)
def test_layer_list_shows_each_role_exactly_what_it_may_see(world, role):
    response = client_for(user_of(world, role)).get(reverse("layer-list"))
    shown = {layer["id"] for layer in response.json()}
    expected = {layer.pk for layer in Layer.objects.all() if role_sees(world, role, layer)}
    assert shown == expected


@pytest.mark.parametrize("role", ROLES)
def test_search_finds_for_each_role_exactly_what_it_may_see(world, role):
    client = client_for(user_of(world, role))
    for text in ("ถนน", "pipe", "KB-001", "fair", "สมศรี"):
        found = {hit["id"] for hit in client.get(reverse("search"), {"q": text}).json()["results"]}
        expected = {
            feature.pk
            for feature in Feature.objects.matching(text).select_related("layer__municipality")
            if role_sees(world, role, feature.layer)
        }
        assert found == expected, (role, text)
    # the welfare case is found by its code only by those granted the layer
    hits = client.get(reverse("search"), {"q": "KB-001", "municipality": "krathum-baen"}).json()["results"]
    names = [hit["label"] for hit in hits]
    assert names == (["KB-001"] if role in ("health", "admin") else [])
    assert client.get(reverse("search"), {"q": "%"}).json()["results"] == []


def role_sees(world, role, layer):
    if layer.municipality == world.kb:
        return role in CAN_SEE[layer.access]
    # Na Di: its manager (the stranger) sees public and internal, nobody but admin sees restricted
    if role == "stranger":
        return layer.access != "restricted"
    return role == "admin" or layer.access == "public"


@pytest.mark.parametrize("role", ROLES)
def test_qgis_project_lists_exactly_what_each_role_may_see(world, role):
    client = client_for(user_of(world, role))
    for municipality in (world.kb, world.nd):
        response = client.get(reverse("municipality-qgis-project", args=[municipality.slug]))
        shown = set(re.findall(r"typename='[\w-]+\.([\w-]+)'", response.content.decode()))
        expected = {layer.slug for layer in municipality.layers.all() if role_sees(world, role, layer)}
        assert shown == expected, (role, municipality.slug)
        if "welfare-cases" not in expected:
            assert world.welfare.name_th.encode() not in response.content and b"welfare" not in response.content


def test_krathum_baen_editor_sees_nothing_internal_or_restricted_of_na_di(world):
    client = client_for(world.colleague)
    for layer in (world.nd_drains, world.nd_welfare):
        assert client.get(reverse("layer-detail", args=[layer.pk])).status_code == 404
        assert client.get(reverse("layer-features", args=[layer.pk])).status_code == 404
        assert client.get(reverse("layer-revisions", args=[layer.pk])).status_code == 404
    for feature in (world.nd_drain, world.nd_case):
        assert client.get(reverse("feature-detail", args=[feature.pk])).status_code == 404
        assert client.get(reverse("feature-revisions", args=[feature.pk])).status_code == 404
    listed = client.get(reverse("layer-list"), {"municipality": "na-di"}).json()
    assert [layer["slug"] for layer in listed] == ["roads"]


def test_anonymous_sees_public_layers_only(world):
    layers = client_for().get(reverse("layer-list")).json()
    assert {layer["access"] for layer in layers} == {"public"}
    assert {layer["slug"] for layer in layers} == {"roads"}


def test_feature_counts_come_only_with_layers_one_may_see(world):
    layers = client_for(world.viewer).get(reverse("layer-list")).json()
    assert {(layer["slug"], layer["feature_count"]) for layer in layers if layer["municipality"] == "krathum-baen"} == {
        ("roads", 1),
        ("drains", 1),
    }


def test_a_grant_to_a_group_opens_a_restricted_layer(world):
    from django.contrib.auth.models import Group

    from layers.models import LayerGrant

    nurses = Group.objects.create(name="nurses")
    world.viewer.groups.add(nurses)
    assert not Layer.objects.visible_to(world.viewer).filter(pk=world.welfare.pk).exists()
    LayerGrant.objects.create(layer=world.welfare, group=nurses)
    assert Layer.objects.visible_to(world.viewer).filter(pk=world.welfare.pk).exists()
    assert not Layer.objects.editable_by(world.viewer).filter(pk=world.welfare.pk).exists()


def test_an_inactive_admin_sees_only_public_layers(world):
    world.admin.is_active = False
    assert set(Layer.objects.visible_to(world.admin).values_list("access", flat=True)) == {"public"}
