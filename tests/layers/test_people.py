"""Each municipality's managers manage its members, their roles and the grants on its
restricted layers; nobody else sees or changes them."""

import pytest
from django.urls import reverse

from layers.models import AccessRecord, Layer, LayerGrant, Membership
from tests.conftest import client_for, make_user


def test_a_manager_sees_only_their_municipality_members(world):
    members = client_for(world.owner).get(reverse("membership-list")).json()
    assert {(m["municipality"], m["username"]) for m in members} == {
        ("krathum-baen", name) for name in ("owner", "colleague", "viewer", "health")
    }


@pytest.mark.parametrize("role", [None, "viewer", "colleague", "health"])
def test_others_see_no_members_and_change_nothing(world, role):
    client = client_for(getattr(world, role) if role else None)
    assert client.get(reverse("membership-list")).json() == []
    assert client.get(reverse("grant-list")).json() == []
    kb_member = Membership.objects.get(user=world.viewer)
    assert client.patch(reverse("membership-detail", args=[kb_member.pk]), {"role": "manager"}, format="json").status_code in (401, 404)
    kb_member.refresh_from_db()
    assert kb_member.role == "viewer"


def test_a_stranger_cannot_add_members_to_another_municipality(world):
    make_user("newcomer")
    response = client_for(world.stranger).post(
        reverse("membership-list"), {"municipality": "krathum-baen", "username": "newcomer", "role": "editor"}, format="json"
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user__username="newcomer").exists()


def test_a_manager_adds_promotes_and_removes_a_member(world):
    make_user("newcomer")
    client = client_for(world.owner)
    created = client.post(
        reverse("membership-list"), {"municipality": "krathum-baen", "username": "newcomer", "role": "viewer"}, format="json"
    )
    assert created.status_code == 201, created.content
    url = reverse("membership-detail", args=[created.json()["id"]])
    assert client.patch(url, {"role": "editor"}, format="json").json()["role"] == "editor"
    assert Layer.objects.editable_by(Membership.objects.get(pk=created.json()["id"]).user).filter(pk=world.drains.pk).exists()
    assert client.delete(url).status_code == 204
    assert not Membership.objects.filter(user__username="newcomer").exists()


def test_the_last_manager_cannot_leave_or_step_down(world):
    mine = Membership.objects.get(user=world.owner)
    client = client_for(world.owner)
    assert client.patch(reverse("membership-detail", args=[mine.pk]), {"role": "viewer"}, format="json").status_code == 400
    assert client.delete(reverse("membership-detail", args=[mine.pk])).status_code == 400
    assert Membership.objects.get(pk=mine.pk).role == "manager"


def test_a_manager_grants_the_welfare_layer_to_a_member_and_it_is_recorded(world):
    client = client_for(world.owner)
    response = client.post(reverse("grant-list"), {"layer": world.welfare.pk, "username": "viewer", "can_edit": False}, format="json")
    assert response.status_code == 201, response.content
    assert Layer.objects.visible_to(world.viewer).filter(pk=world.welfare.pk).exists()
    assert client.delete(reverse("grant-detail", args=[response.json()["id"]])).status_code == 204
    assert not Layer.objects.visible_to(world.viewer).filter(pk=world.welfare.pk).exists()
    assert list(AccessRecord.objects.filter(layer=world.welfare).values_list("username", "action", "what")) == [
        ("owner", "grant", "revoke viewer"),
        ("owner", "grant", "grant viewer"),
    ]


def test_grants_go_only_to_members_and_only_on_restricted_layers(world):
    client = client_for(world.owner)
    outsider = client.post(reverse("grant-list"), {"layer": world.welfare.pk, "username": "stranger"}, format="json")
    assert outsider.status_code == 400 and "members of the municipality" in outsider.json()["username"][0]
    public = client.post(reverse("grant-list"), {"layer": world.roads.pk, "username": "viewer"}, format="json")
    assert public.status_code == 400
    elsewhere = client_for(world.stranger).post(reverse("grant-list"), {"layer": world.welfare.pk, "username": "viewer"}, format="json")
    assert elsewhere.status_code == 400
    assert LayerGrant.objects.count() == 1  # the health grant from the world


def test_leaving_the_municipality_ends_its_grants(world):
    client = client_for(world.owner)
    client.delete(reverse("membership-detail", args=[Membership.objects.get(user=world.health).pk]))
    assert not Layer.objects.visible_to(world.health).filter(pk=world.welfare.pk).exists()
