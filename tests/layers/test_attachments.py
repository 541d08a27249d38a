import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from layers.models import Attachment, Revision
from tests.conftest import client_for


def phone_photo(width=4000, height=3000, gps=((13, 39, 8.28), (100, 15, 25.92)), when="2026:11:20 09:30:00", orientation=6):
    """A JPEG like a phone writes: sideways pixels with an orientation tag, GPS and time."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: gps[0], 3: "E", 4: gps[1]})
    if when:
        exif.get_ifd(0x8769)[36867] = when
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 60)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", out.getvalue(), content_type="image/jpeg")


def upload(user, feature, **data):
    return client_for(user).post(
        reverse("feature-attachments", args=[feature.pk]), {"file": phone_photo(), **data}, format="multipart"
    )


def test_a_phone_photo_keeps_its_time_and_place_and_stands_upright(world):
    response = upload(world.colleague, world.road, caption="ผิวถนนแตก")
    assert response.status_code == 201, response.content
    photo = response.json()
    assert photo["caption"] == "ผิวถนนแตก"
    assert photo["taken_at"].startswith("2026-11-20T09:30:00+07:00")
    lon, lat = photo["location"]["coordinates"]
    assert abs(lat - 13.6523) < 1e-4 and abs(lon - 100.2572) < 1e-4
    # Orientation 6 means "rotate 90°": the stored copy is portrait and at most 2560 px.
    assert (photo["width"], photo["height"]) == (1920, 2560)
    image = client_for(world.viewer).get(photo["url"])
    assert image["Content-Type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(b"".join(image.streaming_content)))
    assert stored.size == (1920, 2560)
    assert not stored.getexif(), "camera metadata is not served back"
    thumb = Image.open(io.BytesIO(b"".join(client_for(world.viewer).get(photo["thumbnail_url"]).streaming_content)))
    assert max(thumb.size) == 320


def test_the_device_position_wins_over_exif(world):
    photo = upload(world.colleague, world.road, lon="100.3", lat="13.7", taken_at="2026-11-21T10:00:00+07:00").json()
    assert photo["location"]["coordinates"] == [100.3, 13.7]
    assert photo["taken_at"].startswith("2026-11-21T10:00:00")


def test_several_photos_per_feature_are_listed(world):
    upload(world.colleague, world.road)
    upload(world.colleague, world.road)
    listed = client_for().get(reverse("feature-attachments", args=[world.road.pk])).json()
    assert len(listed) == 2


def test_a_file_that_is_not_an_image_is_refused_in_both_languages(world):
    fake = SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    response = client_for(world.colleague).post(
        reverse("feature-attachments", args=[world.road.pk]), {"file": fake}, format="multipart"
    )
    assert response.status_code == 400
    assert "ไม่ใช่รูปภาพ" in response.json()["file"][0] and "not a readable image" in response.json()["file"][0]
    assert Attachment.objects.count() == 0


def test_a_decompression_bomb_is_refused(world):
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")
    bomb = SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")
    response = client_for(world.colleague).post(
        reverse("feature-attachments", args=[world.road.pk]), {"file": bomb}, format="multipart"
    )
    assert response.status_code == 400


def test_photos_survive_delete_and_restore_of_their_feature(world):
    upload(world.colleague, world.road)
    world.road.remove(world.colleague)
    Revision.objects.get(feature_id=world.road.pk, action="delete").restore(world.colleague)
    assert len(client_for().get(reverse("feature-attachments", args=[world.road.pk])).json()) == 1


def test_a_photo_of_a_restricted_feature_cannot_be_fetched_by_guessing(world):
    photo = upload(world.health, world.case).json()
    assert client_for(world.health).get(photo["url"]).status_code == 200
    for outsider in (None, world.owner, world.stranger):
        assert client_for(outsider).get(photo["url"]).status_code == 404
        assert client_for(outsider).get(photo["thumbnail_url"]).status_code == 404
    # Nor straight from the media folder: it is not served at all.
    stored = Attachment.objects.get(pk=photo["id"]).image
    assert client_for(world.health).get(f"/media/{stored.name}").status_code == 404


def test_deleting_a_photo_removes_its_files(world, django_capture_on_commit_callbacks):
    photo = upload(world.colleague, world.road).json()
    attachment = Attachment.objects.get(pk=photo["id"])
    storage, name = attachment.image.storage, attachment.image.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.colleague).delete(reverse("attachment-detail", args=[photo["id"]]))
    assert response.status_code == 204
    assert not Attachment.objects.filter(pk=photo["id"]).exists()
    assert not storage.exists(name)
