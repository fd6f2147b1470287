"""The demo world, built from the two newspaper pages in the seeds: the places and the people.

`load()` creates districts, streets, communities, compounds, buildings, grids, party
organisations, partner units, micro-venues, residents, pioneers and one user per role, all
through the services, so every row has its audit entry. It is idempotent: each object is looked
up by its natural key first and created only when missing, so a second run writes nothing.

Generated values (names, phone numbers, rooms, tags) come from one seeded random generator that
is consumed in the same order whatever the database holds; that is what makes a second run find
exactly the rows the first one made.

The other apps' demos (categories and demands, funds and votes, the meeting) build on this
world; `genxi.home.demo.load_demo` runs them all in one transaction.
"""

import random
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.utils import timezone

from genxi.accounts.models import Membership, Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.places.fake import Names, PhoneBook
from genxi.places.models import (
    Area,
    AreaKind,
    Partner,
    PartnerContact,
    PartnerKind,
    PartyOrg,
    PartyOrgKind,
    Pioneer,
    Resident,
    Tag,
    Venue,
    VenueKind,
)
from genxi.places.services import (
    add_partner_contact,
    appoint_pioneer,
    create_area,
    create_partner,
    create_party_org,
    create_resident,
    create_venue,
    update_pioneer,
    update_resident,
)

DEMO_PASSWORD = "genxi2026"
RANDOM_SEED = 2026


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str  # a Role value, or "superuser"
    area: str  # the area's name ("" for the superuser)
    name: str
    phone: str | None = None
    partner: str | None = None  # the partner unit a partner handler acts for


DEMO_USERS: list[DemoUser] = [
    DemoUser("admin", DEMO_PASSWORD, "superuser", "", "系统管理员"),
    DemoUser("street", DEMO_PASSWORD, Role.STREET_STAFF, "白洋湾街道", "陈晓燕", "13962510001"),
    DemoUser("community", DEMO_PASSWORD, Role.COMMUNITY_STAFF, "和泰社区", "李雯", "13962510002"),
    # The seed's 海棠先锋 of 和泰社区, who heard that the corridor lacked seats.
    DemoUser("pioneer", DEMO_PASSWORD, Role.PIONEER, "和泰社区", "周建昌", "13962510003"),
    DemoUser(
        "partner",
        DEMO_PASSWORD,
        Role.PARTNER,
        "宝祥社区",
        "陆建华",
        "13962510004",
        partner="金阳宝地物业",
    ),
    DemoUser("resident", DEMO_PASSWORD, Role.RESIDENT, "和泰社区", "沈玉兰", "13962510005"),
    DemoUser("leader", DEMO_PASSWORD, Role.LEADERSHIP, "姑苏区", "吴国平", "13962510006"),
]
_USERS = {u.username: u for u in DEMO_USERS}


# --- The world --------------------------------------------------------------------------------

ORG_KINDS = {
    "党委": PartyOrgKind.COMMITTEE,
    "党工委": PartyOrgKind.COMMITTEE,
    "党总支": PartyOrgKind.GENERAL_BRANCH,
    "党支部": PartyOrgKind.BRANCH,
    "支部": PartyOrgKind.BRANCH,
}


@dataclass(frozen=True)
class StreetSpec:
    name: str
    kind: str
    org: str  # the street's party (working) committee
    # (community name without 社区, suffix of its party organisation as the seeds name it)
    communities: list[tuple[str, str]]


