"""Sensitive personal data (the welfare layer): every read, export, change and erasure is
recorded; managers review the record; a person's data can be exported and erased."""

import csv
import io

from django.urls import reverse

from layers.models import AccessRecord, Attachment, Feature, Revision
from tests.conftest import client_for
from tests.layers.test_attachments import phone_photo


def records(world):
    return list(AccessRecord.objects.filter(layer=world.welfare).order_by("id").values_list("username", "action", "count"))


def test_every_read_and_change_of_the_welfare_layer_is_recorded(world):
    health = client_for(world.health)
    b"".join(health.get(reverse("layer-features", args=[world.welfare.pk])).streaming_content)
    health.get(reverse("feature-detail", args=[world.case.pk]))
    health.patch(reverse("feature-detail", args=[world.case.pk]), {"version": 1, "properties": {"group": "bedridden"}}, format="json")
    health.get(reverse("feature-revisions", args=[world.case.pk]))
    assert records(world) == [("health", "read", 1), ("health", "read", 1), ("health", "change", 1), ("health", "read", 2)]


def test_public_and_internal_layers_are_not_recorded(world):
    b"".join(client_for(world.viewer).get(reverse("layer-features", args=[world.drains.pk])).streaming_content)
    client_for(world.viewer).get(reverse("feature-detail", args=[world.road.pk]))
    assert AccessRecord.objects.count() == 0


def test_a_refused_request_records_nothing(world):
    client_for(world.owner).get(reverse("feature-detail", args=[world.case.pk]))
    assert records(world) == []


def test_managers_review_and_export_the_record_without_seeing_the_data(world):
    client_for(world.health).get(reverse("feature-detail", args=[world.case.pk]))
    owner = client_for(world.owner)
    assert owner.get(reverse("feature-detail", args=[world.case.pk])).status_code == 404
    log = owner.get(reverse("layer-access-log", args=[world.welfare.pk])).json()
    assert [(r["user"], r["action"], r["count"]) for r in log] == [("health", "read", 1)]
    response = owner.get(reverse("layer-access-log", args=[world.welfare.pk]), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["at", "user", "action", "what", "count"]
    assert rows[1][1:] == ["health", "read", f"GET /api/v1/features/{world.case.pk}/", "1"]
    assert "สมศรี" not in response.content.decode("utf-8-sig")
    assert client_for(world.stranger).get(reverse("layer-access-log", args=[world.welfare.pk])).status_code == 404


def test_a_persons_record_is_exported_for_an_access_request(world):
    world.case.change(world.health, 1, properties={"group": "bedridden"})
    Attachment.add(world.case, phone_photo(400, 300), world.health)
    bundle = client_for(world.health).get(reverse("feature-personal-data", args=[world.case.pk])).json()
    assert bundle["feature"]["properties"]["full_name"] == "สมศรี ใจดี"
    assert [r["action"] for r in bundle["revisions"]] == ["update", "create"]
    assert len(bundle["photos"]) == 1
    assert records(world)[-1] == ("health", "export", 4)


def test_erasure_removes_the_person_everywhere_and_records_that_it_happened(world, django_capture_on_commit_callbacks):
    world.case.change(world.health, 1, properties={"group": "bedridden"})
    photo = Attachment.add(world.case, phone_photo(400, 300), world.health)
    storage, name = photo.image.storage, photo.image.name
    url = reverse("feature-personal-data", args=[world.case.pk])
    client = client_for(world.health)
    assert client.delete(url, {}, format="json").status_code == 400  # a reason is required
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(url, {"reason": "คำขอลบข้อมูลเลขที่ 12/2569"}, format="json").status_code == 200
    assert not Feature.objects.filter(pk=world.case.pk).exists()
    assert not Attachment.objects.filter(feature_id=world.case.pk).exists() and not storage.exists(name)
    history = Revision.objects.filter(feature_id=world.case.pk)
    assert all(r.before is None and r.after is None for r in history)
    assert history.first().action == "erase" and history.first().user == world.health
    assert records(world)[-1] == ("health", "erase", 1)
    assert "12/2569" in AccessRecord.objects.filter(action="erase").get().what
    # An erased record cannot be brought back from its history.
    response = client.post(reverse("revision-restore", args=[history.last().pk]), {}, format="json")
    assert response.status_code == 400 and "erased" in response.json()["revision"][0]


def test_reads_through_ogc_tiles_and_exports_are_recorded_too(world):
    health = client_for(world.health)
    health.get("/ogc/collections/krathum-baen.welfare-cases/items?limit=5").getvalue()
    health.get(f"/ogc/collections/krathum-baen.welfare-cases/items/{world.case.pk}")
    x, y = 3283, 1909  # a z13 tile over Krathum Baen
    health.get(f"/tiles/{world.welfare.pk}/13/{x}/{y}.mvt")
    export = health.get(reverse("layer-export", args=[world.welfare.pk]), {"format": "csv"})
    assert export.status_code == 200
    assert records(world) == [("health", "read", 1), ("health", "read", 1), ("health", "read", 1), ("health", "export", 1)]


def test_the_welfare_layer_keeps_only_the_fields_care_needs(world):
    from layers.models import Layer

    schema = world.welfare.schema + [{"name": "religion", "type": "text", "label_th": "ศาสนา", "label_en": "Religion"}]
    response = client_for(world.owner).patch(reverse("layer-detail", args=[world.roads.pk]), {"schema": schema}, format="json")
    assert response.status_code == 200  # other layers may grow
    admin = client_for(world.admin)
    refused = admin.patch(reverse("layer-detail", args=[world.welfare.pk]), {"schema": schema}, format="json")
    assert refused.status_code == 400 and "religion" in refused.json()["schema"][0]
    assert "religion" not in {f["name"] for f in Layer.objects.get(pk=world.welfare.pk).schema}
    fewer = admin.patch(reverse("layer-detail", args=[world.welfare.pk]), {"schema": world.welfare.schema[:4]}, format="json")
    assert fewer.status_code == 200
