import pytest
from django.urls import reverse

from genxi.conftest import World
from genxi.places import services

pytestmark = pytest.mark.django_db


def test_a_higher_organisation_out_of_scope_is_named_not_linked(world: World, client) -> None:
    street_org = services.create_party_org(
        actor=None, name="白洋湾街道党工委", kind="committee", area=world.street
    )
    world.org.parent = street_org
    world.org.save(update_fields=["parent"])
    url = reverse("places:partyorg_detail", args=[world.org.pk])
    parent_url = street_org.get_absolute_url()

    client.force_login(world["bob"])  # community staff: the street's organisation is above him
    assert client.get(parent_url).status_code == 404
    html = client.get(url).content.decode()
    assert "白洋湾街道党工委" in html and parent_url not in html

    client.force_login(world["alice"])  # street staff: it is hers
    html = client.get(url).content.decode()
    assert f'href="{parent_url}"' in html
