"""A synthetic city for load tests and benchmarks: `manage.py generate --residents N`.

`generate_city` invents a district with streets, communities, compounds, buildings, grids,
residents, venues, party organisations, partner units and pioneers, in proportions taken from
typical Chinese city neighbourhoods (about 2,500 residents per community, 10-20 communities per
street, about 50 households of 2.6 people per building, a grid per about 300 households, 90% of
residents with a mobile number, some 16% tagged 党员, 志愿者, 独居老人…).

It is a bulk loader, not a user action: it writes straight to the tables in one transaction
through genxi.core.bulk.BulkWriter (COPY on PostgreSQL, executemany of batched INSERTs
elsewhere), bypasses the services and writes no audit entries. Primary keys are allocated up
front from the current maximum, so every area's materialised path is known before its row is
written, and the sequences are reset afterwards. Several cities (different seeds) can live in
one database, next to real or demo data.
"""

import itertools
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from tqdm import tqdm

from genxi.core.bulk import BulkWriter, GenerateError, Method, coordinate
from genxi.core.paths import path_segment
from genxi.places.fake import MobileNumbers, Names, mobile_number
from genxi.places.models import (
    Area,
    AreaKind,
    Partner,
    PartnerContact,
    PartnerKind,
    PartyOrg,
    PartyOrgKind,
    Pioneer,
    PioneerStatus,
    Resident,
    Tag,
    Venue,
    VenueKind,
)

RESIDENTS_PER_COMMUNITY = 2500
COMMUNITIES_PER_STREET = 15
HOUSEHOLDS_PER_BUILDING = 50.0
BUILDINGS_PER_COMPOUND = 8
HOUSEHOLDS_PER_GRID = 300
# Household sizes and their shares; the mean (2.6) is close to the 2020 census figure.
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_WEIGHTS = (0.25, 0.30, 0.22, 0.13, 0.07, 0.03)
PHONE_SHARE = 0.9  # children and some elderly residents have no number on file
CONSENT_SHARE = 0.95

PLACE_HEADS = "金银玉青白红东西南北新长平安和华春秋梅兰竹松枫桃柳清明永福嘉瑞泰康宁德"
PLACE_TAILS = "湖塘桥山港浜泾湾园门街巷溪河洲庄里泉亭坊"
DISTRICT_NAMES = ("金阊", "平江", "沧浪", "吴门", "枫桥", "狮山", "横塘", "胥江", "娄江", "葑溪")
COMPOUND_SUFFIXES = ("花园", "苑", "小区", "新村", "公寓", "家园", "名邸", "雅苑", "佳园", "府")
ROAD_SUFFIXES = ("路", "街", "大道", "巷")
BRAND_CHARS = "恒信华泰瑞丰嘉禾中盛天宏鑫达永安康博正和广源金鼎新城万隆润德"
AREA_FIELDS = ("id", "kind", "name", "parent_id", "path", "depth", "grid_id", "code", "address",
               "latitude", "longitude", "households")  # fmt: skip
RESIDENT_FIELDS = ("id", "name", "name_pinyin", "name_initials", "phone", "area_id", "room",
                   "consent_to_contact", "notes")  # fmt: skip
COMMITTEE = PartyOrgKind.COMMITTEE
STREET_PARTNER_KINDS = (PartnerKind.HOSPITAL, PartnerKind.SCHOOL, PartnerKind.DEPARTMENT)
COMMUNITY_PARTNER_KINDS = (
    PartnerKind.COMPANY,
    PartnerKind.COMPANY,
    PartnerKind.LAW_FIRM,
    PartnerKind.SOCIAL_ORG,
    PartnerKind.OTHER,
)
TAGS: tuple[tuple[str, float], ...] = (
    ("党员", 0.06),
    ("志愿者", 0.05),
    ("独居老人", 0.02),
    ("退役军人", 0.015),
    ("残疾人", 0.012),
    ("低保户", 0.008),
)
PIONEER_DUTIES = "负责网格内入户走访、矛盾纠纷调解、民情信息收集和政策宣传。"
OPENING_HOURS = ("周一至周五 9:00–17:00", "每天 8:30–20:00", "周一至周六 9:00–18:00", "全天开放")


