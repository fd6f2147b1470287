"""The partner portal's home page at scale, beside a bare view of the same rows and bare SQL.

    python -m bench.cobuilding_portal --database-url postgres://postgres@127.0.0.1:5432/gx_e_bench

If the database holds fewer than --needs co-building needs, a world is made first, in bulk: one
street of --communities communities, --partners partner units spread over them, each with an
agreement in force with its community (a weekly report, its items from the start of the year
to today: about --partners × 50 due items, a third left unfiled), --resources resources, --needs
needs spread over the communities (a tenth claimed, half of those delivered) — the issue's
1,000 partners, 10,000 resources and 100,000 needs by default. The handler is a partner-handler
user of the first unit. Then, warm, one client, each case --iterations times:

- portal_page: GET /cobuilding/portal/ through django.test.Client (middleware, session, view,
  template, base page with its menu) as the handler;
- home_page: GET / as the handler (the same sections, and the home page's work lists);
- portal_view: the portal view alone, called with a RequestFactory request (view and template);
- bare_view: a plain Django view doing the same reads (the same six lists, first 11 rows each, and
  their counts) with `.values_list` and no template, through the same RequestFactory;
- bare_sql: the same rows by hand-written SELECTs through connection.cursor().

The portal's queries per request are counted once (CaptureQueriesContext) and reported.
"""

import argparse
import random
import time
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import (
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
)
from django.utils import timezone

from bench import emit, machine, percentiles, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gx_e_bench"


