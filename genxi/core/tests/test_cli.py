"""`genxi serve` refuses to run unsafely; `genxi check` fails on deploy warnings."""

import pytest

from genxi import cli

REAL_KEY = "k3Jx9-vQm2_Lr8pWz7YtB4nHc6sFd1gAe0uXo5iKj-TbNyMwRqPvZsC"


@pytest.fixture
def served(monkeypatch) -> list[tuple[str, int, int]]:
    calls: list[tuple[str, int, int]] = []
    monkeypatch.setattr(
        cli, "_serve", lambda host, port, workers: calls.append((host, port, workers))
    )
    return calls


def test_serve_refuses_the_built_in_key_and_says_what_to_set(settings, served, capsys) -> None:
    settings.DEBUG = False
    for key in ("django-insecure-genxi-development-key-change-me", "short", "a" * 60):
        settings.SECRET_KEY = key
        with pytest.raises(SystemExit) as stopped:
            cli.main(["serve"])
        assert stopped.value.code == 2
        message = capsys.readouterr().err
        assert "GENXI_SECRET_KEY" in message and "refusing to start" in message
        assert "拒绝启动" in message and "genxi demo" in message
    assert served == []


def test_serve_refuses_debug(settings, served, capsys) -> None:
    settings.SECRET_KEY = REAL_KEY
    settings.DEBUG = True
    with pytest.raises(SystemExit):
        cli.main(["serve"])
    message = capsys.readouterr().err
    assert "GENXI_DEBUG" in message and "调试页面" in message
    assert served == []


def test_serve_starts_with_a_real_key(settings, served) -> None:
    settings.SECRET_KEY = REAL_KEY
    settings.DEBUG = False
    cli.main(["serve", "--port", "8123", "--workers", "3"])
    assert served == [("127.0.0.1", 8123, 3)]


def test_demo_may_use_the_built_in_key(settings, served, monkeypatch) -> None:
    settings.SECRET_KEY = "django-insecure-genxi-development-key-change-me"
    monkeypatch.setenv("GENXI_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    commands: list[tuple[str, ...]] = []
    monkeypatch.setattr(cli, "_manage", lambda *args: commands.append(args))
    cli.main(["demo", "--port", "8001"])
    assert served == [("127.0.0.1", 8001, 2)]
    assert ("load_demo",) in commands


def test_check_fails_on_deploy_warnings(settings, capsys, monkeypatch, db) -> None:
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set by the browser tests
    settings.SECRET_KEY = "django-insecure-genxi-development-key-change-me"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["check"])
    assert stopped.value.code == 1
    assert "security.W009" in capsys.readouterr().err


def test_check_passes_a_proper_deployment(settings, capsys, monkeypatch, db) -> None:
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.SECRET_KEY = REAL_KEY
    # What GENXI_HTTPS=true sets.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30
    cli.main(["check"])
    assert "no issues" in capsys.readouterr().out