@dataclass(frozen=True)
class GenerateResult:
    seed: int
    district_id: int
    district_name: str
    vendor: str
    method: str
    counts: dict[str, int]
    seconds: float
    stage_seconds: dict[str, float]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def generate_city(
    *,
    residents: int,
    seed: int = 0,
    progress: bool = True,
    streets: int | None = None,
    residents_per_community: int = RESIDENTS_PER_COMMUNITY,
    households_per_building: float = HOUSEHOLDS_PER_BUILDING,
    method: Method = "auto",
    using: str = DEFAULT_DB_ALIAS,
) -> GenerateResult:
    """Add one synthetic district with exactly `residents` residents; the same seed gives the
    same city. `method` picks the writer: "copy" (PostgreSQL only), "insert" (executemany of a
    parameterised INSERT), "orm" (bulk_create); "auto" is COPY on PostgreSQL, INSERT elsewhere.
    """
    if residents < 1:
        raise GenerateError("Generate at least one resident.")
    if streets is not None and not 1 <= streets <= residents:
        raise GenerateError("Streets must be between 1 and the number of residents.")
    if households_per_building < 1 or residents_per_community < 1:
        raise GenerateError("Sizes per building and per community must be at least 1.")
    started = time.perf_counter()
    with transaction.atomic(using=using):
        writer = BulkWriter(connections[using], method, using)
        writer.lock((Area, Resident, Partner, PartyOrg, Pioneer))
        city = _City(
            writer=writer,
            rng=random.Random(seed),
            seed=seed,
            residents=residents,
            streets=streets,
            residents_per_community=residents_per_community,
            households_per_building=households_per_building,
            progress=progress,
        )
        city.build()
        models = (Area, Resident, Partner, PartyOrg, Pioneer)
        through = (Resident.tags.through, Pioneer.grids.through)
        city.stage("finish", lambda: writer.finish(models, analyze=(*models, *through)))
        commit_started = time.perf_counter()
    # On PostgreSQL the deferred foreign-key checks of every row run at commit.
    city.stage_seconds["commit"] = round(time.perf_counter() - commit_started, 3)
    return GenerateResult(
        seed=seed,
        district_id=city.district.id,
        district_name=city.district.name,
        vendor=writer.connection.vendor,
        method=writer.method,
        counts=dict(writer.counts),
        seconds=time.perf_counter() - started,
        stage_seconds=city.stage_seconds,
    )


def seed_suffix(seed: int) -> str:
    """What makes a generated district's name unique: 金阊区（样本7） for seed 7."""
    return f"（样本{seed}）"


def _seed_used(seed: int, using: str) -> bool:
    districts = Area.objects.using(using).filter(kind=AreaKind.DISTRICT, parent=None)
    return districts.filter(name__endswith=seed_suffix(seed)).exists()


def free_seed(using: str = DEFAULT_DB_ALIAS) -> int:
    """The smallest seed no generated city in the database uses yet."""
    seed = 0
    while _seed_used(seed, using):
        seed += 1
    return seed


# --- names -----------------------------------------------------------------------------------


class _PlaceNames:
    """Unique two-character place names (金塘, 枫桥…), numbered once the pool runs out."""

    def __init__(self, rng: random.Random) -> None:
        self.pool = [h + t for h in PLACE_HEADS for t in PLACE_TAILS]
        rng.shuffle(self.pool)
        self._count = 0

    def next(self) -> str:
        index, self._count = self._count, self._count + 1
        base = self.pool[index % len(self.pool)]
        rounds = index // len(self.pool)
        return base if rounds == 0 else f"{base}{rounds + 1}"


# --- the city --------------------------------------------------------------------------------


@dataclass
class _Area:
    id: int
    kind: str
    name: str
    path: str
    depth: int
    parent_id: int | None
    code: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    households: int = 0
    grid_id: int | None = None


@dataclass
class _Building:
    area: _Area
    grid: _Area
    households: list[int]  # household sizes


