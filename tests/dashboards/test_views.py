"""Dashboard pages: readers see dashboards read-only, only managers build them, and the
pages carry no inline script (a CSP forbids it) and no user text unescaped."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dashboards.models import Dashboard, Widget
from dashboards.starters import create_from_starter
from layers.models import Layer


def client_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def board(world):
    board = Dashboard.objects.create(
        municipality=world.kb, slug="mayor", title_th="<script>alert(1)</script>", is_published=True
    )
    Widget.objects.create(dashboard=board, kind="kpi", title_th="ถนน", config={"layer": world.roads.pk})
    return board


def urls(board):
    args = [board.municipality.slug, board.slug]
    return reverse("dashboard-view", args=args), reverse("dashboard-build", args=args)


def test_members_see_the_dashboard_read_only(world, board):
    view, build = urls(board)
    response = client_for(world.viewer).get(view)
    html = response.content.decode()
    assert response.status_code == 200
    assert build not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Only external scripts, and the page data as a (not executed) JSON block.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag
    assert build in client_for(world.owner).get(view).content.decode()


@pytest.mark.parametrize("role,status", [("viewer", 403), ("colleague", 403), ("stranger", 403), ("owner", 200), ("admin", 200)])
def test_only_managers_build(world, board, role, status):
    _, build = urls(board)
    assert client_for(getattr(world, role)).get(build).status_code == status
    post = client_for(getattr(world, role)).post(build, {"kind": "kpi", "title_th": "ใหม่", "order": 1, "width": 3, "height": 1,
                                                          "layer": world.drains.pk, "measure": "count"})
    assert post.status_code == (302 if status == 200 else 403)
    assert board.widgets.filter(title_th="ใหม่").exists() == (status == 200)


def test_anonymous_and_strangers_get_no_dashboard(world, board):
    view, build = urls(board)
    assert client_for().get(view).status_code == 404
    assert client_for(world.stranger).get(view).status_code == 404
    assert client_for().get(build).status_code == 302  # to the sign-in page


def test_the_builder_explains_a_bad_config(world, board):
    _, build = urls(board)
    response = client_for(world.owner).post(build, {"kind": "bar", "title_th": "x", "order": 1, "width": 3, "height": 1,
                                                    "layer": world.roads.pk, "measure": "length_km", "group_by": "nope"})
    assert response.status_code == 200
    assert "Cannot group by" in response.content.decode()


def test_managers_delete_widgets(world, board):
    widget = board.widgets.get()
    url = reverse("dashboard-widget-delete", args=[board.municipality.slug, board.slug, widget.pk])
    assert client_for(world.viewer).post(url).status_code == 403
    assert client_for(world.owner).post(url).status_code == 302
    assert not board.widgets.exists()


def test_starters_use_the_municipalitys_layers(world):
    for template in ("zones", "landmarks", "otop_products", "health_facilities"):
        Layer.from_template(world.kb, template).save()
    kinds = {}
    for key in ("infrastructure", "tourism", "health"):
        dashboard = create_from_starter(world.kb, key, world.owner)
        kinds[key] = [w.kind for w in dashboard.widgets.all()]
        assert not dashboard.is_published
    assert kinds["infrastructure"] == ["kpi", "bar", "bar", "pie", "choropleth", "line"]
    assert "coverage" in kinds["health"]
    created = client_for(world.owner).post(reverse("dashboard-create", args=["krathum-baen"]), {"starter": "tourism"})
    assert created.status_code == 302
    assert client_for(world.viewer).post(reverse("dashboard-create", args=["krathum-baen"]), {"starter": "tourism"}).status_code == 404


def test_rollup_page_is_for_platform_admins(world):
    assert client_for(world.owner).get(reverse("dashboard-rollup-page")).status_code == 403
    assert client_for(world.admin).get(reverse("dashboard-rollup-page")).status_code == 200


def test_load_demo_dashboards_is_idempotent(world):
    from django.core.management import call_command

    Layer.from_template(world.kb, "landmarks").save()
    call_command("load_demo_dashboards")
    first = Dashboard.objects.count()
    call_command("load_demo_dashboards")
    assert Dashboard.objects.count() == first > 0
    assert Dashboard.objects.filter(is_published=True).count() == first