# District → streets/towns → communities. Where the seeds do not name a community's
# organisation, it is a 党委, the usual case.
WORLD: list[tuple[str, list[StreetSpec]]] = [
    (
        "姑苏区",
        [
            StreetSpec(
                "白洋湾街道",
                AreaKind.STREET,
                "白洋湾街道党工委",
                [
                    ("和泰", "党委"),
                    ("宝祥", "党委"),
                    ("金筑", "党委"),
                    ("虎池苑", "党委"),
                    ("和美", "党委"),
                    ("清嘉苑", "党委"),
                ],
            ),
            StreetSpec(
                "吴门桥街道",
                AreaKind.STREET,
                "吴门桥街道党工委",
                [("新城", "党委"), ("大龙", "党委")],
            ),
            StreetSpec(
                "双塔街道",
                AreaKind.STREET,
                "双塔街道党工委",
                [("大公园", "党委"), ("唐家巷", "党委")],
            ),
        ],
    ),
    (
        "相城区",
        [
            # The seeds write 相城高新区（元和街道）.
            StreetSpec(
                "元和街道",
                AreaKind.STREET,
                "元和街道党工委",
                [
                    ("峰汇园", "党支部"),
                    ("御窑", "党委"),
                    ("湖沁", "党委"),
                    ("御苑家园", "党委"),
                    ("娄北", "党委"),
                    ("众泾", "党委"),
                    ("晨曦馨苑", "党总支"),
                    ("依云水岸", "党总支"),
                    ("莫阳", "党委"),
                    ("姚祥", "党委"),
                    ("玉成", "党委"),
                    ("水漾花城", "党委"),
                    ("元和佳苑", "党委"),
                    ("水韵花都", "党委"),
                ],
            ),
            StreetSpec("北桥街道", AreaKind.STREET, "北桥街道党工委", [("盛南", "党委")]),
            StreetSpec("望亭镇", AreaKind.TOWN, "望亭镇党委", [("果园", "党总支")]),
            # In 相城经开区.
            StreetSpec(
                "漕湖街道",
                AreaKind.STREET,
                "漕湖街道党工委",
                [("南亚花园", "党委"), ("朱巷", "党委"), ("绿色时光", "党总支")],
            ),
        ],
    ),
    (
        "苏州工业园区",
        [
            StreetSpec(
                "娄葑街道",
                AreaKind.STREET,
                "娄葑街道党工委",
                [("梅花", "党委"), ("夏家桥", "党委")],
            ),
        ],
    ),
]

# Secretaries the seeds name; the others are generated.
SECRETARIES = {"新城社区党委": "成丽君", "绿色时光社区党总支": "王海"}

# Communities described down to buildings: (compound, buildings, floors), and how many grids.
DETAILED: dict[str, tuple[list[tuple[str, int, int]], int]] = {
    "和泰社区": ([("三花苑", 8, 6), ("和泰家园", 10, 6), ("和泰花园", 6, 11)], 3),
    "宝祥社区": ([("宝祥苑", 12, 6), ("宝祥新村", 8, 6)], 3),
    # High-rise: the handrails in the stairwells were debated at 金言议事角.
    "金筑社区": ([("金筑家园", 10, 18), ("金筑雅苑", 6, 11)], 2),
    "虎池苑社区": ([("虎池苑", 12, 6), ("虎池新村", 6, 5)], 2),
    "和美社区": ([("和美家园", 8, 6)], 2),
    "清嘉苑社区": ([("清嘉苑", 10, 6), ("嘉和苑", 6, 6)], 2),
    # A relocation compound (搬迁安置小区) with its pocket park.
    "果园社区": ([("果园新村", 10, 6), ("果园花苑", 6, 11)], 2),
    "朱巷社区": ([("富元雅苑", 8, 11)], 2),
}

# Common areas of compounds, where the seeds' stories happen: (community, compound, name).
COMMON_AREAS: list[tuple[str, str, str]] = [
    ("宝祥社区", "宝祥苑", "小区休憩亭"),  # the 23 broken pavilions
    ("宝祥社区", "宝祥苑", "非机动车棚"),
    ("清嘉苑社区", "清嘉苑", "南门"),  # the narrow gate
    ("和泰社区", "三花苑", "半月谈长廊"),  # the corridor short of seats
    ("和美社区", "和美家园", "小游园"),  # the worn playground
]

