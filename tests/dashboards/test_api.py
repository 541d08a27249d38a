"""The dashboard API for every role: no figure from a layer a reader cannot see, not
even a count; CSV export; the features behind a bar; the admin roll-up."""

import json

import pytest
from django.contrib.gis.geos import Polygon
from django.urls import reverse

from dashboards.models import Dashboard, Widget
from layers.models import Feature, Layer
from tests.conftest import client_for
from tests.layers.test_permissions import CAN_SEE, ROLES, layer_of

WIDGET_DATA_NAMES = ("dashboard-widget-data", "dashboard-widget-csv")


def user_of(world, role):
    return None if role == "anonymous" else getattr(world, role)


@pytest.fixture
def board(world):
    board = Dashboard.objects.create(municipality=world.kb, slug="mayor", title_th="ผู้บริหาร", is_published=True)
    board.by_access = {}
    for access in ("public", "internal", "restricted"):
        group_by = "group" if access == "restricted" else "condition"
        board.by_access[access] = Widget.objects.create(
            dashboard=board, kind="bar", title_th=access, config={"layer": layer_of(world, access).pk, "group_by": group_by}
        )
    return board


# Who reaches the Krathum Baen dashboard at all: its members and platform admins.
READS_BOARD = {"viewer", "colleague", "owner", "health", "admin"}


@pytest.mark.parametrize("name", WIDGET_DATA_NAMES)
@pytest.mark.parametrize("access", ["public", "internal", "restricted"])
@pytest.mark.parametrize("role", ROLES)
def test_widget_data_for_every_role(world, board, role, access, name):
    response = client_for(user_of(world, role)).get(reverse(name, args=[board.by_access[access].pk]))
    body = response.content.decode()
    if role not in READS_BOARD:
        assert response.status_code == 404
    elif role in CAN_SEE[access]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert response.json()["no_access"] is True
        assert "rows" not in body and "value" not in body


def test_drafts_are_seen_only_by_managers(world, board):
    board.is_published = False
    board.save()
    url = reverse("dashboard-widget-data", args=[board.by_access["public"].pk])
    assert client_for(world.viewer).get(url).status_code == 404
    assert client_for(world.owner).get(url).status_code == 200
    assert client_for(world.stranger).get(url).status_code == 404


def test_a_restricted_widget_gives_suppressed_figures_to_the_granted(world, board):
    data = client_for(world.health).get(reverse("dashboard-widget-data", args=[board.by_access["restricted"].pk])).json()
    # The world holds one elderly case: a cell of one is never shown.
    assert data["rows"][0]["suppressed"] and data["rows"][0]["value"] is None and data["suppressed"]


def test_csv_export_writes_rows_and_suppressed_cells(world, board):
    response = client_for(world.viewer).get(reverse("dashboard-widget-csv", args=[board.by_access["public"].pk]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == ["key,label_th,label_en,value,count", "good,ดี,Good,1.0,1", "total,total,total,1.0,1"]
    restricted = client_for(world.health).get(reverse("dashboard-widget-csv", args=[board.by_access["restricted"].pk]))
    assert "elderly,ผู้สูงอายุ,Elderly,<5," in restricted.content.decode("utf-8-sig")


def streamed(response):
    return json.loads(b"".join(response.streaming_content))


def test_features_behind_a_bar_but_never_restricted_records(world, board):
    url = reverse("dashboard-widget-features", args=[board.by_access["public"].pk])
    features = streamed(client_for(world.viewer).get(url, {"key": "good"}))
    assert [f["id"] for f in features["features"]] == [world.road.pk]
    assert streamed(client_for(world.viewer).get(url, {"key": "poor"}))["features"] == []
    restricted = reverse("dashboard-widget-features", args=[board.by_access["restricted"].pk])
    assert client_for(world.health).get(restricted).status_code == 403


def test_a_zone_filter_from_an_unseen_layer_is_refused(world, board):
    url = reverse("dashboard-widget-data", args=[board.by_access["public"].pk])
    response = client_for(world.viewer).get(url, {"zone": str(world.nd_case.pk)})
    assert response.status_code == 400


def test_rollup_is_for_platform_admins(world):
    url = reverse("dashboard-rollup")
    for role in ("anonymous", "viewer", "owner", "stranger"):
        assert client_for(user_of(world, role)).get(url).status_code in (401, 403)
    data = client_for(world.admin).get(url, {"template": "roads", "measure": "count"}).json()
    assert [(row["key"], row["value"]) for row in data["rows"]] == [("krathum-baen", 1), ("na-di", 1)]


# Figures are cached until a layer they read changes (dashboards.measures.compute): the
# cache must never show a figure from before an edit, nor to someone who may not see it.


def test_an_edit_shows_in_the_figures_at_once(world, board):
    url = reverse("dashboard-widget-data", args=[board.by_access["public"].pk])
    viewer = client_for(world.viewer)
    assert [(row["key"], row["n"]) for row in viewer.get(url).json()["rows"]] == [("good", 1)]
    edit = client_for(world.colleague).patch(
        reverse("feature-detail", args=[world.road.pk]), {"version": 1, "properties": {"condition": "damaged"}}, format="json"
    )
    assert edit.status_code == 200
    assert [(row["key"], row["n"]) for row in viewer.get(url).json()["rows"]] == [("damaged", 1)]
    removed = client_for(world.colleague).delete(reverse("feature-detail", args=[world.road.pk]), HTTP_IF_MATCH='"2"')
    assert removed.status_code == 204
    data = viewer.get(url).json()
    assert data["rows"] == [] and data["total"]["n"] == 0


def test_a_cached_restricted_figure_is_never_given_to_a_reader_without_the_grant(world, board):
    url = reverse("dashboard-widget-data", args=[board.by_access["restricted"].pk])
    assert client_for(world.health).get(url).status_code == 200  # computed and cached for the granted
    for reader in (world.viewer, world.colleague, world.owner):
        response = client_for(reader).get(url)
        assert response.status_code == 403
        assert "rows" not in response.content.decode()


def test_a_layer_made_restricted_stops_its_cached_figures_at_once(world, board):
    url = reverse("dashboard-widget-data", args=[board.by_access["internal"].pk])
    assert client_for(world.viewer).get(url).status_code == 200
    assert client_for(world.admin).get(url).json()["rows"][0]["n"] == 1
    world.drains.access = "restricted"
    world.drains.save()
    assert client_for(world.viewer).get(url).status_code == 403
    # Those who still see it get the figures of a restricted layer: a cell of one is hidden.
    data = client_for(world.admin).get(url).json()
    assert data["suppressed"] and data["rows"][0]["n"] is None


def test_a_zone_filter_is_not_answered_from_the_unfiltered_figures(world, board):
    zones = Layer.from_template(world.kb, "zones")
    zones.save()
    far = Feature.create_in(zones, Polygon.from_bbox((100.5, 13.9, 100.6, 14.0)), {"name_th": "ไกล"}, None)
    url = reverse("dashboard-widget-data", args=[board.by_access["public"].pk])
    viewer = client_for(world.viewer)
    assert viewer.get(url).json()["total"]["n"] == 1
    assert viewer.get(url, {"zone": str(far.pk)}).json()["total"]["n"] == 0
    assert viewer.get(url).json()["total"]["n"] == 1
