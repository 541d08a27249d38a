"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live
server (which serves the static files too). Every page records every request it makes,
so a test can prove that nothing went to another host."""

import json
import time

import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.test import Client

from basemaps.models import BasemapSource
from layers.models import Feature, Layer
from tests.conftest import ARTIFACTS

# The map is idle: its layer list is built and no layer request is under way.
IDLE = "() => { const m = document.getElementById('map'); return m.dataset.ready === 'true' && m.dataset.loading === '0'; }"


def drawn(page):
    """How many features the map draws in the layers that are on."""
    return int(page.get_attribute("#map", "data-drawn"))


def record(name, values):
    """Figures for the notes, in test-artifacts/timings.json."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "timings.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = values
    path.write_text(json.dumps(data, indent=2))


class Visitor:
    """A browser tab with its requests and script errors recorded."""

    def __init__(self, browser, live_server, viewport, enforce_csp=False):
        self.base = live_server.url
        # Playwright's wait_for_function evaluates strings, which our Content-Security-Policy
        # forbids; test_csp.py opens every page with the policy enforced instead.
        self.context = browser.new_context(viewport=viewport, bypass_csp=not enforce_csp)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.requests, self.errors = [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: "Content Security Policy" in message.text and self.errors.append(message.text))

    def sign_in(self, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.base}])

    def choose_language(self, code):
        self.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": self.base}])

    def open(self, path):
        self.page.goto(self.base + path)
        return self.page

    def screenshot(self, name, full_page=False):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

    def outside_requests(self):
        return [url for url in self.requests if not url.startswith((self.base + "/", "data:", "blob:"))]

    def close(self):
        self.context.close()
        settle()

    def check_clean(self):
        """Nothing but our own host was asked for, and no script failed."""
        assert self.requests, "the page made no requests at all"
        assert self.outside_requests() == []
        assert self.errors == []


def settle(timeout=15):
    """Waits until the live server has finished the database work the page asked for: a
    request still running when the test's data is flushed can deadlock the flush."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                           " AND pid <> pg_backend_pid() AND state NOT IN ('idle') AND backend_type = 'client backend'")
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


@pytest.fixture
def visitor(browser, live_server):
    visitor = Visitor(browser, live_server, {"width": 1280, "height": 800})
    yield visitor
    visitor.close()


@pytest.fixture
def strict_visitor(browser, live_server):
    """A desktop browser with our Content-Security-Policy enforced, for pages whose own
    scripts must run under it (test waits then go by selectors, not evaluated strings)."""
    visitor = Visitor(browser, live_server, {"width": 1280, "height": 900}, enforce_csp=True)
    yield visitor
    visitor.close()


@pytest.fixture
def phone(browser, live_server):
    visitor = Visitor(browser, live_server, {"width": 390, "height": 844})
    yield visitor
    visitor.close()


@pytest.fixture
def web_world(world):
    """The shared world, with a boundary to fit the map to, no basemap (so no request can
    leave the machine), and the public things a showcase shows: a landmark and an OTOP
    product, plus an internal landmark layer that must stay hidden."""
    BasemapSource.objects.all().delete()
    world.kb.boundary = MultiPolygon(Polygon.from_bbox((100.24, 13.64, 100.27, 13.67)), srid=4326)
    world.kb.save()
    world.landmarks = Layer.from_template(world.kb, "landmarks")
    world.landmarks.save()
    world.temple = Feature.create_in(
        world.landmarks, Point(100.255, 13.652, srid=4326),
        {"name_th": "วัดดอนไก่ดี", "name_en": "Wat Don Kai Di", "kind": "temple",
         "description_th": "วัดเก่าริมคลองกระทุ่มแบน", "description_en": "An old temple by the canal"},
        None,
    )
    world.otop = Layer.from_template(world.kb, "otop_products")
    world.otop.save()
    world.dumpling = Feature.create_in(
        world.otop, Point(100.258, 13.655, srid=4326),
        {"name_th": "บ๊ะจ่าง", "name_en": "Rice dumplings", "category": "food", "price_baht": 80,
         "description_th": "ของดีกระทุ่มแบน"},
        None,
    )
    world.secret_spots = Layer.from_template(world.kb, "landmarks", slug="secret-landmarks", access="internal")
    world.secret_spots.save()
    world.secret = Feature.create_in(
        world.secret_spots, Point(100.256, 13.653, srid=4326), {"name_th": "จุดลับภายใน", "kind": "other"}, None
    )
    return world