# Residents of communities not described down to buildings.
RESIDENTS_PER_PLAIN_COMMUNITY = 4

CHINESE_ORDINALS = "一二三四五六七八九十"

TAGS = ["党员", "独居老人", "退役军人", "残疾人", "低保户"]
TAG_ODDS = {"党员": 0.15, "独居老人": 0.08, "退役军人": 0.05, "残疾人": 0.04, "低保户": 0.04}


@dataclass(frozen=True)
class NamedResident:
    """A resident the seeds name, placed where the seeds put them."""

    name: str
    community: str
    compound: str | None = None
    building: str | None = None
    room: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    phone: str | None = None  # None: generated
    user: str | None = None  # the demo username linked as Resident.user


NAMED_RESIDENTS = [
    NamedResident(
        "周建昌", "和泰社区", "三花苑", "1幢", "201", ("党员",), "海棠先锋", _USERS["pioneer"].phone
    ),
    NamedResident(
        "沈玉兰",
        "和泰社区",
        "三花苑",
        "3幢",
        "302",
        phone=_USERS["resident"].phone,
        user="resident",
    ),
    NamedResident("周福珍", "虎池苑社区", "虎池苑", "4幢", "102", notes="常去4幢旁的舍得空间"),
    NamedResident("许向前", "和美社区", "和美家园", "2幢", "401", notes="常带儿子去小游戏园"),
    NamedResident("高福妹", "清嘉苑社区", "清嘉苑", "5幢", "301", notes="骑电动车走小区南门"),
    NamedResident("朱恒海", "峰汇园社区", tags=("独居老人",), notes="身边好人，节日慰问对象"),
    NamedResident("严秀英", "唐家巷社区", notes="老年大学子城教学点舞蹈班学员"),
    NamedResident("姚丽华", "大龙社区", notes="参加“非遗主题文化”海棠便民活动"),
]


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    kind: str
    area: str
    description: str
    contacts: list[tuple[str, str]]  # (name, position)
    branch: str = ""  # the unit's party branch, if the seeds name one


PARTNERS = [
    PartnerSpec(
        "金阳宝地物业",
        PartnerKind.PROPERTY,
        "宝祥社区",
        "宝祥社区的“红色物业”，翻新了小区内23个休憩亭。",
        [(_USERS["partner"].name, "项目经理"), ("钱晓红", "客服主管")],
    ),
    PartnerSpec(
        "苏州信托有限公司",
        PartnerKind.COMPANY,
        "和美社区",
        "和美社区共建单位，出资翻新小游戏园100平方米老化塑胶场地。",
        [("顾振宇", "党建专员")],
    ),
    PartnerSpec(
        "苏州城投再生资源发展有限公司",
        PartnerKind.COMPANY,
        "虎池苑社区",
        "与虎池苑社区共同打造“舍得空间”再生资源回收亭，回收专员每天驻点，可电话预约上门回收。",
        [("沈国强", "回收站点负责人"), ("唐丽", "客服专员")],
    ),
    PartnerSpec(
        "苏州市市政设施管理处",
        PartnerKind.DEPARTMENT,
        "清嘉苑社区",
        "与清嘉苑社区联合改造小区南门非机动车出入口，通道由50厘米拓宽至120厘米。",
        [("吴志明", "设施科科长")],
    ),
    PartnerSpec(
        "京师(苏州)律师事务所",
        PartnerKind.LAW_FIRM,
        "绿色时光社区",
        "与绿色时光社区党总支支部共建，提供普法活动和公共法律服务。",
        [("范晓东", "律师、党支部书记"), ("潘婷", "律师")],
        branch="京师(苏州)律师事务所党支部",
    ),
    PartnerSpec(
        "苏州市农产品发展有限公司",
        PartnerKind.COMPANY,
        "娄北社区",
        "上高路农产品批发市场的经营单位，与娄北社区党委结对共建，落实文明城市建设问题自查周报制度。",
        [("蒋卫东", "党支部书记")],
        branch="苏州市农产品发展有限公司支部",
    ),
    PartnerSpec(
        "江苏天鹰特卫保安服务有限公司",
        PartnerKind.COMPANY,
        "峰汇园社区",
        "与峰汇园社区党支部等联合开展节日慰问活动。",
        [("孙海波", "党支部书记")],
        branch="江苏天鹰特卫保安服务有限公司党支部",
    ),
    PartnerSpec(
        "漕湖人民医院",
        PartnerKind.HOSPITAL,
        "盛南社区",
        "苏州相城经开区漕湖人民医院，在盛南社区举办“健康集市”科普义诊，400余名居民参加。",
        [("许文杰", "医务科科长"), ("张敏", "党支部书记")],
        branch="漕湖人民医院党支部",
    ),
    PartnerSpec(
        "苏州市老年大学",
        PartnerKind.SCHOOL,
        "大公园社区",
        "与大公园社区党委共建老年大学子城教学点，开设声乐、舞蹈、花卉种植3门课程。",
        [("金秀芳", "教务处老师")],
    ),
    PartnerSpec(
        "苏州望亭园林建设有限公司",
        PartnerKind.COMPANY,
        "果园社区",
        "望亭镇本地的园林施工单位，承建果园社区口袋公园（2023年为民服务项目）。",
        [("钱志刚", "项目经理")],
    ),
]