@dataclass
class _Community:
    area: _Area
    street: _Area
    residents: int
    compounds: list[tuple[_Area, list[_Building]]] = field(default_factory=list)
    grids: list[_Area] = field(default_factory=list)


class _City:
    def __init__(
        self,
        *,
        writer: BulkWriter,
        rng: random.Random,
        seed: int,
        residents: int,
        streets: int | None,
        residents_per_community: int,
        households_per_building: float,
        progress: bool,
    ) -> None:
        self.w = writer
        self.rng = rng
        self.seed = seed
        self.total_residents = residents
        self.households_per_building = households_per_building
        self.names = Names(rng)
        self.places = _PlaceNames(rng)
        self.progress = progress
        self.stage_seconds: dict[str, float] = {}

        communities = max(1, round(residents / residents_per_community))
        if streets is None:
            streets = max(1, round(communities / COMMUNITIES_PER_STREET))
        self.street_count = streets
        self.community_count = min(residents, max(communities, streets))
        self.areas: list[_Area] = []
        self.communities: list[_Community] = []
        self.streets: list[_Area] = []
        self.street_communities: dict[int, list[_Community]] = {}
        self.district: _Area
        self.area_ids: Iterator[int] = iter(())
        self.partners: list[tuple[int, str, int]] = []  # id, name, area id
        # Up to a few household heads per grid, for pioneers who are residents.
        self.grid_candidates: dict[int, list[tuple[int, str]]] = {}

    def build(self) -> None:
        self.stage("plan", self._plan)
        self.stage("areas", self._write_areas)
        self.stage("partners", self._write_partners)
        self.stage("party_orgs", self._write_party_orgs)
        self.stage("venues", self._write_venues)
        self.stage("residents", self._write_residents)
        self.stage("pioneers", self._write_pioneers)

    def stage(self, name: str, step: Callable[[], object]) -> None:
        started = time.perf_counter()
        step()
        self.stage_seconds[name] = round(time.perf_counter() - started, 3)

    # planning: the whole area tree in memory, ids and paths included

    def _plan(self) -> None:
        rng = self.rng
        district_name = f"{rng.choice(DISTRICT_NAMES)}区{seed_suffix(self.seed)}"
        if _seed_used(self.seed, self.w.using):
            raise GenerateError(
                f"A city generated with seed {self.seed} already exists: choose another seed."
            )
        # Ids are handed out while planning and reserved once the tree is complete.
        first_id = self.w.take_ids(Area, 0).start
        self.area_ids = itertools.count(first_id)
        lat, lon = 31.25 + rng.uniform(-0.1, 0.1), 120.6 + rng.uniform(-0.1, 0.1)
        code = f"3205{self.seed % 90 + 10:02d}"
        self.district = self._area(AreaKind.DISTRICT, district_name, None, code=code)
        self.district.latitude, self.district.longitude = lat, lon

        community_sizes = _split(self.total_residents, self.community_count, rng, 0.3)
        per_street = _split(self.community_count, self.street_count, rng, 0.25)
        sizes = iter(community_sizes)
        for s, community_count in enumerate(per_street, start=1):
            street = self._area(
                AreaKind.STREET,
                f"{self.places.next()}街道",
                self.district,
                code=f"{code}{s:03d}",
                near=self.district,
                spread=0.05,
            )
            self.streets.append(street)
            self.street_communities[street.id] = []
            for c in range(1, community_count + 1):
                community = self._plan_community(street, c, next(sizes))
                self.street_communities[street.id].append(community)
                self.communities.append(community)
        reserved = self.w.take_ids(Area, len(self.areas))
        assert reserved.start == first_id
        self._sum_households()

    def _plan_community(self, street: _Area, number: int, residents: int) -> _Community:
        rng = self.rng
        area = self._area(
            AreaKind.COMMUNITY,
            f"{self.places.next()}社区",
            street,
            code=f"{street.code}{number:03d}",
            near=street,
            spread=0.01,
        )
        community = _Community(area=area, street=street, residents=residents)
        households: list[int] = []
        left = residents
        while left > 0:
            size = min(left, rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0])
            households.append(size)
            left -= size
        buildings = max(
            1, min(len(households), round(len(households) / self.households_per_building))
        )
        per_building = _split(len(households), buildings, rng, 0.25)
        compounds = max(1, min(buildings, round(buildings / BUILDINGS_PER_COMPOUND)))
        grids = max(1, min(buildings, round(len(households) / HOUSEHOLDS_PER_GRID)))

        for g in range(1, grids + 1):
            community.grids.append(self._area(AreaKind.GRID, f"第{g}网格", area))
        # Grids cover runs of neighbouring buildings.
        grid_of_building = [
            grid
            for grid, n in zip(community.grids, _split(buildings, grids, rng, 0.2), strict=True)
            for _ in range(n)
        ]
        building_index = 0
        household_index = 0
        used_names: set[str] = set()
        for size in _split(buildings, compounds, rng, 0.4):
            name = self._compound_name(used_names)
            road = rng.choice(self.places.pool) + rng.choice(ROAD_SUFFIXES)
            address = f"{road}{rng.randint(1, 999)}号"
            compound = self._area(
                AreaKind.COMPOUND, name, area, address=address, near=area, spread=0.004
            )
            members: list[_Building] = []
            for b in range(1, size + 1):
                count = per_building[building_index]
                grid = grid_of_building[building_index]
                building = self._area(
                    AreaKind.BUILDING,
                    f"{b}幢",
                    compound,
                    address=f"{address}{b}幢",
                    near=compound,
                    spread=0.0008,
                )
                building.grid_id = grid.id
                building.households = count
                members.append(
                    _Building(building, grid, households[household_index : household_index + count])
                )
                building_index += 1
                household_index += count
            community.compounds.append((compound, members))
        return community

    def _compound_name(self, used: set[str]) -> str:
        rng = self.rng
        name = ""
        for _ in range(20):
            name = rng.choice(self.places.pool) + rng.choice(COMPOUND_SUFFIXES)
            if name not in used:
                break
        else:  # a very large community: number the name
            name = f"{name}{len(used) + 1}"
        used.add(name)
        return name

    def _area(
        self,
        kind: str,
        name: str,
        parent: _Area | None,
        *,
        code: str = "",
        address: str = "",
        near: _Area | None = None,
        spread: float = 0.0,
    ) -> _Area:
        pk = next(self.area_ids)
        area = _Area(
            id=pk,
            kind=kind,
            name=name,
            path=(parent.path if parent else "") + path_segment(pk),
            depth=parent.depth + 1 if parent else 0,
            parent_id=parent.id if parent else None,
            code=code,
            address=address,
        )
        if near is not None and near.latitude is not None and near.longitude is not None:
            area.latitude = near.latitude + self.rng.uniform(-spread, spread)
            area.longitude = near.longitude + self.rng.uniform(-spread, spread)
        self.areas.append(area)
        return area

    def _sum_households(self) -> None:
        """Households of grids, compounds, communities, streets and the district."""
        by_id = {a.id: a for a in self.areas}
        for area in self.areas:
            if area.kind != AreaKind.BUILDING:
                area.households = 0
        for area in reversed(self.areas):  # children come after their parents
            if area.grid_id is not None:
                by_id[area.grid_id].households += area.households
            if area.parent_id is not None and area.kind != AreaKind.GRID:
                by_id[area.parent_id].households += area.households

    # writing

    def _write_areas(self) -> None:
        self.w.write(Area, AREA_FIELDS, (_area_row(a) for a in self.areas))

    def _write_partners(self) -> None:
        rng = self.rng
        taken = set(Partner.objects.using(self.w.using).values_list("name", flat=True))
        rows: list[dict[str, Any]] = []
        for street in self.streets:
            communities = self.street_communities[street.id]
            compounds = sum(len(c.compounds) for c in communities)
            # A property manager per few compounds, the street's institutions, and about one
            # company, law firm or social organisation per community.
            plan: list[tuple[str, _Area]] = [
                (PartnerKind.PROPERTY, rng.choice(communities).area)
                for _ in range(max(1, compounds // 4))
            ]
            plan += [(kind, street) for kind in STREET_PARTNER_KINDS]
            plan += [
                (rng.choice(COMMUNITY_PARTNER_KINDS), rng.choice(communities).area)
                for _ in communities
            ]
            for pk, (kind, area) in zip(self.w.take_ids(Partner, len(plan)), plan, strict=True):
                name = self._partner_name(kind, street, taken)
                road = street.name.removesuffix("街道") + rng.choice(ROAD_SUFFIXES)
                rows.append(
                    {
                        "id": pk,
                        "name": name,
                        "kind": kind,
                        "area_id": area.id,
                        "address": f"{road}{rng.randint(1, 500)}号",
                        "description": "",
                        "is_active": True,
                    }
                )
                self.partners.append((pk, name, area.id))
        self.w.write_dicts(Partner, rows)
        contacts = [
            (pk, self.names.full(), title, mobile_number(rng))
            for pk, _, _ in self.partners
            for title in ("负责人", "联络员")[: rng.randint(1, 2)]
        ]
        self.w.write(PartnerContact, ("partner_id", "name", "title", "phone"), contacts)

    def _partner_name(self, kind: str, street: _Area, taken: set[str]) -> str:
        """A partner name not used in the database yet (partner names are unique)."""
        rng = self.rng
        district, place = self.district.name, street.name.removesuffix("街道")
        for attempt in range(1000):
            brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
            if kind == PartnerKind.PROPERTY:
                name = f"苏州{brand}物业管理有限公司"
            elif kind == PartnerKind.LAW_FIRM:
                name = f"江苏{brand}律师事务所"
            elif kind == PartnerKind.COMPANY:
                trade = rng.choice(("科技", "商贸", "建设", "餐饮", "文化传媒", "电子"))
                name = f"苏州{brand}{trade}有限公司"
            elif kind == PartnerKind.SOCIAL_ORG:
                name = f"{place}{brand}社会工作服务社"
            elif kind == PartnerKind.OTHER:
                name = f"{place}{brand}志愿服务队"
            else:
                institutions: dict[str, str] = {
                    PartnerKind.HOSPITAL: f"{street.name}社区卫生服务中心",
                    PartnerKind.SCHOOL: f"{place}实验小学",
                    PartnerKind.DEPARTMENT: f"{place}派出所",
                }
                institution = institutions[kind]
                # Another city may have a street of the same name: prefix the district.
                name = institution if attempt == 0 else f"{district}{institution}"
            if attempt > 20:  # the brand pool is used up for this kind: number it
                name = f"{name}（{attempt}）"
            if name not in taken:
                taken.add(name)
                return name
        raise GenerateError("Ran out of partner names.")

    def _write_party_orgs(self) -> None:
        rng = self.rng
        rows: list[dict[str, Any]] = []

        def add(
            name: str,
            kind: str,
            area: int,
            parent: int | None,
            members: int,
            partner: int | None = None,
        ) -> int:
            pk = self.w.take_ids(PartyOrg, 1)[0]
            rows.append(
                {
                    "id": pk,
                    "name": name[:100],
                    "kind": kind,
                    "area_id": area,
                    "parent_id": parent,
                    "partner_id": partner,
                    "secretary": self.names.full(),
                    "members": members,
                    "description": "",
                }
            )
            return pk

        def share(people: int) -> int:  # about 6% of residents are party members
            return max(3, round(people * 0.06))

        district = self.district
        top = add(
            f"中共{district.name}委员会", COMMITTEE, district.id, None, share(self.total_residents)
        )
        partners_by_area: dict[int, list[tuple[int, str, int]]] = {}
        for partner in self.partners:
            partners_by_area.setdefault(partner[2], []).append(partner)
        for street in self.streets:
            communities = self.street_communities[street.id]
            people = sum(c.residents for c in communities)
            org = add(f"中共{street.name}工作委员会", COMMITTEE, street.id, top, share(people))
            name = f"{street.name}区域化党建联合党委"
            add(name, PartyOrgKind.CO_GOVERNANCE, street.id, org, rng.randint(20, 60))
            for community in communities:
                area = community.area
                if community.residents >= 2000:  # large communities have a party committee
                    name, kind = f"中共{area.name}委员会", COMMITTEE
                else:
                    name, kind = f"中共{area.name}总支部委员会", PartyOrgKind.GENERAL_BRANCH
                community_org = add(name, kind, area.id, org, share(community.residents))
                for compound, buildings in community.compounds:
                    people = sum(sum(b.households) for b in buildings)
                    name = f"{compound.name}党支部"
                    add(name, PartyOrgKind.BRANCH, compound.id, community_org, share(people))
            for area_id in [street.id] + [c.area.id for c in communities]:
                for pk, name, _ in partners_by_area.get(area_id, []):
                    if rng.random() < 0.3:  # a partner unit with its own party branch
                        members = rng.randint(3, 30)
                        add(f"{name}党支部", PartyOrgKind.BRANCH, area_id, org, members, pk)
        self.w.write_dicts(PartyOrg, rows)

    def _write_venues(self) -> None:
        rng = self.rng
        rows: list[dict[str, Any]] = []

        def add(area: _Area, name: str, kind: str, capacity: int) -> None:
            rows.append(
                {
                    "name": name,
                    "kind": kind,
                    "area_id": area.id,
                    "address": area.address,
                    "capacity": capacity,
                    "opening_hours": rng.choice(OPENING_HOURS),
                    "description": "",
                    "is_active": True,
                    "groups_may_request": True,
                }
            )

        for street in self.streets:
            add(street, f"{street.name}党群服务中心", VenueKind.SERVICE_STATION, 200)
            add(street, f"{street.name}文化广场", VenueKind.SQUARE, 500)
            if rng.random() < 0.5:
                add(street, f"{street.name}口袋公园", VenueKind.PARK, 100)
            for community in self.street_communities[street.id]:
                area = community.area
                add(area, f"{area.name}党群服务站", VenueKind.SERVICE_STATION, 60)
                add(area, f"{area.name}居民议事角", VenueKind.DELIBERATION, 20)
                add(area, f"{area.name}活动室", VenueKind.ACTIVITY_ROOM, 40)
                if rng.random() < 0.4:
                    add(area, f"{area.name}四点半课堂", VenueKind.CLASSROOM, 30)
                for compound, _ in community.compounds:
                    if rng.random() < 0.3:
                        add(compound, f"{compound.name}楼道议事角", VenueKind.CORRIDOR, 12)
                    if rng.random() < 0.2:
                        add(compound, f"{compound.name}垃圾分类亭", VenueKind.RECYCLING, 4)
        self.w.write_dicts(Venue, rows)

    def _write_residents(self) -> None:
        tags = self._tags()
        tagged: list[tuple[int, int]] = []
        phones = MobileNumbers(self.rng, self.w.using)
        ids = self.w.take_ids(Resident, self.total_residents)
        bar = tqdm(
            total=self.total_residents,
            unit="residents",
            desc="residents",
            disable=not self.progress,
        )
        try:
            rows = self._resident_rows(iter(ids), phones, tags, tagged, bar)
            self.w.write(Resident, RESIDENT_FIELDS, rows)
        finally:
            bar.close()
        self.w.write(Resident.tags.through, ("resident_id", "tag_id"), tagged)

    def _tags(self) -> list[tuple[float, int]]:
        """(cumulative share, tag id): one random() draw picks at most one tag."""
        cumulative = 0.0
        result = []
        for name, share in TAGS:
            tag, _ = Tag.objects.using(self.w.using).get_or_create(name=name)
            cumulative += share
            result.append((cumulative, tag.pk))
        return result

    def _resident_rows(
        self,
        ids: Iterator[int],
        phones: MobileNumbers,
        tags: list[tuple[float, int]],
        tagged: list[tuple[int, int]],
        bar: Any,
    ) -> Iterator[tuple[Any, ...]]:
        # The hot loop, once per resident: local names instead of attribute look-ups.
        rng = self.rng
        random_ = rng.random
        surname, given, keys = self.names.surname, self.names.given, self.names.keys
        next_phone = phones.next
        tag_limit = tags[-1][0]
        candidates = self.grid_candidates
        for community in self.communities:
            for _, buildings in community.compounds:
                for building in buildings:
                    area_id = building.area.id
                    heads = candidates.setdefault(building.grid.id, [])
                    rooms = _rooms(rng, len(building.households))
                    for room, size in zip(rooms, building.households, strict=True):
                        family = surname()
                        for member in range(size):
                            pk = next(ids)
                            # Spouses and some relatives have their own surname.
                            last = family if member == 0 or random_() < 0.6 else surname()
                            first = given()
                            name = last + first
                            pinyin, initials = keys(last, first)
                            phone = next_phone() if random_() < PHONE_SHARE else None
                            if member == 0 and len(heads) < 4:
                                heads.append((pk, name))
                            draw = random_()
                            if draw < tag_limit:
                                tagged.append((pk, next(t for limit, t in tags if draw < limit)))
                            consent = random_() < CONSENT_SHARE
                            yield (pk, name, pinyin, initials, phone, area_id, room, consent, "")
                    bar.update(sum(building.households))

    def _write_pioneers(self) -> None:
        rng = self.rng
        today = timezone.localdate()
        rows: list[dict[str, Any]] = []
        grid_rows: list[tuple[int, int]] = []
        for community in self.communities:
            grids = community.grids
            for index, grid in enumerate(grids):
                heads = self.grid_candidates.get(grid.id, [])
                for n in range(rng.choice((1, 2, 2, 3))):
                    pk = self.w.take_ids(Pioneer, 1)[0]
                    # Most pioneers are residents of the grid they cover.
                    if n < len(heads) and rng.random() < 0.7:
                        resident_id, name = heads[n]
                    else:
                        resident_id, name = None, self.names.full()
                    appointed = today - timedelta(days=rng.randint(0, 1000))
                    ends = appointed + timedelta(days=3 * 365) if rng.random() < 0.8 else None
                    rows.append(
                        {
                            "id": pk,
                            "name": name,
                            "community_id": community.area.id,
                            "resident_id": resident_id,
                            "appointed_on": self.w.day(appointed),
                            "term_ends_on": self.w.day(ends) if ends else None,
                            "duties": PIONEER_DUTIES,
                            "status": PioneerStatus.ACTIVE.value,
                        }
                    )
                    grid_rows.append((pk, grid.id))
                    if index + 1 < len(grids) and rng.random() < 0.1:
                        grid_rows.append((pk, grids[index + 1].id))  # also the next grid
        self.w.write_dicts(Pioneer, rows)
        self.w.write(Pioneer.grids.through, ("pioneer_id", "area_id"), grid_rows)


# --- helpers ---------------------------------------------------------------------------------


def _rooms(rng: random.Random, households: int) -> list[str]:
    """Room numbers (1203 = floor 12, door 3) for the occupied flats, about 92% occupancy."""
    per_floor = 2 if households <= 12 else 4 if households <= 120 else math.ceil(households / 30)
    flats = max(households, math.ceil(households / per_floor / 0.92) * per_floor)
    chosen = sorted(rng.sample(range(flats), households))
    return [f"{i // per_floor + 1}{i % per_floor + 1:02d}" for i in chosen]


def _split(total: int, parts: int, rng: random.Random, spread: float) -> list[int]:
    """`total` split into `parts` positive integers that vary by about ±spread."""
    if parts <= 0 or total < parts:
        raise GenerateError(f"Cannot split {total} into {parts} non-empty parts.")
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    shares = [1 + w * scale for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(parts), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _area_row(a: _Area) -> tuple[Any, ...]:
    latitude, longitude = coordinate(a.latitude), coordinate(a.longitude)
    return (a.id, a.kind, a.name, a.parent_id, a.path, a.depth, a.grid_id, a.code, a.address,
            latitude, longitude, a.households)  # fmt: skip