def make_world(args: argparse.Namespace) -> dict[str, Any]:
    from genxi.cobuilding.models import (
        Agreement,
        AgreementParty,
        AgreementStatus,
        Cadence,
        Claim,
        Commitment,
        CommitmentKind,
        Delivery,
        DueItem,
        Need,
        NeedClaimStatus,
        NeedSource,
        NeedStatus,
        Resource,
        ResourceKind,
        Side,
    )
    from genxi.places import services as places
    from genxi.places.models import AreaKind, Partner

    rng = random.Random(args.seed)
    started = time.perf_counter()
    street = places.create_area(actor=None, kind=AreaKind.STREET, name="基准街道", parent=None)
    communities = [
        places.create_area(actor=None, kind=AreaKind.COMMUNITY, name=f"基准{n}社区", parent=street)
        for n in range(args.communities)
    ]
    partners = Partner.objects.bulk_create(
        [
            Partner(name=f"基准单位{n:04d}", kind="company", area=communities[n % len(communities)])
            for n in range(args.partners)
        ],
        batch_size=2000,
    )
    today = timezone.localdate()
    year_start = date(today.year, 1, 1)
    agreements = Agreement.objects.bulk_create(
        [
            Agreement(
                title=f"{p.name}结对共建协议",
                community_id=p.area_id,
                starts_on=year_start,
                ends_on=date(today.year + 1, 12, 31),
                status=AgreementStatus.ACTIVE,
            )
            for p in partners
        ],
        batch_size=2000,
    )
    AgreementParty.objects.bulk_create(
        [AgreementParty(agreement=a, partner=p) for a, p in zip(agreements, partners, strict=True)],
        batch_size=5000,
    )
    commitments = Commitment.objects.bulk_create(
        [
            Commitment(
                agreement=a, title="问题自查周报", kind=CommitmentKind.REPORT,
                cadence=Cadence.WEEKLY, owner_side=Side.PARTNER, owner_partner=p,
                due_after_days=1,
            )
            for a, p in zip(agreements, partners, strict=True)
        ],
        batch_size=2000,
    )  # fmt: skip
    monday = year_start - timedelta(days=year_start.weekday())
    items: list[DueItem] = []
    now = timezone.now()
    for c in commitments:
        week = monday
        while week <= today:
            due = week + timedelta(days=7)
            filed = None if (due >= today or rng.random() < 0.33) else now - timedelta(days=3)
            items.append(
                DueItem(
                    commitment=c, period_start=week, period_end=week + timedelta(days=6),
                    due_on=due, filed_at=filed,
                )
            )  # fmt: skip
            week += timedelta(days=7)
    DueItem.objects.bulk_create(items, batch_size=5000)
    Resource.objects.bulk_create(
        [
            Resource(
                partner=(p := partners[n % len(partners)]), kind=ResourceKind.SERVICE,
                title=f"资源{n}", area_id=p.area_id, area_path=communities[
                    (n % len(partners)) % len(communities)
                ].path,
            )
            for n in range(args.resources)
        ],
        batch_size=5000,
    )  # fmt: skip
    soon = now + timedelta(days=3)
    needs = Need.objects.bulk_create(
        [
            Need(
                community=communities[n % len(communities)],
                title=f"需求{n}",
                source=NeedSource.DIRECT,
                # A tenth of each community's needs claimed.
                status=NeedStatus.CLAIMED if (n // len(communities)) % 10 == 0 else NeedStatus.OPEN,
                exclusive_until=soon if n % 7 == 0 else None,
            )
            for n in range(args.needs)
        ],
        batch_size=5000,
    )
    claims = Claim.objects.bulk_create(
        [
            Claim(
                need=need,
                partner=partners[n % len(partners)],
                status=NeedClaimStatus.DELIVERED if n % 2 == 0 else NeedClaimStatus.CLAIMED,
            )
            for n, need in enumerate(x for x in needs if x.status == NeedStatus.CLAIMED)
        ],
        batch_size=5000,
    )
    Delivery.objects.bulk_create(
        [
            Delivery(claim=c, what="已交付", delivered_on=today)
            for c in claims
            if c.status == NeedClaimStatus.DELIVERED
        ],
        batch_size=5000,
    )
    return {
        "communities": len(communities),
        "partners": len(partners),
        "agreements": len(agreements),
        "due_items": len(items),
        "resources": args.resources,
        "needs": len(needs),
        "claims": len(claims),
        "seconds": round(time.perf_counter() - started, 1),
    }


def served(ids: list[int]) -> list[int]:
    """The communities the units serve: where they are registered as an area, and paired."""
    from genxi.cobuilding.models import Agreement
    from genxi.places.models import Partner

    return sorted(
        set(Partner.objects.filter(pk__in=ids).values_list("area_id", flat=True))
        | set(
            Agreement.objects.filter(parties__partner__in=ids, status="active").values_list(
                "community_id", flat=True
            )
        )
    )


def bare_view(request: Any) -> Any:
    """The portal's reads, plainly: the same six lists (11 rows, the count when more)."""
    from django.http import HttpResponse

    from genxi.accounts import scoping
    from genxi.cobuilding.models import Agreement, Claim, DueItem, Need
    from genxi.demands.models import OPEN_STATUSES, Demand
    from genxi.projects.models import Project

    ids = scoping.partner_ids(request.user)
    soon = timezone.localdate() + timedelta(days=7)
    lists = [
        Agreement.objects.filter(parties__partner__in=ids).values_list("pk", "title"),
        DueItem.objects.filter(
            commitment__agreement__parties__partner__in=ids, filed_at=None, due_on__lte=soon,
            commitment__agreement__status="active", commitment__is_active=True,
        ).order_by("due_on", "id").values_list("pk", "due_on", "commitment__title"),
        Need.objects.filter(status="open", community__in=served(ids))
        .order_by("-created_at", "-id").values_list("pk", "title", "community__name"),
        Claim.objects.filter(partner__in=ids).order_by("-claimed_at", "-id")
        .values_list("pk", "need__title"),
        Demand.objects.filter(handler_partner__in=ids, status__in=sorted(OPEN_STATUSES))
        .order_by("resolution_due", "id").values_list("pk", "title"),
        Project.objects.filter(implementer__in=ids).values_list("pk", "title"),
    ]  # fmt: skip
    out = []
    for qs in lists:
        rows = list(qs[:11])
        out.append(f"{len(rows) if len(rows) <= 10 else qs.count()}:{rows[:10]}")
    return HttpResponse("\n".join(out))


BARE_SQL = [
    """SELECT a.id, a.title FROM cobuilding_agreement a JOIN cobuilding_agreementparty p
       ON p.agreement_id = a.id WHERE p.partner_id = %(p)s AND a.status <> 'draft'
       ORDER BY a.status, a.starts_on DESC, a.id DESC LIMIT 11""",
    """SELECT i.id, i.due_on, c.title FROM cobuilding_dueitem i
       JOIN cobuilding_commitment c ON c.id = i.commitment_id
       JOIN cobuilding_agreement a ON a.id = c.agreement_id
       JOIN cobuilding_agreementparty p ON p.agreement_id = a.id
       WHERE p.partner_id = %(p)s AND i.filed_at IS NULL AND i.due_on <= %(soon)s
         AND a.status = 'active' AND c.is_active ORDER BY i.due_on, i.id LIMIT 11""",
    """SELECT COUNT(*) FROM cobuilding_dueitem i
       JOIN cobuilding_commitment c ON c.id = i.commitment_id
       JOIN cobuilding_agreement a ON a.id = c.agreement_id
       JOIN cobuilding_agreementparty p ON p.agreement_id = a.id
       WHERE p.partner_id = %(p)s AND i.filed_at IS NULL AND i.due_on <= %(soon)s
         AND a.status = 'active' AND c.is_active""",
    """SELECT a.community_id FROM cobuilding_agreement a JOIN cobuilding_agreementparty p
       ON p.agreement_id = a.id WHERE p.partner_id = %(p)s AND a.status = 'active'""",
    """SELECT n.id, n.title, n.exclusive_until FROM cobuilding_need n
       WHERE n.status = 'open' AND n.community_id = ANY(%(communities)s)
       ORDER BY n.created_at DESC, n.id DESC LIMIT 11""",
    """SELECT COUNT(*) FROM cobuilding_need n
       WHERE n.status = 'open' AND n.community_id = ANY(%(communities)s)""",
    """SELECT c.id, n.title FROM cobuilding_claim c JOIN cobuilding_need n ON n.id = c.need_id
       WHERE c.partner_id = %(p)s ORDER BY c.claimed_at DESC, c.id DESC LIMIT 11""",
    """SELECT COUNT(*) FROM cobuilding_claim WHERE partner_id = %(p)s""",
    """SELECT id, title FROM demands_demand WHERE handler_partner_id = %(p)s
       ORDER BY resolution_due, id LIMIT 11""",
    """SELECT id, title FROM projects_project WHERE implementer_id = %(p)s
       ORDER BY created_at DESC, id DESC LIMIT 11""",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--communities", type=int, default=100)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.conf import settings

    from genxi.accounts.models import Membership, Role, User
    from genxi.cobuilding.models import Need
    from genxi.cobuilding.views.portal import portal
    from genxi.places.models import Partner

    storages = {**settings.STORAGES}
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES=storages).enable()
    setup_test_environment()
    report: dict[str, Any] = {"benchmark": "cobuilding_portal", "machine": machine()}
    if Need.objects.count() < args.needs:
        report["generated"] = make_world(args)
        print(f"generated {report['generated']}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    partner = Partner.objects.filter(name="基准单位0000").select_related("area").get()
    user, _ = User.objects.get_or_create(username="bench-portal-handler")
    Membership.objects.get_or_create(
        user=user, role=Role.PARTNER, area=partner.area, partner=partner
    )
    report["rows"] = {
        "needs": Need.objects.count(),
        "partners": Partner.objects.count(),
    }
    host = (settings.ALLOWED_HOSTS or ["localhost"])[0]
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    factory = RequestFactory(HTTP_HOST=host)
    user = User.objects.get(pk=user.pk)

    def request() -> Any:
        r = factory.get("/cobuilding/portal/")
        r.user = User.objects.get(pk=user.pk)  # a fresh user: no memberships cached
        r.session = {}  # type: ignore[assignment]
        r._messages = []
        return r

    params = {
        "p": partner.pk,
        "communities": served([partner.pk]),
        "soon": timezone.localdate() + timedelta(days=7),
    }

    def sql() -> None:
        with connection.cursor() as cursor:
            for statement in BARE_SQL:
                cursor.execute(statement, params)
                cursor.fetchall()

    cases = {
        "portal_page": lambda: client.get("/cobuilding/portal/"),
        "home_page": lambda: client.get("/"),
        "portal_view": lambda: portal(request()),
        "bare_view": lambda: bare_view(request()),
        "bare_sql": sql,
    }
    for name in ("portal_page", "home_page"):
        with CaptureQueriesContext(connection) as queries:
            response = cases[name]()
        assert response.status_code == 200, response.status_code
        report[f"{name}_queries"] = len(queries)
    for _warm in range(5):
        for fn in cases.values():
            fn()
    for name, fn in cases.items():
        seconds = []
        for _n in range(args.iterations):
            started = time.perf_counter()
            fn()
            seconds.append(time.perf_counter() - started)
        report[name] = percentiles(seconds)
        print(f"{name}: p50 {report[name]['p50_ms']} ms, p95 {report[name]['p95_ms']} ms")
    report["at"] = datetime.now().isoformat(timespec="seconds")
    emit(report)


if __name__ == "__main__":
    main()
