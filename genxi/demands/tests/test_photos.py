"""Photos: images only, size-limited, re-encoded without location data, served only in scope."""

import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from genxi.conftest import World
from genxi.core import images
from genxi.demands import services
from genxi.demands.models import Demand, DemandPhoto, HandlingPath, PhotoKind
from genxi.demands.tests.conftest import collect

pytestmark = pytest.mark.django_db


def phone_photo(
    name: str = "IMG_0001.jpg", size: tuple[int, int] = (4000, 3000)
) -> SimpleUploadedFile:
    """A JPEG as a phone takes it: with GPS and an orientation tag in its EXIF."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotated 90°
    gps = exif.get_ifd(0x8825)
    gps[2] = (31.0, 18.0, 0.0)  # latitude 31°18' (Suzhou)
    gps[4] = (120.0, 37.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_a_phone_photo_is_re_encoded_upright_without_exif() -> None:
    cleaned = images.clean_photo(phone_photo())
    with Image.open(io.BytesIO(cleaned.read())) as result:
        assert result.format == "JPEG"
        assert not result.getexif()  # no GPS, no orientation, nothing
        assert result.size == (1536, 2048)  # turned upright, then scaled to 2048 on the long side


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain"), "不是照片"),
        (
            SimpleUploadedFile("fake.jpg", b"\xff\xd8\xff\xe0garbage", content_type="image/jpeg"),
            "不是照片",
        ),
    ],
)
def test_what_is_not_a_photo_is_refused_in_chinese(upload, message) -> None:
    with pytest.raises(ValidationError) as excinfo:
        images.clean_photo(upload)
    assert message in " ".join(excinfo.value.messages)


def test_an_oversized_upload_is_refused(settings) -> None:
    big = SimpleUploadedFile("big.jpg", b"0" * (images.MAX_BYTES + 1), content_type="image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        images.clean_photo(big)
    assert excinfo.value.code == "too_large"


def test_intake_with_photos_and_who_may_see_them(world: World, category, client) -> None:
    client.force_login(world["carol"])
    response = client.post(
        reverse("demands:demand_create"),
        {
            "title": "南门太窄",
            "category": category.pk,
            "area": world.building1.pk,
            "channel": "visit",
            "form_token": str(uuid.uuid4()),
            "photos": [phone_photo("a.jpg", (800, 600)), phone_photo("b.jpg", (800, 600))],
        },
    )
    assert response.status_code == 302
    demand = Demand.objects.get()
    photos = list(demand.photos.all())
    assert [p.kind for p in photos] == [PhotoKind.INTAKE, PhotoKind.INTAKE]
    url = reverse("demands:demand_photo", args=[demand.pk, photos[0].pk])
    got = client.get(url)
    assert got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content).startswith(b"\xff\xd8")
    client.force_login(world["oscar"])  # another street
    assert client.get(url).status_code == 404


def test_a_bad_file_loses_nothing_else(world: World, category, client) -> None:
    client.force_login(world["carol"])
    response = client.post(
        reverse("demands:demand_create"),
        {
            "title": "南门太窄",
            "category": category.pk,
            "area": world.building1.pk,
            "channel": "visit",
            "form_token": str(uuid.uuid4()),
            "photos": [SimpleUploadedFile("x.pdf", b"%PDF-1.4", content_type="application/pdf")],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "不是照片" in html and 'value="南门太窄"' in html  # what was typed is still there
    assert not Demand.objects.exists() and not DemandPhoto.objects.exists()


def test_evidence_photos_when_resolving(world: World, category, client) -> None:
    demand = collect(world, category)
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="x")
    services.assign(actor=world["bob"], demand=demand, path=HandlingPath.COMMUNITY)
    client.force_login(world["bob"])
    response = client.post(
        reverse("demands:demand_action", args=[demand.pk, "resolve"]),
        {
            "resolve-result": "通道拓宽至120厘米",
            "resolve-photos": [phone_photo("after.jpg", (640, 480))],
        },
    )
    assert response.status_code == 302
    assert demand.photos.get().kind == PhotoKind.EVIDENCE


def test_on_site_photos_when_verifying(world: World, category, client) -> None:
    demand = collect(world, category)
    services.accept(actor=world["bob"], demand=demand)
    client.force_login(world["bob"])
    url = reverse("demands:demand_action", args=[demand.pk, "verify"])
    assert (
        client.post(
            url,
            {
                "verify-findings": "最窄处50厘米",
                "verify-photos": [phone_photo("gate.jpg", (640, 480))],
            },
        ).status_code
        == 302
    )
    assert demand.photos.get().kind == PhotoKind.VERIFICATION
