"""Signing in: the second step for those who turned it on, and throttling."""

import base64

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def code(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def sign_in(client, username, **extra):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, "next": "/", **extra})


def test_without_a_second_step_the_password_is_enough(world, client):
    assert sign_in(client, "viewer").status_code == 302


def test_a_manager_with_the_second_step_needs_the_code(world, client):
    device = TOTPDevice.objects.create(user=world.owner, name="phone", confirmed=True)
    assert sign_in(client, "owner", otp_token=code(device)).status_code == 302
    assert client.session["_auth_user_id"] == str(world.owner.pk)


@pytest.mark.parametrize("token", ["", "wrong"])
def test_without_the_right_code_a_manager_stays_signed_out(world, client, token):
    device = TOTPDevice.objects.create(user=world.owner, name="phone", confirmed=True)
    if token == "wrong":
        token = "000000" if code(device) != "000000" else "111111"
    refused = sign_in(client, "owner", otp_token=token)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session


def test_turning_the_second_step_on_takes_a_scan_and_a_code(world, client):
    client.force_login(world.owner)
    page = client.get("/accounts/two-factor/").content.decode()
    assert "เริ่มตั้งค่า" in page
    client.post("/accounts/two-factor/", {"action": "start"})
    page = client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page and "otpauth" not in page  # the secret is only inside the QR image
    device = TOTPDevice.objects.get(user=world.owner)
    assert not device.confirmed
    client.post("/accounts/two-factor/", {"action": "confirm", "token": code(device)})
    device.refresh_from_db()
    assert device.confirmed


def test_the_admin_sign_in_leads_to_the_one_sign_in_page(world, client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/admin/")


@pytest.mark.parametrize("attempts", [5])
def test_five_wrong_passwords_lock_the_web_sign_in(world, client, attempts):
    for _ in range(attempts):
        client.post("/accounts/login/", {"username": "viewer", "password": "wrong"})
    locked = sign_in(client, "viewer")
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_password_reset_says_the_same_whether_or_not_the_account_exists(world, client, mailoutbox):
    world.viewer.email = "viewer@tha-muang.go.th"
    world.viewer.save()
    known = client.post("/accounts/password-reset/", {"email": "viewer@tha-muang.go.th"}, follow=True)
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@tha-muang.go.th"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.content.decode().split("<main")[1] == unknown.content.decode().split("<main")[1]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["viewer@tha-muang.go.th"]
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/reset/" in line).strip()
    form = client.get(link, follow=True)
    assert "ตั้งรหัสผ่านใหม่" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "น้ำพริกปลาทู 2569", "new_password2": "น้ำพริกปลาทู 2569"}, follow=True)
    assert "ตั้งรหัสผ่านใหม่แล้ว" in done.content.decode()
    world.viewer.refresh_from_db()
    assert world.viewer.check_password("น้ำพริกปลาทู 2569")


def basic(username, password):
    """A client as QGIS or GDAL signs in: HTTP Basic on every request."""
    return APIClient(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{username}:{password}".encode()).decode())


def token_for(username, password):
    return APIClient().post(reverse("auth-token"), {"username": username, "password": password}, format="json").json().get("token")


def test_five_wrong_passwords_over_http_basic_lock_out_basic_and_tokens(world):
    drain = reverse("feature-detail", args=[world.drain.pk])
    for _ in range(5):
        assert basic("viewer", "guess").get(drain).status_code == 401
    assert basic("viewer", PASSWORD).get(drain).status_code in (401, 403, 429)
    assert token_for("viewer", PASSWORD) is None
    # Another account from the same address is not locked out by it.
    assert basic("colleague", PASSWORD).get(drain).status_code == 200


def test_after_a_password_reset_tokens_and_http_basic_take_only_the_new_password(world, client, mailoutbox):
    world.viewer.email = "viewer@krathum-baen.go.th"
    world.viewer.save()
    old_token = token_for("viewer", PASSWORD)
    client.post("/accounts/password-reset/", {"email": "viewer@krathum-baen.go.th"})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/reset/" in line).strip()
    form = client.get(link, follow=True)
    new = "a new and much longer passphrase"
    done = client.post(form.request["PATH_INFO"], {"new_password1": new, "new_password2": new}, follow=True)
    assert done.status_code == 200 and "password_reset_complete" in [t.name.split("/")[-1][:-5] for t in done.templates]
    drain = reverse("feature-detail", args=[world.drain.pk])
    assert basic("viewer", PASSWORD).get(drain).status_code == 401
    assert basic("viewer", new).get(drain).status_code == 200
    assert token_for("viewer", PASSWORD) is None
    assert token_for("viewer", new)
    # A token handed out before the reset (perhaps to whoever knew the old password) is void.
    assert APIClient(HTTP_AUTHORIZATION=f"Token {old_token}").get(drain).status_code == 401