@dataclass(frozen=True)
class VenueSpec:
    name: str
    kind: str
    community: str
    capacity: int
    opening_hours: str
    address: str = ""
    description: str = ""


ALL_DAY = "全天开放"
OFFICE_HOURS = "周一至周五 9:00–17:00"

VENUES = [
    VenueSpec(
        "金言议事角",
        VenueKind.DELIBERATION,
        "金筑社区",
        20,
        OFFICE_HOURS,
        "金筑家园",
        "新打造的“小巷红韵”微阵地，居民协商议事的场所。",
    ),
    VenueSpec("同心空间", VenueKind.ACTIVITY_ROOM, "和美社区", 40, "每天 8:30–20:30", "和美家园"),
    VenueSpec("祥和邻里广场", VenueKind.SQUARE, "宝祥社区", 200, ALL_DAY, "宝祥苑"),
    VenueSpec(
        "三花半月谈长廊",
        VenueKind.CORRIDOR,
        "和泰社区",
        30,
        ALL_DAY,
        "三花苑",
        "“小巷红韵”微阵地，居民休憩聊天、半月一谈的长廊。",
    ),
    VenueSpec(
        "舍得空间",
        VenueKind.RECYCLING,
        "虎池苑社区",
        6,
        "每天 8:00–11:00、14:00–17:00",
        "虎池苑4幢旁",
        "由垃圾分类厢房改造的再生资源回收亭，苏州城投再生资源发展有限公司专员驻点，"
        "以略高于市场的价格回收塑料、纸、金属、纺织品和废旧电器；大件可电话预约上门回收。",
    ),
    VenueSpec(
        "老年大学子城教学点",
        VenueKind.CLASSROOM,
        "大公园社区",
        40,
        "周一至周五 9:00–11:30、14:00–16:30",
        description="大公园社区党委与市老年大学共建，开设声乐、舞蹈、花卉种植3门课程，各3期。",
    ),
    VenueSpec(
        "新时代文明实践站",
        VenueKind.SERVICE_STATION,
        "夏家桥社区",
        60,
        "周一至周六 9:00–20:00",
        description="社区教育“第二课堂”的阵地。",
    ),
    VenueSpec(
        "口袋公园",
        VenueKind.PARK,
        "果园社区",
        150,
        ALL_DAY,
        "果园新村",
        "2023年度社区党组织为民服务项目，党员群众代表票决产生。",
    ),
    VenueSpec(
        "上高路农产品批发市场二楼会议室",
        VenueKind.OTHER,
        "娄北社区",
        50,
        "预约使用",
        "上高路农产品批发市场二楼",
    ),
    VenueSpec("社区小广场", VenueKind.SQUARE, "大龙社区", 150, ALL_DAY),
    VenueSpec("儿童友好家园", VenueKind.ACTIVITY_ROOM, "新城社区", 30, "周二至周日 9:00–20:00"),
    # Every community of the seed street has its party and public service centre.
    *(
        VenueSpec(f"{c}党群服务中心", VenueKind.SERVICE_STATION, c, 80, "周一至周六 8:30–17:30")
        for c in ["和泰社区", "宝祥社区", "金筑社区", "虎池苑社区", "和美社区", "清嘉苑社区"]
    ),
]

