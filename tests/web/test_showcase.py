"""The public showcase: landmarks, OTOP products and occupation groups for anyone, on a
phone too, with a link per item, and nothing from an internal or restricted layer."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_showcase_shows_public_items_without_sign_in(web_world, phone):
    page = phone.open("/m/krathum-baen/showcase/")
    cards = page.locator(".showcase-card")
    assert cards.count() == 2
    text = page.inner_text("main")
    assert "วัดดอนไก่ดี" in text and "วัดเก่าริมคลองกระทุ่มแบน" in text and "บ๊ะจ่าง" in text
    assert "วัด" in page.inner_text(f"#item-{web_world.temple.pk} .kind")
    assert "80 บาท" in page.inner_text(f"#item-{web_world.dumpling.pk}")
    assert "จุดลับภายใน" not in text  # a landmark, but in an internal layer
    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.wait_for_function("document.querySelectorAll('#showcase-map .leaflet-interactive').length > 0 || document.querySelector('#showcase-map canvas')")
    phone.screenshot("showcase-phone", full_page=True)
    phone.check_clean()


def test_a_signed_in_member_sees_the_same_public_showcase(web_world, visitor):
    visitor.sign_in(web_world.colleague)
    text = visitor.open("/m/krathum-baen/showcase/").inner_text("main")
    assert "วัดดอนไก่ดี" in text and "จุดลับภายใน" not in text
    visitor.check_clean()


def test_each_item_has_its_own_link(web_world, visitor):
    page = visitor.open("/m/krathum-baen/showcase/")
    page.click(f"#item-{web_world.dumpling.pk} a.share")
    page.wait_for_url(f"**/m/krathum-baen/showcase/{web_world.dumpling.pk}/")
    assert page.locator(".showcase-card").count() == 1
    assert "บ๊ะจ่าง" in page.inner_text(".showcase-card")
    visitor.screenshot("showcase-item")
    visitor.check_clean()
    hidden = visitor.page.goto(f"{visitor.base}/m/krathum-baen/showcase/{web_world.secret.pk}/")
    assert hidden.status == 404
