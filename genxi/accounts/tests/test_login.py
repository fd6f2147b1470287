import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from genxi import settings as project_settings
from genxi.accounts.models import Membership
from genxi.accounts.services import create_user
from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_log_in_by_username_and_by_phone(world: World, client) -> None:
    create_user(actor=None, username="wang", password=PASSWORD, phone="139 0000 1111")
    response = client.post(LOGIN, {"username": "wang", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    client.post(reverse("accounts:logout"))
    response = client.post(LOGIN, {"username": "13900001111", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_explains_in_chinese(world: World, client) -> None:
    response = client.post(LOGIN, {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或手机号与密码不匹配" in response.content.decode()


def test_lock_out_after_five_failures_even_with_the_right_password(world: World, client) -> None:
    for _ in range(5):
        client.post(LOGIN, {"username": "bob", "password": "wrong"})
    response = client.post(LOGIN, {"username": "bob", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


def test_passwords_are_hashed_with_argon2(db, settings) -> None:
    # The suite hashes with MD5 for speed (conftest): put back what genxi/settings.py says, so
    # that this fails if the project stops hashing with Argon2.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = create_user(actor=None, username="argon", password=PASSWORD)
    assert identify_hasher(user.password).algorithm == "argon2"


def test_password_change_is_audited(world: World, client) -> None:
    client.force_login(world["bob"])
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-one-9",
            "new_password2": "a-much-better-one-9",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="user.change_password", actor=world["bob"]).exists()
    world["bob"].refresh_from_db()
    assert world["bob"].check_password("a-much-better-one-9")


def test_log_out_needs_post(world: World, client) -> None:
    client.force_login(world["bob"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get("/").status_code == 302


def test_duplicate_phone_for_accounts_is_refused(world: World) -> None:
    create_user(actor=None, username="one", password=None, phone="13600000000")
    with pytest.raises(ServiceError):
        create_user(actor=None, username="two", password=None, phone="+86 136 0000 0000")


def test_a_phone_number_in_another_spelling_is_still_locked_out(world: World, client) -> None:
    create_user(actor=None, username="zhou", password=PASSWORD, phone="13962510003")
    for spelling in (
        "13962510003",
        "139 6251 0003",
        "+86 139 6251 0003",
        "139-6251-0003",
        "+8613962510003",
    ):
        client.post(LOGIN, {"username": spelling, "password": "wrong"})
    response = client.post(LOGIN, {"username": "(139)62510003", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_membership_grants_in_the_admin_go_through_the_service(world: World, client) -> None:
    admin = create_user(actor=None, username="root", password=PASSWORD, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:accounts_membership_add")
    data = {"user": world["nobody"].pk, "role": "community_staff", "area": world.hetai.pk}
    assert client.post(url, data).status_code == 302
    assert AuditEntry.objects.filter(action="membership.grant", actor=admin).count() == 1
    response = client.post(url, data)  # the same role again: an error on the form, not a 500
    assert response.status_code == 200
    assert Membership.objects.filter(user=world["nobody"]).count() == 1


def test_wrong_passwords_by_phone_lock_the_username_too(world: World, client) -> None:
    create_user(actor=None, username="zhou", password=PASSWORD, phone="13962510003")
    for _ in range(5):
        client.post(LOGIN, {"username": "139 6251 0003", "password": "wrong"})
    response = client.post(LOGIN, {"username": "zhou", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_by_username_lock_the_phone_too(world: World, client) -> None:
    create_user(actor=None, username="zhou", password=PASSWORD, phone="13962510003")
    for _ in range(5):
        client.post(LOGIN, {"username": "zhou", "password": "wrong"})
    response = client.post(LOGIN, {"username": "+86 139 6251 0003", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_mixed_identifiers_share_one_count(world: World, client) -> None:
    create_user(actor=None, username="zhou", password=PASSWORD, phone="13962510003")
    for name in ("zhou", "13962510003", "zhou", "139-6251-0003", "zhou"):
        client.post(LOGIN, {"username": name, "password": "wrong"})
    response = client.post(LOGIN, {"username": "zhou", "password": PASSWORD})
    assert response.status_code == 429