PIONEER_DUTIES = (
    "定期走访网格内住户，收集居民诉求并登记；协助社区核实、跟进和回访诉求；"
    "参与议事会和志愿服务；宣传政策，关心独居老人等重点人群。"
)

# --- Generated names and numbers ----------------------------------------------------------------

# Names come from the one faker (genxi.places.fake), numbers from the demo's own block there,
# which `genxi generate` never hands out: the demo finds its residents by phone, so a generated
# city in the same database must not hold these numbers.


def random_name(rng: random.Random) -> str:
    """A person's name. Every generated name in the demo is made here."""
    return Names(rng).full()


# --- Loading --------------------------------------------------------------------------------------


class Writer(Protocol):
    def write(self, s: str, /) -> object: ...


@dataclass
class Created:
    """What this run created of the world; all zero on a second run."""

    areas: int = 0
    party_orgs: int = 0
    partners: int = 0
    partner_contacts: int = 0
    venues: int = 0
    tags: int = 0
    residents: int = 0
    pioneers: int = 0
    users: int = 0
    memberships: int = 0


def appointment_base(today: date) -> date:
    """The latest 1 March: every generated term (one to three years) is running today."""
    this_year = date(today.year, 3, 1)
    return this_year if this_year <= today else date(today.year - 1, 3, 1)


def years_later(day: date, years: int) -> date:
    # The day before the anniversary: a one-year term from 1 March ends on the last of February.
    anniversary = day.replace(year=day.year + years)
    return date.fromordinal(anniversary.toordinal() - 1)


