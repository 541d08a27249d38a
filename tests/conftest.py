"""A small world that every test can read: two municipalities, each with a public, an
internal and a restricted layer holding one feature, and the people who use them.

    owner       Krathum Baen manager        colleague  Krathum Baen editor
    viewer      Krathum Baen viewer         health     Krathum Baen editor granted the welfare layer
    stranger    Na Di manager               admin      platform admin
"""

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import LineString, Point
from playwright.sync_api import sync_playwright
from rest_framework.test import APIClient

from layers.models import Feature, Layer, LayerGrant, Membership, Municipality, Role

os.environ.setdefault("DJANGO_DEBUG", "true")

# Playwright's sync API runs an event loop in this thread; Django would then refuse the
# ORM calls that set up each test's data, although nothing here runs concurrently.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session, shared by every browser test."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes ~0.3 s a password by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class World:
    pass


def make_user(username, municipality=None, role=None, **extra):
    user = get_user_model().objects.create_user(username, password=PASSWORD, **extra)
    if municipality:
        Membership.objects.create(user=user, municipality=municipality, role=role)
    return user


def make_layers(municipality):
    roads = Layer.from_template(municipality, "roads")
    drains = Layer.from_template(municipality, "drains")
    welfare = Layer.from_template(municipality, "welfare_cases")
    for layer in (roads, drains, welfare):
        layer.save()
    assert (roads.access, drains.access, welfare.access) == ("public", "internal", "restricted")
    road = Feature.create_in(
        roads,
        LineString((100.25, 13.65), (100.26, 13.66), srid=4326),
        {"name_th": f"ถนน{municipality.name_th}", "surface": "asphalt", "condition": "good"},
        None,
    )
    drain = Feature.create_in(
        drains, LineString((100.25, 13.65), (100.25, 13.66), srid=4326), {"kind": "pipe", "condition": "fair"}, None
    )
    case = Feature.create_in(
        welfare,
        Point(100.255, 13.655, srid=4326),
        {"case_code": "KB-001", "full_name": "สมศรี ใจดี", "group": "elderly"},
        None,
    )
    return (roads, drains, welfare), (road, drain, case)


@pytest.fixture
def world(db):
    w = World()
    w.kb = Municipality.objects.create(
        slug="krathum-baen", name_th="กระทุ่มแบน", name_en="Krathum Baen", kind="town_municipality",
        province_th="สมุทรสาคร", province_en="Samut Sakhon", dla_code="4740202",
    )
    w.nd = Municipality.objects.create(
        slug="na-di", name_th="นาดี", name_en="Na Di", kind="subdistrict_municipality",
        province_th="สมุทรสาคร", province_en="Samut Sakhon", dla_code="5740105",
    )
    (w.roads, w.drains, w.welfare), (w.road, w.drain, w.case) = make_layers(w.kb)
    (w.nd_roads, w.nd_drains, w.nd_welfare), (w.nd_road, w.nd_drain, w.nd_case) = make_layers(w.nd)
    w.owner = make_user("owner", w.kb, Role.MANAGER)
    w.colleague = make_user("colleague", w.kb, Role.EDITOR)
    w.viewer = make_user("viewer", w.kb, Role.VIEWER)
    w.health = make_user("health", w.kb, Role.EDITOR)
    LayerGrant.objects.create(layer=w.welfare, user=w.health, can_edit=True)
    w.stranger = make_user("stranger", w.nd, Role.MANAGER)
    w.admin = make_user("admin", is_superuser=True, is_staff=True)
    return w


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# Figures for the closing note, printed at the end of every run and kept in
# test-artifacts/figures.json: the examples the fuzzers ran, and the endpoint x role cases
# that passed (the API matrix, each case checked at every access level; and every test
# parametrized by role).
FIGURES = Counter()
EXAMPLES_RUN = re.compile(r"(\d+) passing")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.when == "call" and report.passed and "role" in getattr(getattr(item, "callspec", None), "params", {}):
        FIGURES["role cases"] += 1
        if item.originalname == "test_endpoint_answers_each_role_by_access_level":
            FIGURES["matrix cases"] += 1
    if report.when == "teardown" and hasattr(item, "hypothesis_statistics"):
        FIGURES["fuzzed properties"] += 1
        FIGURES["fuzzing examples"] += sum(map(int, EXAMPLES_RUN.findall(item.hypothesis_statistics)))


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.write_line(
        f"figures: {FIGURES['fuzzing examples']} fuzzing examples over {FIGURES['fuzzed properties']} properties; "
        f"permission matrix {FIGURES['matrix cases']} endpoint x role cases (x3 access levels); "
        f"{FIGURES['role cases']} role-parametrized checks passed"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "figures.json").write_text(json.dumps(FIGURES, indent=2))
