"""The fixed cast every test uses, set up through the services (never raw ORM writes).

白洋湾街道 (street) ─ 和泰社区 ─ 三花苑 ─ 1幢 (grid 和泰一网格), 2幢 (grid 和泰二网格)
                   └ 宝祥社区 ─ 宝祥苑 ─ 1幢
元和街道 (another street) ─ 娄北社区 ─ 娄北苑 ─ 1幢

alice   street staff of 白洋湾街道          bob     community staff of 和泰社区
carol   pioneer of 和泰社区, covering grid 1  dave    partner handler for 金阳宝地物业 at 宝祥社区
erin    resident of 和泰社区                 frank   leadership (read only) of 白洋湾街道
oscar   community staff of 娄北社区 (the outsider)   nobody  no role at all
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from genxi.accounts.models import Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.places import services
from genxi.places.models import Area, AreaKind, Partner, PartyOrg, Pioneer, Resident, Venue
from tests.server import real_server  # noqa: F401 (a fixture for the real-server tests)

# Playwright's sync API runs an event loop in the test thread; the ORM calls next to it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-42"


@pytest.fixture(autouse=True)
def _fast_settings(settings: Any, tmp_path: Any) -> None:
    # Argon2 is the real hasher (tested in accounts); MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.LANGUAGE_CODE = "zh-hans"
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads never land in the developer's data/
    # The menu's badges are counted afresh on every page (tests read them right after a step).
    settings.GENXI_MENU_BADGE_SECONDS = 0
    # The API's rate limits are tested on their own (api/tests/test_throttle.py).
    settings.GENXI_API_RATE_ANON = settings.GENXI_API_RATE_TOKEN = "0/minute"
    settings.GENXI_API_RATE_FAILED = "0/minute"


@pytest.fixture(autouse=True, scope="session")
def _static_from_source() -> Iterator[None]:
    """Serve static files from the source tree (no collectstatic before a test run).

    Session-scoped so it is in force before the live server starts its handler.
    """
    from django.conf import settings
    from django.test import override_settings

    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@dataclass
class World:
    street: Area
    hetai: Area
    compound: Area
    building1: Area
    building2: Area
    grid1: Area
    grid2: Area
    baoxiang: Area
    baoxiang_compound: Area
    other_street: Area
    loubei: Area
    loubei_building: Area
    partner: Partner
    other_partner: Partner
    org: PartyOrg
    venue: Venue
    other_venue: Venue
    resident1: Resident
    resident2: Resident
    loubei_resident: Resident
    pioneer: Pioneer
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def area(kind: str, name: str, parent: Area | None, grid: Area | None = None) -> Area:
    return services.create_area(actor=None, kind=kind, name=name, parent=parent, grid=grid)


def build_world() -> World:
    district = area(AreaKind.DISTRICT, "姑苏区", None)
    street = area(AreaKind.STREET, "白洋湾街道", district)
    hetai = area(AreaKind.COMMUNITY, "和泰社区", street)
    grid1 = area(AreaKind.GRID, "和泰一网格", hetai)
    grid2 = area(AreaKind.GRID, "和泰二网格", hetai)
    compound = area(AreaKind.COMPOUND, "三花苑", hetai)
    building1 = area(AreaKind.BUILDING, "1幢", compound, grid1)
    building2 = area(AreaKind.BUILDING, "2幢", compound, grid2)
    baoxiang = area(AreaKind.COMMUNITY, "宝祥社区", street)
    baoxiang_compound = area(AreaKind.COMPOUND, "宝祥苑", baoxiang)
    area(AreaKind.BUILDING, "1幢", baoxiang_compound)
    other_district = area(AreaKind.DISTRICT, "相城区", None)
    other_street = area(AreaKind.STREET, "元和街道", other_district)
    loubei = area(AreaKind.COMMUNITY, "娄北社区", other_street)
    loubei_compound = area(AreaKind.COMPOUND, "娄北苑", loubei)
    loubei_building = area(AreaKind.BUILDING, "1幢", loubei_compound)

    partner = services.create_partner(
        actor=None, name="金阳宝地物业", kind="property", area=baoxiang
    )
    other_partner = services.create_partner(
        actor=None, name="苏州市农产品发展有限公司", kind="company", area=loubei
    )
    org = services.create_party_org(actor=None, name="和泰社区党委", kind="committee", area=hetai)
    venue = services.create_venue(actor=None, name="三花半月谈长廊", kind="corridor", area=hetai)
    other_venue = services.create_venue(actor=None, name="上高路会议室", kind="other", area=loubei)
    resident1 = services.create_resident(
        actor=None, name="周福珍", phone="13812345678", area=building1, room="302"
    )
    resident2 = services.create_resident(
        actor=None, name="许向前", phone="13912345678", area=building2, room="101"
    )
    loubei_resident = services.create_resident(
        actor=None, name="高福妹", phone="15012345678", area=loubei_building, room="201"
    )

    users: dict[str, User] = {}
    for username, name in [
        ("alice", "艾丽丝"),
        ("bob", "鲍勃"),
        ("carol", "卡罗尔"),
        ("dave", "戴夫"),
        ("erin", "艾琳"),
        ("frank", "弗兰克"),
        ("oscar", "奥斯卡"),
        ("nobody", "路人"),
    ]:
        users[username] = create_user(actor=None, username=username, password=PASSWORD, name=name)
    grant_membership(actor=None, user=users["alice"], role=Role.STREET_STAFF, area=street)
    grant_membership(actor=None, user=users["bob"], role=Role.COMMUNITY_STAFF, area=hetai)
    grant_membership(actor=None, user=users["carol"], role=Role.PIONEER, area=hetai)
    grant_membership(
        actor=None, user=users["dave"], role=Role.PARTNER, area=baoxiang, partner=partner
    )
    grant_membership(actor=None, user=users["erin"], role=Role.RESIDENT, area=hetai)
    grant_membership(actor=None, user=users["frank"], role=Role.LEADERSHIP, area=street)
    grant_membership(actor=None, user=users["oscar"], role=Role.COMMUNITY_STAFF, area=loubei)
    pioneer = services.appoint_pioneer(
        actor=None,
        name="卡罗尔",
        community=hetai,
        appointed_on=date(2025, 1, 1),
        grids=[grid1],
        user=users["carol"],
    )
    erin_resident = services.create_resident(
        actor=None, name="艾琳", phone="18612345678", area=building2, room="502"
    )
    services.update_resident(actor=None, resident=erin_resident, user=users["erin"])
    return World(
        street=street,
        hetai=hetai,
        compound=compound,
        building1=building1,
        building2=building2,
        grid1=grid1,
        grid2=grid2,
        baoxiang=baoxiang,
        baoxiang_compound=baoxiang_compound,
        other_street=other_street,
        loubei=loubei,
        loubei_building=loubei_building,
        partner=partner,
        other_partner=other_partner,
        org=org,
        venue=venue,
        other_venue=other_venue,
        resident1=resident1,
        resident2=resident2,
        loubei_resident=loubei_resident,
        pioneer=pioneer,
        users=users,
    )


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("GENXI_CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


# Every page a browser test opens is watched for Content-Security-Policy violations: Chromium
# logs each refused inline script, handler, eval or foreign resource on the console, and the page
# fires `securitypolicyviolation` (reported on the console here too). Any of them fails the test.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.effectiveDirective + " blocked "
    + (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def context(new_context: Any) -> Iterator[Any]:
    browser_context = new_context()
    violations: list[str] = []

    def watch(message: Any) -> None:
        text = message.text
        if text.startswith("CSP violation") or "Content Security Policy" in text:
            violations.append(text)

    browser_context.add_init_script(CSP_WATCH)
    browser_context.on("console", watch)
    yield browser_context
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)
