"""Two inspectors re-check one result at once from the same page (yi accepts, zhong sends it
back), on PostgreSQL with threads: with the finding's row lock the second waits, sees the row
changed since its page was built and is told to reload; nothing of theirs is written. With the
lock off (`GENXI_INSPECTIONS_LOCKING = False`, a pause between reading and writing so the race
shows on every run) both read the same `updated_at` and both write: the last overwrites the
first, which is what the lock is there to prevent.

The threads post to the views in this process (the settings switch must reach the service)."""

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from genxi.core.images import clean_photo
from genxi.core.models import AuditEntry
from genxi.inspections.models import Finding, FindingStatus
from genxi.inspections.services import rectification as services
from genxi.inspections.tests.conftest import YuanHe
from genxi.inspections.tests.test_rectification import jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter (SQLite serialises every write)")


def race(finding: Finding, yuanhe: YuanHe) -> list[Any]:
    services.fix_on_spot(
        actor=yuanhe["oscar"],
        finding=finding,
        plan="整理",
        result="整理了",
        photos=[clean_photo(jpeg())],
    )
    seen = Finding.objects.get(pk=finding.pk).updated_at.isoformat()
    posts = [
        ("yi", {"action": "recheck", "decision": "accept", "updated_at": seen}),
        (
            "zhong",
            {"action": "recheck", "decision": "return", "note": "仍不整洁", "updated_at": seen},
        ),
    ]
    clients = []
    for name, _data in posts:
        client = Client()
        client.force_login(yuanhe[name])
        clients.append(client)
    gate = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)

    def post(i: int) -> None:
        try:
            gate.wait()
            answers[i] = clients[i].post(finding.get_absolute_url(), posts[i][1])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def one_won(answers: list[Any], finding: Finding) -> None:
    assert sorted(a.status_code for a in answers) == [302, 400]
    refused = next(a for a in answers if a.status_code == 400).content.decode()
    assert "Reload" in refused or "刷新" in refused
    rechecks = AuditEntry.objects.filter(
        object_id=str(finding.pk), action__in=["finding.accept", "finding.return"]
    )
    assert rechecks.count() == 1
    won = 0 if answers[0].status_code == 302 else 1
    expected = [FindingStatus.ACCEPTED, FindingStatus.RETURNED][won]
    assert Finding.objects.get(pk=finding.pk).status == expected


def test_two_rechecks_at_once_one_wins(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    finding = sent_findings[0]
    one_won(race(finding, yuanhe), finding)


def test_without_the_lock_both_write(
    sent_findings: list[Finding], yuanhe: YuanHe, settings: Any
) -> None:
    settings.GENXI_INSPECTIONS_LOCKING = False
    settings.GENXI_INSPECTIONS_RACE_DELAY_MS = 300
    finding = sent_findings[0]
    answers = race(finding, yuanhe)
    with pytest.raises(AssertionError):
        one_won(answers, finding)
    assert [a.status_code for a in answers] == [302, 302]  # both were told it was saved