class Loader:
    """Get-or-create by natural key. Existing rows are read once, up front: a second run is
    a handful of queries, not one per object."""

    def __init__(self, stdout: Writer | None) -> None:
        self.stdout = stdout
        self.result = Created()
        self.rng = random.Random(RANDOM_SEED)
        self.phones = PhoneBook(self.rng, {u.phone for u in DEMO_USERS if u.phone})
        self.base = appointment_base(timezone.localdate())
        # Districts, streets and communities have unique names in the demo.
        self.places: dict[str, Area] = {}
        self.orgs: dict[str, PartyOrg] = {}
        self.partners: dict[str, Partner] = {}
        self.users: dict[str, User] = {}
        self.tags: dict[str, Tag] = {}
        # community name → (grids, [(building, floors)]), for placing residents and pioneers
        self.layout: dict[str, tuple[list[Area], list[tuple[Area, int]]]] = {}

        self.known_areas = {(a.parent_id, a.kind, a.name): a for a in Area.objects.order_by()}
        self.known_orgs = {(o.area_id, o.name): o for o in PartyOrg.objects.order_by()}
        self.known_partners = {p.name: p for p in Partner.objects.order_by()}
        self.known_contacts = set(PartnerContact.objects.values_list("partner_id", "name"))
        self.known_venues = set(Venue.objects.order_by().values_list("area_id", "name"))
        self.known_residents = {r.phone: r for r in Resident.objects.order_by().exclude(phone=None)}
        self.known_pioneers = {(p.community_id, p.name): p for p in Pioneer.objects.order_by()}
        self.known_users = {u.username: u for u in User.objects.filter(username__in=_USERS)}
        self.known_memberships = set(
            Membership.objects.filter(user__username__in=_USERS).values_list(
                "user_id", "role", "area_id"
            )
        )

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text + "\n")

    # One get-or-create per model.

    def area(
        self, kind: str, name: str, parent: Area | None, grid: Area | None = None, **details: Any
    ) -> Area:
        key = (parent.pk if parent else None, kind, name)
        found = self.known_areas.get(key)
        if found is None:
            found = create_area(
                actor=None, kind=kind, name=name, parent=parent, grid=grid, **details
            )
            self.known_areas[key] = found
            self.result.areas += 1
        return found

    def child(self, parent: Area, kind: str, name: str) -> Area:
        return self.known_areas[(parent.pk, kind, name)]

    def org(self, name: str, kind: str, area: Area, **details: Any) -> PartyOrg:
        found = self.known_orgs.get((area.pk, name))
        if found is None:
            found = create_party_org(actor=None, name=name, kind=kind, area=area, **details)
            self.known_orgs[(area.pk, name)] = found
            self.result.party_orgs += 1
        self.orgs[name] = found
        return found

    def resident(
        self, name: str, area: Area, phone: str, tags: list[Tag], **details: Any
    ) -> Resident:
        found = self.known_residents.get(phone)
        if found is None:
            found = create_resident(
                actor=None, name=name, area=area, phone=phone, tags=tags, **details
            )
            self.known_residents[phone] = found
            self.result.residents += 1
        elif details.get("user") is not None and found.user_id is None:
            # A world loaded before the account existed: link it, as a later run should.
            update_resident(actor=None, resident=found, user=details["user"])
        return found

    def tag_list(self) -> list[Tag]:
        # One draw per tag, always, so the generator stays in step across runs.
        draws = {name: self.rng.random() for name in TAGS}
        return [self.tags[name] for name in TAGS if draws[name] < TAG_ODDS[name]]

    # The world, in dependency order.

    def load(self) -> Created:
        for name in TAGS:
            self.tags[name], created = Tag.objects.get_or_create(name=name)
            self.result.tags += created
        self.load_areas()
        self.load_common_areas()
        self.say(
            f"areas: {self.result.areas} created, party organisations: {self.result.party_orgs}"
        )
        self.load_partners()
        self.load_venues()
        self.say(f"partners: {self.result.partners} created, venues: {self.result.venues}")
        self.load_users()
        self.load_residents_and_pioneers()
        self.say(f"residents: {self.result.residents} created, pioneers: {self.result.pioneers}")
        return self.result

    def load_areas(self) -> None:
        for district_name, streets in WORLD:
            district = self.area(AreaKind.DISTRICT, district_name, None)
            self.places[district_name] = district
            for spec in streets:
                street = self.area(spec.kind, spec.name, district)
                self.places[spec.name] = street
                street_org = self.org(
                    spec.org,
                    ORG_KINDS[spec.org.removeprefix(spec.name)],
                    street,
                    secretary=random_name(self.rng),
                    members=self.rng.randint(400, 1500),
                )
                for short, suffix in spec.communities:
                    name = f"{short}社区"
                    community = self.area(AreaKind.COMMUNITY, name, street)
                    self.places[name] = community
                    org_name = f"{name}{suffix}"
                    kind = ORG_KINDS[suffix]
                    secretary = random_name(self.rng)
                    low, high = (15, 45) if kind == PartyOrgKind.BRANCH else (40, 300)
                    members = self.rng.randint(low, high)
                    self.org(
                        org_name,
                        kind,
                        community,
                        parent=street_org,
                        secretary=SECRETARIES.get(org_name, secretary),
                        members=members,
                    )
        # The seed's co-governance organisation; its name keeps the seed's inner quotes.
        self.org(
            "愿闻其‘祥’共治党组织",
            PartyOrgKind.CO_GOVERNANCE,
            self.places["宝祥社区"],
            parent=self.orgs["宝祥社区党委"],
            members=self.rng.randint(12, 30),
            description="牵头召开居民议事会，联动金阳宝地物业，对居民烦心事建立清单式管理，逐项销号。",
        )
        for community_name, (compounds, grid_count) in DETAILED.items():
            self.load_compounds(self.places[community_name], compounds, grid_count)
        # The seed's branch at a compound: 朱巷社区富元雅苑党支部 held the pioneers' appointment.
        self.org(
            "富元雅苑党支部",
            PartyOrgKind.BRANCH,
            self.child(self.places["朱巷社区"], AreaKind.COMPOUND, "富元雅苑"),
            parent=self.orgs["朱巷社区党委"],
            members=self.rng.randint(15, 40),
        )

    def load_common_areas(self) -> None:
        for community_name, compound_name, name in COMMON_AREAS:
            compound = self.child(self.places[community_name], AreaKind.COMPOUND, compound_name)
            self.area(AreaKind.COMMON_AREA, name, compound)

    def load_compounds(
        self, community: Area, compounds: list[tuple[str, int, int]], grid_count: int
    ) -> None:
        short = community.name.removesuffix("社区")
        grids = [
            self.area(AreaKind.GRID, f"{short}第{CHINESE_ORDINALS[i]}网格", community)
            for i in range(grid_count)
        ]
        buildings: list[tuple[Area, int]] = []
        total = sum(count for _, count, _ in compounds)
        for compound_name, count, floors in compounds:
            compound = self.area(AreaKind.COMPOUND, compound_name, community)
            for number in range(1, count + 1):
                # Consecutive buildings share a grid, as a pioneer walks them.
                grid = grids[len(buildings) * grid_count // total]
                units = 2 if floors <= 6 else 4
                building = self.area(
                    AreaKind.BUILDING,
                    f"{number}幢",
                    compound,
                    grid=grid,
                    households=floors * units * self.rng.choice((1, 2)),
                )
                buildings.append((building, floors))
        self.layout[community.name] = (grids, buildings)

    def load_partners(self) -> None:
        for spec in PARTNERS:
            area = self.places[spec.area]
            partner = self.known_partners.get(spec.name)
            if partner is None:
                partner = create_partner(
                    actor=None,
                    name=spec.name,
                    kind=spec.kind,
                    area=area,
                    description=spec.description,
                )
                self.result.partners += 1
            self.partners[spec.name] = partner
            handler = next((u for u in DEMO_USERS if u.partner == spec.name), None)
            for contact_name, title in spec.contacts:
                # The partner handler is the unit's first contact, with the same number.
                phone = (
                    handler.phone
                    if handler is not None and handler.name == contact_name and handler.phone
                    else self.phones.next()
                )
                if (partner.pk, contact_name) not in self.known_contacts:
                    add_partner_contact(
                        actor=None, partner=partner, name=contact_name, title=title, phone=phone
                    )
                    self.result.partner_contacts += 1
            if spec.branch:
                generated = random_name(self.rng)
                self.org(
                    spec.branch,
                    ORG_KINDS["支部"],
                    area,
                    partner=partner,
                    secretary=next((n for n, t in spec.contacts if "书记" in t), generated),
                    members=self.rng.randint(8, 40),
                )

    def load_venues(self) -> None:
        for spec in VENUES:
            area = self.places[spec.community]
            if (area.pk, spec.name) not in self.known_venues:
                create_venue(
                    actor=None,
                    name=spec.name,
                    kind=spec.kind,
                    area=area,
                    capacity=spec.capacity,
                    opening_hours=spec.opening_hours,
                    address=spec.address,
                    description=spec.description,
                )
                self.result.venues += 1

    def load_users(self) -> None:
        for spec in DEMO_USERS:
            user = self.known_users.get(spec.username)
            if user is None:
                user = create_user(
                    actor=None,
                    username=spec.username,
                    password=spec.password,
                    name=spec.name,
                    phone=spec.phone,
                    is_superuser=spec.role == "superuser",
                )
                self.result.users += 1
            self.users[spec.username] = user
            if spec.role == "superuser":
                continue
            area = self.places[spec.area]
            if (user.pk, spec.role, area.pk) not in self.known_memberships:
                grant_membership(
                    actor=None,
                    user=user,
                    role=spec.role,
                    area=area,
                    partner=self.partners[spec.partner] if spec.partner else None,
                )
                self.result.memberships += 1

    def load_residents_and_pioneers(self) -> None:
        named: dict[str, Resident] = {}
        for spec in NAMED_RESIDENTS:
            area = self.places[spec.community]
            if spec.compound and spec.building:
                compound = self.child(area, AreaKind.COMPOUND, spec.compound)
                area = self.child(compound, AreaKind.BUILDING, spec.building)
            named[spec.name] = self.resident(
                spec.name,
                area,
                spec.phone or self.phones.next(),
                [self.tags[t] for t in spec.tags],
                room=spec.room,
                notes=spec.notes,
                user=self.users[spec.user] if spec.user else None,
            )

        for community_name in DETAILED:
            self.load_detailed_residents(self.places[community_name], named)

        for name, community in self.places.items():
            if community.kind != AreaKind.COMMUNITY or name in DETAILED:
                continue
            for _ in range(RESIDENTS_PER_PLAIN_COMMUNITY):
                self.resident(random_name(self.rng), community, self.phones.next(), self.tag_list())

    def load_detailed_residents(self, community: Area, named: dict[str, Resident]) -> None:
        grids, buildings = self.layout[community.name]
        for building, floors in buildings:
            units = 2 if floors <= 6 else 4
            rooms = {
                f"{self.rng.randint(1, floors)}{self.rng.randint(1, units):02d}"
                for _ in range(self.rng.randint(2, 4))
            }
            for room in sorted(rooms):
                self.resident(
                    random_name(self.rng),
                    building,
                    self.phones.next(),
                    self.tag_list(),
                    room=room,
                    consent_to_contact=self.rng.random() < 0.95,
                )

        # One pioneer per grid, living in the grid's first building; 周建昌 has 和泰's first grid.
        taken: set[str] = set()
        for index, grid in enumerate(grids):
            first = next(b for b, _ in buildings if b.grid_id == grid.pk)
            user: User | None = None
            if community.name == "和泰社区" and index == 0:
                name, resident = "周建昌", named["周建昌"]
                user = self.users["pioneer"]
            else:
                name = random_name(self.rng)
                while name in taken:
                    name = random_name(self.rng)
                resident = self.resident(
                    name,
                    first,
                    self.phones.next(),
                    [self.tags["党员"]],
                    room=f"{self.rng.randint(1, 6)}0{self.rng.randint(1, 2)}",
                )
            taken.add(name)
            years = 3 if user is not None else self.rng.randint(1, 3)
            self.pioneer(name, community, grid, resident, years, user)

    def pioneer(
        self,
        name: str,
        community: Area,
        grid: Area,
        resident: Resident,
        years: int,
        user: User | None,
    ) -> Pioneer:
        found = self.known_pioneers.get((community.pk, name))
        if found is None:
            found = appoint_pioneer(
                actor=None,
                name=name,
                community=community,
                appointed_on=self.base,
                grids=[grid],
                term_ends_on=years_later(self.base, years),
                duties=PIONEER_DUTIES,
                resident=resident,
                user=user,
            )
            self.known_pioneers[(community.pk, name)] = found
            self.result.pioneers += 1
        elif user is not None and found.user_id is None:
            update_pioneer(actor=None, pioneer=found, user=user)
        return found


def load(*, stdout: Writer | None = None) -> Created:
    """Build (or complete) the demo world; see the module docstring. Run it inside a
    transaction, as `genxi.home.demo.load_demo` does."""
    return Loader(stdout).load()
