"""The home page: municipalities on a map and in a list, sign-in, Thai first and English."""

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_lists_and_maps_the_municipalities_in_thai_first(web_world, visitor):
    page = visitor.open("/")
    assert page.get_attribute("html", "lang") == "th"
    cards = page.inner_text(".municipalities")
    assert "เทศบาลเมืองกระทุ่มแบน" in cards and "Krathum Baen" in cards and "สมุทรสาคร" in cards
    page.wait_for_function("document.querySelector('#overview-map canvas')")
    # The font is our own Sarabun, not a fallback that draws Thai as boxes.
    page.wait_for_function("document.fonts.check('16px Sarabun', 'กระทุ่มแบน')")
    visitor.screenshot("home", full_page=True)
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Krathum Baen Town Municipality" in page.inner_text(".municipalities")
    visitor.screenshot("home-english", full_page=True)
    visitor.check_clean()


def test_a_member_signs_in_and_out(web_world, visitor):
    page = visitor.open("/m/krathum-baen/")
    page.click("a.signin")
    page.fill("#id_username", "colleague")
    page.fill("#id_password", PASSWORD)
    visitor.screenshot("sign-in")
    page.click(".signin-form button")
    page.wait_for_url("**/m/krathum-baen/**")
    page.wait_for_selector(".layer[data-layer-slug=drains]")
    assert page.inner_text(".who") == "colleague"
    page.click("text=ออกจากระบบ")
    page.wait_for_selector("a.signin")
    visitor.check_clean()
