"""The real server for concurrency tests: gunicorn serving Genxi on the test database.

Use with `transactional_db` on PostgreSQL (rows the test writes are committed, so the server's
workers see them; the test's own rows are flushed after it):

    def test_burst(transactional_db, real_server):
        with real_server(workers=8) as base_url:
            ...  # requests from threads against base_url

`real_server(env={...})` passes extra settings (e.g. GENXI_SEAT_LOCKING=false). Rate limits are
off; the server logs to build/server-<port>.log. Static files are not collected: use it for
the API and plain form posts, not for pages (those are the browser tests' live server).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(*, workers: int = 4, env: dict[str, str] | None = None) -> Iterator[str]:
    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("the real-server tests run on PostgreSQL")
    port = _free_port()
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    full_env = {
        **os.environ,
        "DATABASE_URL": url,
        "GENXI_SECRET_KEY": "real-server-test-key-" + "x" * 40,
        "GENXI_DEBUG": "false",
        "GENXI_API_RATE_TOKEN": "0/minute",
        "GENXI_API_RATE_ANON": "0/minute",
        "GENXI_API_RATE_FAILED": "0/minute",
        "DJANGO_SETTINGS_MODULE": "genxi.settings",
        **(env or {}),
    }
    log_path = ROOT / "build" / f"server-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "genxi.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2).close()
                    break
                except urllib.error.HTTPError:
                    break  # it answers
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the server did not start; see {log_path}") from None
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def real_server() -> Callable[..., AbstractContextManager[str]]:
    def start(**kwargs: Any) -> AbstractContextManager[str]:
        return serve(**kwargs)

    return start
