"""An Excel ledger of --rows demands imported through the import page, against its baselines.

    python -m bench.imports --rows 100000 --database-url postgres://…/genxi_bench1m

Needs a city with residents (`manage.py generate`; a small one is generated when there is
none). The ledger is one street's: rows spread over its communities, half at one of their
compounds, a third with a resident's phone number, dates over the last year. Then, as a
street-staff user through django.test.Client (session, middleware, view, template):

- upload: POST the file (read and its headers matched);
- confirm: POST the column mapping (read again, every row checked, all written in one
  transaction) — the person waits for upload + confirm;
- baseline_read: `imports.read_sheet` alone on the same bytes (calamine's parse: the part no
  import can skip);
- service_per_row: `services.collect_demand`, the one-demand-at-a-time path the import used
  before, on --service-sample rows in a transaction rolled back, extrapolated to --rows.

The imported demands are deleted at the end, so the database is left as it was.
"""

import argparse
import io
import random
import resource
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from bench import emit, machine, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL / SQLite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--service-sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    setup_django(args.database_url)

    # Imported here, not at the top: the app modules need setup_django() first.
    from genxi.accounts.models import Membership, Role, User
    from genxi.core.models import AuditEntry
    from genxi.demands import imports, services
    from genxi.demands.generate import default_categories
    from genxi.demands.models import Category, Demand
    from genxi.places.generate import free_seed, generate_city
    from genxi.places.models import Area, AreaKind, Resident

    storages = {**settings.STORAGES}
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES=storages).enable()
    report: dict[str, Any] = {"benchmark": "imports", "machine": machine(), "rows": args.rows}
    if not Resident.objects.exists():
        generate_city(residents=20_000, seed=free_seed(), progress=False)
    default_categories()
    rng = random.Random(args.seed)

    # The street with the most residents, its communities, their compounds and some phones.
    street = max(
        Area.objects.filter(kind__in=[AreaKind.STREET, AreaKind.TOWN]),
        key=lambda s: Resident.objects.filter(area__path__startswith=s.path).count(),
    )
    communities = list(Area.objects.subtree(street).filter(kind=AreaKind.COMMUNITY))
    compounds = list(
        Area.objects.filter(parent__in=communities, kind=AreaKind.COMPOUND).select_related("parent")
    )
    phones = list(
        Resident.objects.filter(area__path__startswith=street.path)
        .exclude(phone=None)
        .values_list("phone", flat=True)[:20_000]
    )
    leaves = [c.name for c in Category.objects.active().filter(children=None)]
    leaves = [n for n in leaves if sum(1 for m in leaves if m == n) == 1]  # unambiguous names
    channels = ["走访", "电话", "来访", "网上"]
    today = timezone.localdate()

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["诉求内容", "分类", "所属社区", "小区", "来源", "联系电话", "登记日期", "备注"])
    for i in range(args.rows):
        if rng.random() < 0.5 and compounds:
            place = rng.choice(compounds)
            community, compound = place.parent.name, place.name
        else:
            community, compound = rng.choice(communities).name, ""
        sheet.append(
            [
                f"台账第{i + 1}条：楼道灯不亮",
                rng.choice(leaves),
                community,
                compound,
                rng.choice(channels),
                rng.choice(phones) if phones and rng.random() < 0.33 else "",
                (today - timedelta(days=rng.randrange(365))).isoformat(),
                "居民反映，需尽快处理",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    report["file_mb"] = round(len(data) / 2**20, 1)
    print(f"{args.rows:,} rows, {report['file_mb']} MB, street {street.name}")

    user, _ = User.objects.get_or_create(username="bench-imports")
    Membership.objects.get_or_create(user=user, role=Role.STREET_STAFF, area=street)
    client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0])
    client.force_login(user)
    before = Demand.objects.count()

    started = time.perf_counter()
    imports.read_sheet(data)
    baseline_read = time.perf_counter() - started

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    upload_file = io.BytesIO(data)
    upload_file.name = "台账.xlsx"
    started = time.perf_counter()
    response = client.post(reverse("demands:import"), {"file": upload_file})
    upload = time.perf_counter() - started
    html = response.content.decode()
    if 'name="token" value="' not in html:
        raise SystemExit("the upload was refused:\n" + html[:2000])
    token = html.split('name="token" value="')[1].split('"')[0]
    mapping = {"title": 0, "category": 1, "community": 2, "place": 3, "channel": 4, "phone": 5,
               "recorded_on": 6, "description": 7}  # fmt: skip
    started = time.perf_counter()
    response = client.post(
        reverse("demands:import"), {"token": token, **{k: str(v) for k, v in mapping.items()}}
    )
    confirm = time.perf_counter() - started
    if response.status_code != 302:
        raise SystemExit("the import was refused:\n" + response.content.decode()[:3000])
    imported = Demand.objects.count() - before
    assert imported == args.rows, (imported, args.rows)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # The old path: one service call a row, on a sample, rolled back.
    sheet_rows = imports.read_sheet(data)
    checked = imports.check(
        imports.Sheet(sheet_rows.headers, sheet_rows.rows[: args.service_sample]),
        mapping,
        communities=communities,
        residents=Resident.objects.visible_to(user),
    )

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    try:
        with transaction.atomic():
            for row in checked.rows:
                services.collect_demand(actor=user, **row)
            raise Rollback
    except Rollback:
        pass
    per_row = (time.perf_counter() - started) / max(1, len(checked.rows))

    total = upload + confirm
    report.update(
        database=connection.vendor,
        demands_before=before,
        upload_s=round(upload, 2),
        confirm_s=round(confirm, 2),
        import_s=round(total, 2),
        baseline_read_s=round(baseline_read, 2),
        import_over_read=round(total / baseline_read, 1),
        service_per_row_ms=round(per_row * 1000, 2),
        service_extrapolated_s=round(per_row * args.rows, 1),
        ru_maxrss_mb=[round(rss_before / 1024), round(rss_after / 1024)],
        import_le_30s=total <= 30 * args.rows / 100_000,
    )
    print(
        f"import {total:.1f} s (upload {upload:.1f} s + confirm {confirm:.1f} s); "
        f"reading the file alone {baseline_read:.1f} s; one service call a row: "
        f"{per_row * 1000:.2f} ms, {per_row * args.rows:.0f} s for {args.rows:,}"
    )
    started = time.perf_counter()
    Demand.objects.filter(created_by=user).delete()
    AuditEntry.objects.filter(actor=user).delete()  # a benchmark's, not anyone's history
    User.objects.filter(username="bench-imports").delete()
    report["cleanup_s"] = round(time.perf_counter() - started, 1)
    emit(report)


if __name__ == "__main__":
    main()
