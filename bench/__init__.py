"""Benchmarks: `python -m bench.generate`, `python -m bench.areas`. See docs/benchmarks.md.

Each prints readable lines and, as its last line, one JSON object with the figures.
"""

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import django
from django.core.management import call_command
from django.db import connection


def setup_django(database_url: str | None) -> None:
    """Point Django at `database_url` (before settings load), set up, and migrate."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "genxi.settings")
    django.setup()
    call_command("migrate", verbosity=0)


def machine() -> dict[str, Any]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": f"{connection.vendor} {version}",
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50/p95/max in milliseconds."""
    ordered = sorted(seconds)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50_ms": round(cuts[49] * 1000, 3),
        "p95_ms": round(cuts[94] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, ensure_ascii=False, sort_keys=False))
