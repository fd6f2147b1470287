"""Synthetic demands for load tests and benchmarks: `manage.py generate_demands --demands N`.

`generate_demands` adds N demands (诉求) to the communities already in the database (a city
from `manage.py generate`, or the demo), each with its reporters, its event log and, once
closed, its call-backs, as if every step had gone through genxi.demands.services:

- recorded over the last `months` months, mostly on working days and in office hours, in
  communities chosen in proportion to their residents; the place is one of the community's
  buildings or compounds (sometimes the community itself); 1-3 reporters among its residents;
- a category from the Category table (leaves of the tree, some much more frequent than others;
  a small default tree is created through the services when the table is empty), with the
  response and resolution deadlines counted in working days (genxi.core.workdays);
- an outcome in realistic proportions (about 70% closed out, 10% resolved awaiting call-back,
  10% assigned or in progress, 5% waiting to be accepted or verified, 5% referred or withdrawn),
  with the events of each step (the same kinds, from/to statuses and public flags the services
  write), times increasing through office hours, most deadlines met and some missed, some
  demands reopened after an unsatisfied call-back. A step that would fall after now is not
  taken, so recent demands are still open, as in life.

It is a bulk loader, not a user action: it writes straight to the tables in one transaction
through genxi.core.bulk.BulkWriter (COPY on PostgreSQL, executemany of batched INSERTs
elsewhere), bypasses the services, sends no notifications and writes **no audit entries** (only
the default categories, when it has to create them, go through the services and are audited).
What each demand gets at creation (deadlines, first event, rows) comes from genxi.demands.intake.
Demand ids are allocated up front; rows are produced and written in chunks of CHUNK demands, so
memory stays flat whatever N is. On PostgreSQL the foreign keys are checked per statement (SET
CONSTRAINTS ALL IMMEDIATE) rather than all at commit, so the server does not queue one check per
row of a 10-million-demand load either. The same seed on the same database gives the same rows.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from tqdm import tqdm

from genxi.core.bulk import BulkWriter, GenerateError, Method, coordinate
from genxi.core.workdays import WorkCalendar
from genxi.demands.demo import load_categories
from genxi.demands.intake import (
    DEMAND_FIELDS,
    EVENT_FIELDS,
    REPORTER_FIELDS,
    DeadlineCounter,
    DemandRow,
    ReporterRow,
    collected_rows,
)
from genxi.demands.models import (
    Callback,
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandReporter,
    EventKind,
    HandlingPath,
    Satisfaction,
    Status,
)
from genxi.demands.services import CODE_ALPHABET, CODE_LENGTH
from genxi.places.models import Area, AreaKind, Partner, Resident

CHUNK = 10_000  # demands produced, checked and written together

# Where each demand ends up (before steps that would lie in the future are cut off).
OUTCOMES: tuple[tuple[str, float], ...] = (
    (Status.CLOSED, 0.70),
    (Status.RESOLVED, 0.10),
    (Status.IN_PROGRESS, 0.07),
    (Status.ASSIGNED, 0.03),
    (Status.COLLECTED, 0.025),
    (Status.ACCEPTED, 0.015),
    (Status.VERIFIED, 0.01),
    (Status.REFERRED, 0.03),
    (Status.WITHDRAWN, 0.02),
)
CHANNELS: tuple[tuple[str, float], ...] = (
    (Channel.VISIT, 0.35),
    (Channel.PHONE, 0.25),
    (Channel.WALK_IN, 0.20),
    (Channel.WEB, 0.15),
    (Channel.INSPECTION, 0.05),
)
PATHS: tuple[tuple[str, float], ...] = (
    (HandlingPath.COMMUNITY, 0.55),
    (HandlingPath.PARTNER, 0.30),
    (HandlingPath.MEETING, 0.10),
    (HandlingPath.PROJECT, 0.05),
)
REPORTER_COUNTS: tuple[tuple[int, float], ...] = ((1, 0.75), (2, 0.18), (3, 0.07))
# Hour of the day a demand is recorded (local time): office hours, a lunch dip, some evenings.
HOURS: tuple[tuple[int, float], ...] = tuple(
    (h, w)
    for h, w in enumerate(
        (0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1, 4, 9, 10, 9,
         4, 3, 8, 9, 9, 7, 3, 2, 1.5, 1, 0.5, 0.2)
    )
)  # fmt: skip
WEEKEND_SHARE = 0.3  # a Saturday or holiday sees about 30% of a working day's demands
ON_TIME_SHARE = 0.85  # resolved by the resolution deadline
REOPEN_SHARE = 0.04  # of closed demands: a "not satisfied" call-back sent it back once
UPDATE_SHARE = 0.4  # of demands being handled: one or two progress updates

TITLES: dict[str, tuple[str, ...]] = {
    "公共设施": ("休闲座椅损坏", "路灯不亮", "健身器材松动", "南门通道太窄", "楼道扶手脱落"),
    "休闲座椅": ("休闲座椅不够", "座椅油漆脱落", "座椅木条断裂"),
    "休憩亭": ("休憩亭漏雨", "想在广场加个休憩亭"),
    "出入口与通道": ("南门非机动车道太窄", "消防通道被占", "出入口台阶缺坡道"),
    "楼道扶手": ("楼道扶手松动", "老人上楼需要扶手"),
    "儿童游乐设施": ("滑梯破损", "秋千链条生锈", "游乐区地垫翘起"),
    "环境卫生": ("垃圾清运不及时", "楼道堆放杂物", "绿化带有积水"),
    "垃圾分类": ("垃圾分类亭满溢", "厨余垃圾桶异味大", "投放点位置不合理"),
    "绿化养护": ("树枝遮挡窗户", "草坪枯黄", "行道树需要修剪"),
    "物业服务": ("电梯经常停运", "门禁失灵", "物业费公示不清"),
    "房屋维修": ("外墙渗水", "屋顶漏雨", "下水管道堵塞"),
    "围墙与晾晒点": ("围墙开裂", "缺少晾晒点"),
    "便民服务": ("想要便民理发点", "希望开设社区食堂"),
    "理发磨刀修鞋": ("磨刀修鞋摊不见了", "老人理发不方便"),
    "再生资源回收": ("旧衣回收箱满了", "废品回收点太远"),
    "法律咨询": ("房屋继承咨询", "劳动合同纠纷", "邻里噪音纠纷"),
    "安全隐患": ("电动车楼道充电", "燃气管道老化", "窨井盖缺失"),
}
GENERIC_TITLES = ("问题需要处理", "居民反映的问题", "希望尽快解决")
FINDINGS = ("现场核实属实", "情况属实，需协调处理", "已拍照取证", "与居民当面确认")
RESULTS = ("已维修完毕", "已协调相关单位处理", "已更换", "已清理完毕", "已答复居民并办结")
REFER_REASONS = ("属于市政部门职责，已转12345", "涉及司法程序，建议走法律途径", "非本社区辖区")
WITHDRAW_REASONS = ("居民已自行解决", "居民撤回诉求", "重复反映，已合并处理")
UPDATES = ("已联系施工方", "材料已采购", "正在施工", "等待配件到货")
COMMENTS = ("", "", "", "处理及时", "希望以后多关注")


@dataclass(frozen=True)
class DemandsResult:
    seed: int
    vendor: str
    method: str
    demands: int
    counts: dict[str, int]
    statuses: dict[str, int]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


CALLBACK_FIELDS = ("demand_id", "community_id", "resident_id", "round", "result", "comment",
                   "by_id", "at")  # fmt: skip


def generate_demands(
    *,
    demands: int,
    seed: int = 0,
    months: int = 12,
    progress: bool = True,
    method: Method = "auto",
    using: str = DEFAULT_DB_ALIAS,
    now: datetime | None = None,
) -> DemandsResult:
    """Add `demands` synthetic demands to the communities in the database; see the module."""
    if demands < 1:
        raise GenerateError("Generate at least one demand.")
    if not 1 <= months <= 120:
        raise GenerateError("Months must be between 1 and 120.")
    started = time.perf_counter()
    with transaction.atomic(using=using):
        writer = BulkWriter(connections[using], method, using)
        writer.lock((Demand,))
        if writer.connection.vendor == "postgresql":
            with writer.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        maker = _Maker(
            writer=writer,
            rng=random.Random(seed),
            seed=seed,
            months=months,
            now=now or timezone.now(),
        )
        maker.run(demands, progress)
        writer.finish((Demand, DemandReporter, DemandEvent, Callback))
    return DemandsResult(
        seed=seed,
        vendor=writer.connection.vendor,
        method=writer.method,
        demands=demands,
        counts=dict(writer.counts),
        statuses=dict(sorted(maker.statuses.items(), key=lambda kv: -kv[1])),
        seconds=time.perf_counter() - started,
    )


def default_categories(using: str = DEFAULT_DB_ALIAS) -> int:
    """Create the demo's category tree through the services when there is no category at all."""
    if Category.objects.using(using).exists():
        return 0
    return load_categories()


