"""Every page works with its Content-Security-Policy enforced: no inline script, no eval,
nothing from another host (the basemap is off here, so not even tiles)."""

import pytest

from basemaps.models import BasemapSource

PAGES = [
    "/", "/m/krathum-baen/", "/m/krathum-baen/showcase/", "/accounts/login/", "/admin/login/", "/api/v1/docs/",
    "/catalogue/", "/catalogue/krathum-baen/landmarks/",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", PAGES)
def test_the_page_runs_under_its_content_security_policy(web_world, strict_visitor, path):
    BasemapSource.objects.update(is_default=False)
    response = strict_visitor.page.goto(strict_visitor.base + path)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    strict_visitor.page.wait_for_load_state("networkidle")
    if path.startswith(("/m/", "/catalogue/krathum-baen/")):
        strict_visitor.page.locator(".leaflet-container").wait_for()
    strict_visitor.check_clean()


@pytest.mark.django_db
def test_the_policy_names_the_basemap_servers_the_municipalities_chose(web_world, client):
    BasemapSource.objects.create(name_th="ภาพถ่าย", name_en="Ortho", url_template="https://{s}.tiles.example.go.th/{z}/{x}/{y}.png")
    policy = client.get("/").headers["Content-Security-Policy"]
    img = next(part for part in policy.split("; ") if part.startswith("img-src"))
    assert "https://*.tiles.example.go.th" in img and "https://tile.openstreetmap.org" in img
    assert "script-src 'self';" in policy + ";"
