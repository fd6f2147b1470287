"""What keeps a simulated year out of a real street: the command refuses a database that is not
the demo's unless told it is a scratch copy, the scale is bounded, texts go to the log only, and
the operator reads it all in Chinese."""

import logging
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from genxi.accounts.services import create_user
from genxi.core.models import AuditEntry
from genxi.core.notify import Outbound
from genxi.demands.models import Demand
from genxi.places.demo import DEMO_PASSWORD
from genxi.places.models import Area
from genxi.simulation.engine import MAX_SCALE, simulate

SENT: list[Outbound] = []


class RecordingBackend:
    """A deployment's SMS gateway, as far as the test can tell."""

    def send(self, messages: list[Outbound]) -> None:
        SENT.extend(messages)


def _command(*extra: str, **kw: Any) -> str:
    out = StringIO()
    call_command(
        "simulate", "--street", "白洋湾街道", "--year", "2023", "--no-check", *extra,
        stdout=out, verbosity=0, **kw,
    )  # fmt: skip
    return out.getvalue()


def _written() -> tuple[int, int, int]:
    return Demand.objects.count(), Area.objects.count(), AuditEntry.objects.count()


def test_the_command_refuses_a_database_that_is_not_the_demos(world: Any, tmp_path: Any) -> None:
    before = _written()
    with pytest.raises(CommandError) as refused:
        _command("--scale", "0.05", "--ledger", str(tmp_path / "l.json"))
    message = str(refused.value)
    assert "已拒绝" in message and "--scratch" in message and "临时副本" in message
    assert _written() == before
    assert not (tmp_path / "l.json").exists()


def test_genxi_simulate_refuses_with_exit_code_1(world: Any, capsys: Any, tmp_path: Any) -> None:
    from genxi.cli import main

    before = _written()
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "--street", "白洋湾街道", "--year", "2023", "--scale", "0.05",
              "--ledger", str(tmp_path / "l")])  # fmt: skip
    assert exit_.value.code == 1
    assert "--scratch" in capsys.readouterr().err
    assert _written() == before


def test_a_street_user_without_the_demo_password_is_not_the_demo(world: Any) -> None:
    create_user(actor=None, username="street", password="someone-elses-42", name="真街道")
    with pytest.raises(CommandError, match="已拒绝"):
        _command("--street", "不存在街道")


def test_the_demo_database_is_allowed_without_scratch(world: Any) -> None:
    """The demo's street user with the demo password: past the refusal (to the street check)."""
    create_user(actor=None, username="street", password=DEMO_PASSWORD, name="陈晓燕")
    with pytest.raises(CommandError, match="没有名为 不存在街道 的街道或镇"):
        _command("--street", "不存在街道")


def test_an_unknown_street_is_said_in_chinese(world: Any) -> None:
    """In the deployment's language, whatever language the caller had on."""
    with translation.override("en"), pytest.raises(CommandError, match="没有名为 不存在街道"):
        _command("--street", "不存在街道", "--scratch")


@pytest.mark.parametrize("scale", ["nan", "inf", "0", "-1", str(MAX_SCALE + 1)])
def test_the_scale_is_bounded(world: Any, scale: str) -> None:
    before = _written()
    with pytest.raises(CommandError, match=f"大于 0、不超过 {MAX_SCALE}"):
        simulate("白洋湾街道", 2023, scale=float(scale))
    with pytest.raises(CommandError, match=f"大于 0、不超过 {MAX_SCALE}"):
        _command("--scale", scale, "--scratch")
    assert _written() == before


@pytest.mark.parametrize(
    "tasks", ["django_tasks.backends.immediate.ImmediateBackend", "django_tasks_db.DatabaseBackend"]
)
def test_a_simulated_run_texts_nobody(
    world: Any,
    settings: Any,
    caplog: Any,
    django_capture_on_commit_callbacks: Any,
    tasks: str,
) -> None:
    """Whatever the deployment's SMS backend and task queue: the texts of the simulated days
    (also those left to an outer transaction's commit, as in the demo) reach the log only."""
    from django_tasks_db.models import DBTaskResult

    settings.GENXI_NOTIFY_BACKEND = f"{__name__}.RecordingBackend"
    settings.TASKS = {"default": {"BACKEND": tasks, "QUEUES": ["default"]}}
    SENT.clear()
    caplog.set_level(logging.INFO, logger="genxi.notify")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        simulate("白洋湾街道", 2023, seed=7, start=date(2023, 1, 1), end=date(2023, 2, 28))
    assert callbacks
    assert SENT == []
    assert not DBTaskResult.objects.exists()
    assert any("outbound to" in r.getMessage() for r in caplog.records)
    assert f"{__name__}.RecordingBackend" == settings.GENXI_NOTIFY_BACKEND