class _Codes:
    """Tracking codes: the i-th is (a·i + b) mod 31⁸ written in CODE_ALPHABET, with a and b
    drawn from the seed and a coprime to 31⁸ — a permutation, so codes of distinct demand ids
    never repeat. Codes already in the database (another seed, the demo) are replaced."""

    def __init__(self, rng: random.Random) -> None:
        base = len(CODE_ALPHABET)
        self.space = base**CODE_LENGTH
        self.a = rng.randrange(self.space // 3, 2 * self.space // 3)
        while self.a % base == 0:
            self.a += 1
        self.b = rng.randrange(self.space)
        self.spare = self.space  # replacement indices count down from the top, far above any id

    def code(self, index: int) -> str:
        n = (self.a * index + self.b) % self.space
        chars = []
        for _ in range(CODE_LENGTH):
            n, digit = divmod(n, len(CODE_ALPHABET))
            chars.append(CODE_ALPHABET[digit])
        return "".join(chars)

    def replacement(self) -> str:
        self.spare -= 1
        return self.code(self.spare)


def _cumulative(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(itertools.accumulate(weights))


class _Maker:
    def __init__(
        self, *, writer: BulkWriter, rng: random.Random, seed: int, months: int, now: datetime
    ) -> None:
        self.w = writer
        self.rng = rng
        self.seed = seed
        self.months = months
        self.now = now
        self.tz = timezone.get_default_timezone()
        self.calendar = WorkCalendar.load()
        self.deadlines = DeadlineCounter(self.calendar)
        self.codes = _Codes(rng)
        self.statuses: dict[str, int] = {}
        self.check_codes = Demand.objects.using(writer.using).exists()
        self._pick_tables = {
            name: _cumulative(pairs)
            for name, pairs in (
                ("outcome", OUTCOMES),
                ("channel", CHANNELS),
                ("path", PATHS),
                ("reporters", REPORTER_COUNTS),
                ("hour", HOURS),
            )
        }

    # --- what the database holds

    def load(self) -> None:
        using = self.w.using
        default_categories(using)
        categories = list(
            Category.objects.using(using)
            .filter(is_active=True)
            .values_list("id", "parent_id", "name", "response_days", "resolution_days")
        )
        parents = {c[1] for c in categories}
        leaves = [c for c in categories if c[0] not in parents] or categories
        self.rng.shuffle(leaves)
        names = {c[0]: c[2] for c in categories}
        # Some kinds of demand are raised far more often than others (1/rank weights).
        self.categories = [
            (pk, TITLES.get(name) or TITLES.get(names.get(parent or 0, ""), ()), resp, resol)
            for pk, parent, name, resp, resol in leaves
        ]
        self.category_weights = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(leaves)))
        )
        if not self.categories:
            raise GenerateError("No active demand category.")

        areas = {
            row[0]: row
            for row in Area.objects.using(using).values_list(
                "id", "kind", "parent_id", "name", "latitude", "longitude"
            )
        }
        community_of: dict[int, int | None] = {}

        def find(pk: int) -> int | None:
            chain = []
            found: int | None = None
            current: int | None = pk
            while current is not None:
                if current in community_of:
                    found = community_of[current]
                    break
                chain.append(current)
                row = areas[current]
                if row[1] == AreaKind.COMMUNITY:
                    found = current
                    break
                current = row[2]
            for item in chain:
                community_of[item] = found
            return found

        places: dict[int, list[int]] = {}
        for pk, row in areas.items():
            community = find(pk)
            if community is not None and row[1] in (
                AreaKind.BUILDING,
                AreaKind.COMPOUND,
                AreaKind.COMMON_AREA,
            ):
                places.setdefault(community, []).append(pk)
        self.areas = {pk: (row[3], row[4], row[5]) for pk, row in areas.items()}

        residents: dict[int, array[int]] = {}
        rows = Resident.objects.using(using).values_list("id", "area_id").order_by("id")
        for pk, area_id in rows.iterator(chunk_size=20_000):
            community = community_of.get(area_id)
            if community is not None:
                residents.setdefault(community, array("q")).append(pk)
        if not residents:
            raise GenerateError(
                "No community has residents: run `manage.py generate --residents N` first."
            )
        self.communities = sorted(residents)
        self.residents = residents
        self.community_weights = list(
            itertools.accumulate(len(residents[c]) for c in self.communities)
        )
        self.places = {c: sorted(places.get(c, [])) for c in self.communities}
        self.street_of = {c: areas[c][2] for c in self.communities}
        partners: dict[int, list[int]] = {}
        for pk, area_id in (
            Partner.objects.using(using).filter(is_active=True).values_list("id", "area_id")
        ):
            partners.setdefault(area_id, []).append(pk)
        self.partners = {
            c: sorted(partners.get(c, []) + partners.get(areas[c][2] or 0, []))
            for c in self.communities
        }

    # --- helpers

    def pick(self, table: str) -> Any:
        values, cumulative = self._pick_tables[table]
        return values[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def office(self, moment: datetime) -> datetime:
        """`moment` (local), moved into office hours: nights to the next morning, most
        weekends to Monday."""
        rng = self.rng
        if moment.hour < 8:
            moment = moment.replace(hour=8, minute=rng.randrange(60))
        elif moment.hour >= 18:
            moment = (moment + timedelta(days=1)).replace(hour=8, minute=rng.randrange(60))
        if moment.weekday() >= 5 and rng.random() < 0.7:
            moment += timedelta(days=7 - moment.weekday())
        return moment

    def later(self, moment: datetime, low_hours: float, high_hours: float) -> datetime:
        span = low_hours + (high_hours - low_hours) * self.rng.random() ** 2  # mostly quick
        return self.office(moment + timedelta(hours=span))

    # --- the plan

    def days(self) -> list[tuple[date, float]]:
        today = timezone.localtime(self.now, self.tz).date()
        start = today - timedelta(days=round(self.months * 30.44))
        days = [start + timedelta(days=i) for i in range((today - start).days)]
        return [(d, 1.0 if self.calendar.is_workday(d) else WEEKEND_SHARE) for d in days]

    def created_times(self, total: int) -> Iterator[datetime]:
        """`total` local times over the period, in order, weighted by day and hour."""
        days = self.days()
        weight = sum(w for _, w in days)
        shares = [total * w / weight for _, w in days]
        counts = [int(s) for s in shares]
        order = sorted(range(len(days)), key=lambda i: shares[i] - counts[i], reverse=True)
        for i in order[: total - sum(counts)]:
            counts[i] += 1
        rng = self.rng
        for (day, _), count in zip(days, counts, strict=True):
            midnight = datetime.combine(day, clock.min)
            seconds = sorted(self.pick("hour") * 3600 + rng.randrange(3600) for _ in range(count))
            for s in seconds:
                yield midnight + timedelta(seconds=s)

    def run(self, total: int, progress: bool) -> None:
        self.load()
        ids = iter(self.w.take_ids(Demand, total))
        times = self.created_times(total)
        bar = tqdm(total=total, unit="demands", desc="demands", disable=not progress)
        try:
            while chunk := list(itertools.islice(times, CHUNK)):
                self.write_chunk([next(ids) for _ in chunk], chunk)
                bar.update(len(chunk))
        finally:
            bar.close()

    def write_chunk(self, ids: list[int], created: list[datetime]) -> None:
        codes = [self.codes.code(pk) for pk in ids]
        if self.check_codes:
            codes = self.unused(codes)
        demands: list[DemandRow] = []
        reporters: list[ReporterRow] = []
        events: list[tuple[Any, ...]] = []  # EventRow or a tuple in its order
        callbacks: list[tuple[Any, ...]] = []
        for pk, code, moment in zip(ids, codes, created, strict=True):
            self.one(pk, code, moment, demands, reporters, events, callbacks)
        w = self.w
        w.write(Demand, DEMAND_FIELDS, demands)
        w.write(DemandReporter, REPORTER_FIELDS, reporters)
        w.write(DemandEvent, EVENT_FIELDS, events)
        w.write(Callback, CALLBACK_FIELDS, callbacks)

    def unused(self, codes: list[str]) -> list[str]:
        """`codes` with any already stored replaced by fresh ones (checked again)."""
        manager = Demand.objects.using(self.w.using)
        result = list(codes)
        pending = list(range(len(result)))
        while pending:
            taken: set[str] = set()
            for start in range(0, len(pending), 900):
                batch = [result[i] for i in pending[start : start + 900]]
                taken.update(manager.filter(code__in=batch).values_list("code", flat=True))
            pending = [i for i in pending if result[i] in taken]
            for i in pending:
                result[i] = self.codes.replacement()
        return result

    def one(
        self,
        pk: int,
        code: str,
        created_local: datetime,
        demands: list[DemandRow],
        reporters: list[ReporterRow],
        events: list[tuple[Any, ...]],
        callbacks: list[tuple[Any, ...]],
    ) -> None:
        rng, w, tz, now = self.rng, self.w, self.tz, self.now
        stamp, as_json = w.stamp, w.json

        community = self.communities[
            bisect.bisect(self.community_weights, rng.random() * self.community_weights[-1])
        ]
        places = self.places[community]
        draw = rng.random()
        area = places[int(rng.random() * len(places))] if places and draw < 0.85 else community
        area_name, latitude, longitude = self.areas[area]
        people = self.residents[community]
        count = min(self.pick("reporters"), len(people))
        who = list(dict.fromkeys(people[int(rng.random() * len(people))] for _ in range(count)))
        category, titles, response_days, resolution_days = self.categories[
            bisect.bisect(self.category_weights, rng.random() * self.category_weights[-1])
        ]
        title = f"{area_name}{rng.choice(titles or GENERIC_TITLES)}"[:100]
        channel = self.pick("channel")
        target = self.pick("outcome")
        partners = self.partners[community]
        path = self.pick("path")
        if path == HandlingPath.PARTNER and not partners:
            path = HandlingPath.COMMUNITY
        if target == Status.ASSIGNED and path != HandlingPath.PARTNER:
            target = Status.IN_PROGRESS
        partner = rng.choice(partners) if path == HandlingPath.PARTNER else None

        deadlines = self.deadlines.count(created_local.date(), response_days, resolution_days)
        resolution_due = deadlines.resolution_due
        created = created_local.replace(tzinfo=tz)
        collected = collected_rows(
            w,
            pk=pk,
            code=code,
            title=title,
            description=f"居民反映：{title}，希望尽快处理。",
            category_id=category,
            community_id=community,
            street_id=self.street_of[community],
            area_id=area,
            channel=channel,
            reporters=who,
            deadlines=deadlines,
            at=stamp(created),
            latitude=coordinate(latitude),
            longitude=coordinate(longitude),
        )
        status: str = Status.COLLECTED
        last = created
        fields: dict[str, Any] = {}
        callback_round = 0
        expected_on: date | None = None

        def step(
            local: datetime,
            kind: str,
            to: str,
            *,
            public: bool = True,
            note: str = "",
            data: dict[str, Any] | None = None,
        ) -> bool:
            """Record a move to `to` at `local` (office time), unless that is after now."""
            nonlocal status, last
            at = local.replace(tzinfo=tz)
            if at > now:
                return False
            # A plain tuple in EVENT_FIELDS order: a named row costs more, several times a demand.
            events.append(
                (pk, community, kind, None, stamp(at), status, to, note, public,
                 as_json(data or {}))
            )  # fmt: skip
            status, last = to, at
            return True

        def note(local: datetime, kind: str, text: str, public: bool, data: Any = None) -> bool:
            at = local.replace(tzinfo=tz)
            if at > now:
                return False
            events.append(
                (pk, community, kind, None, stamp(at), "", "", text, public, as_json(data or {}))
            )
            return True

        events.append(collected.event)
        reporters += collected.reporters

        local = created_local
        # Accepted (or referred) mostly within the response day.
        quick = rng.random() < 0.9
        local = self.later(local, 0.2, 8 if quick else 60)
        done = True
        if target == Status.REFERRED and rng.random() < 0.6:
            if step(local, EventKind.REFERRED, Status.REFERRED, note=rng.choice(REFER_REASONS)):
                fields["accepted_at"] = fields["closed_at"] = last
            done = False
        elif target != Status.COLLECTED and step(local, EventKind.ACCEPTED, Status.ACCEPTED):
            fields["accepted_at"] = last
        else:
            done = False
        if done and target == Status.ACCEPTED:
            done = False
        if done and target == Status.REFERRED:
            local = self.later(local, 1, 24)
            if step(local, EventKind.REFERRED, Status.REFERRED, note=rng.choice(REFER_REASONS)):
                fields["closed_at"] = last
            done = False
        withdraw_at = (
            rng.choice((Status.ACCEPTED, Status.VERIFIED, Status.IN_PROGRESS))
            if target == Status.WITHDRAWN
            else None
        )
        if done and withdraw_at == Status.ACCEPTED:
            done = False
        if done:
            local = self.later(local, 1, 48)
            done = step(
                local, EventKind.VERIFIED, Status.VERIFIED, public=False, note=rng.choice(FINDINGS)
            )
            if done:
                fields["verified_at"] = last
        if done and (withdraw_at == Status.VERIFIED or target == Status.VERIFIED):
            done = False
        if done:
            local = self.later(local, 0.5, 24)
            if partner is not None:
                done = step(
                    local,
                    EventKind.ASSIGNED,
                    Status.ASSIGNED,
                    public=False,
                    data={"path": path, "partner": partner},
                )
                if done:
                    fields["assigned_at"] = last
                if done and target != Status.ASSIGNED:
                    local = self.later(local, 1, 48)
                    expected_on = local.date() + timedelta(days=rng.randint(3, 10))
                    done = step(
                        local,
                        EventKind.HANDLING,
                        Status.IN_PROGRESS,
                        data={"expected_on": expected_on.isoformat()},
                    )
                    if not done:
                        expected_on = None
                elif done:
                    done = False  # stays assigned
            else:
                done = step(local, EventKind.ASSIGNED, Status.IN_PROGRESS, data={"path": path})
                if done:
                    fields["assigned_at"] = last
        if done and rng.random() < UPDATE_SHARE:
            for _ in range(rng.randint(1, 2)):
                local = self.later(local, 2, 48)
                if not note(local, EventKind.UPDATE, rng.choice(UPDATES), rng.random() < 0.5):
                    break
        if done and (withdraw_at == Status.IN_PROGRESS or target == Status.IN_PROGRESS):
            done = False
        if done:
            rounds = 2 if target == Status.CLOSED and rng.random() < REOPEN_SHARE else 1
            for round_ in range(rounds):
                due_end = datetime.combine(resolution_due, clock(17, 30))
                if round_ == 0 and rng.random() < ON_TIME_SHARE and due_end > local:
                    local = self.office(local + (due_end - local) * rng.random() ** 1.5)
                    local = min(local, due_end)
                else:
                    local = self.later(local, 24, 24 * (15 if round_ == 0 else 8))
                done = step(local, EventKind.RESOLVED, Status.RESOLVED, note=rng.choice(RESULTS))
                if not done:
                    break
                fields["resolved_at"] = last
                if target == Status.RESOLVED:
                    done = False
                    break
                local = self.later(local, 2, 72)
                unhappy = round_ == 0 and rounds == 2
                for n, resident in enumerate(who):
                    local += timedelta(minutes=rng.randint(2, 30))
                    at = local.replace(tzinfo=tz)
                    if at > now:
                        done = False
                        break
                    if unhappy and n == 0:
                        result = Satisfaction.NOT_SATISFIED
                    else:
                        result = (
                            Satisfaction.SATISFIED
                            if rng.random() < 0.82
                            else Satisfaction.BASICALLY
                        )
                    comment = (
                        rng.choice(COMMENTS)
                        if result != Satisfaction.NOT_SATISFIED
                        else ("问题没有彻底解决")
                    )
                    callbacks.append(
                        (pk, community, resident, callback_round, result, comment, None,
                         stamp(at))
                    )  # fmt: skip
                    answer = {"resident": resident, "result": result, "round": callback_round}
                    if n == len(who) - 1 and result != Satisfaction.NOT_SATISFIED:
                        # The round's last answer moves it on to close-out, as the service does.
                        step(local, EventKind.CALLBACK, Status.CALLED_BACK, public=False,
                             note=comment, data=answer)  # fmt: skip
                    else:
                        note(local, EventKind.CALLBACK, comment, False, answer)
                    if result == Satisfaction.NOT_SATISFIED:
                        # The service reopens at once, in the same transaction.
                        step(local, EventKind.REOPENED, Status.IN_PROGRESS, note=comment)
                        fields["resolved_at"] = None
                        callback_round += 1
                        break
                if not done:
                    break
            if done:
                local = self.later(local, 0.5, 24)
                if step(local, EventKind.CLOSED, Status.CLOSED):
                    fields["closed_at"] = last
        if withdraw_at is not None and status == withdraw_at:
            local = self.later(local, 2, 120)
            if step(
                local, EventKind.WITHDRAWN, Status.WITHDRAWN, note=rng.choice(WITHDRAW_REASONS)
            ):
                fields["closed_at"] = last
        handled = "assigned_at" in fields
        self.statuses[status] = self.statuses.get(status, 0) + 1
        demands.append(
            collected.demand._replace(
                status=status,
                path=path if handled else "",
                handler_partner_id=partner if handled else None,
                accepted_at=stamp(fields.get("accepted_at")),
                verified_at=stamp(fields.get("verified_at")),
                assigned_at=stamp(fields.get("assigned_at")),
                resolved_at=stamp(fields.get("resolved_at")),
                closed_at=stamp(fields.get("closed_at")),
                expected_on=w.day(expected_on) if expected_on else None,
                callback_round=callback_round,
                updated_at=stamp(last),
            )
        )
