"""The `genxi` command: demo, serve, check, generate, and any manage.py command.

genxi demo [--port 8000]     create/migrate the database, load the demo world, serve it
genxi serve [--port 8000]    production server (gunicorn, several workers) on the configured DB;
                             refuses to start with the built-in secret key or with GENXI_DEBUG
genxi check                  Django's deployment checks: exits 1 on any warning
genxi generate --residents N a synthetic city for benchmarks
genxi apikey create --user U a personal API token for user U (printed once)
genxi triage train|retrain|eval   triage's category classifier (eval: --csv FILE ...)
genxi simulate --street S --year Y [--seed N] [--scale K] [--scenario seeds] [--ledger PATH]
               [--scratch]   a simulated year of a street through the services, checked
                             against the dashboards (exit 1 on any mismatch); only on the
                             demo's database, or on a scratch copy said so with --scratch
genxi manage ARGS...         any manage.py command
"""

import argparse
import os
import sys

import django
from django.conf import settings
from django.core.checks.security import base
from django.core.management import CommandError, call_command, execute_from_command_line
from gunicorn.app.wsgiapp import run

# None of these imports reads the settings: they are read at django.setup(), after the demo has
# chosen its task backend.


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "genxi.settings")
    django.setup()


def _manage(*args: str) -> None:
    try:
        call_command(*args)
    except CommandError as error:  # a message for the person, not a traceback
        print(error, file=sys.stderr)
        sys.exit(1)


def _serve(host: str, port: int, workers: int) -> None:
    _manage("collectstatic", "--noinput", "--verbosity", "0")
    sys.argv = [
        "gunicorn",
        "genxi.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        # An Excel import of 100,000 rows is read, checked and written in one request.
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("GENXI_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
    if not settings.DEBUG:
        sys.argv += ["--preload"]
    run()


# Said in English and Chinese: whoever deploys may read either, and the log has no language.
SECRET_KEY_MISSING = """\
genxi serve: refusing to start: GENXI_SECRET_KEY is not set, or is the built-in key published
with the source, or is too short. Anyone could forge sessions and log in as any user with it.
Set GENXI_SECRET_KEY to a long random value, kept secret and the same across restarts, e.g.
    export GENXI_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
To try Genxi on this computer, run `genxi demo` instead.

genxi serve：拒绝启动：没有设置 GENXI_SECRET_KEY，或者它仍是随源码公开的内置密钥，或者太短。
用这个密钥，任何人都能伪造会话、冒充任何用户登录。
请把 GENXI_SECRET_KEY 设为一个足够长的随机值（保密，且每次重启保持不变），例如：
    export GENXI_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
只想在本机试用，请改用 `genxi demo`。"""

DEBUG_ON = """\
genxi serve: refusing to start with GENXI_DEBUG on: debug pages show settings, code and data to
anyone who causes an error. Unset GENXI_DEBUG (or set GENXI_DEBUG=false) for a real server.

genxi serve：GENXI_DEBUG 已开启，拒绝启动：调试页面会把设置、代码和数据展示给任何引发错误的人。
正式运行请取消 GENXI_DEBUG（或设为 GENXI_DEBUG=false）。"""


def secret_key_is_real(key: str) -> bool:
    """Not the built-in key, and long and varied enough (Django's own deploy rule)."""
    return (
        not key.startswith(base.SECRET_KEY_INSECURE_PREFIX)
        and len(key) >= base.SECRET_KEY_MIN_LENGTH
        and len(set(key)) >= base.SECRET_KEY_MIN_UNIQUE_CHARACTERS
    )


def refuse_unsafe_serve() -> None:
    """`genxi serve` is for real use: stop, saying what to set, before serving anything unsafe."""
    if settings.DEBUG:
        print(DEBUG_ON, file=sys.stderr)
        sys.exit(2)
    if not secret_key_is_real(settings.SECRET_KEY):
        print(SECRET_KEY_MISSING, file=sys.stderr)
        sys.exit(2)


def default_workers() -> int:
    return max(2, (os.cpu_count() or 1) * 2 + 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="genxi", description="Genxi (根系) command line")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="set up the demo world and serve it")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--workers", type=int, default=2)
    demo.add_argument("--no-serve", action="store_true", help="load the demo and stop")

    serve = sub.add_parser("serve", help="run the production server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=default_workers())

    sub.add_parser("check", help="run Django's deployment checks")

    generate = sub.add_parser("generate", help="fill the database with a synthetic city")
    generate.add_argument("rest", nargs=argparse.REMAINDER)

    apikey = sub.add_parser("apikey", help="personal API tokens: create --user U [--name N]")
    apikey.add_argument("rest", nargs=argparse.REMAINDER)

    triage = sub.add_parser("triage", help="triage's classifier: train, retrain, eval --csv FILE")
    triage.add_argument("rest", nargs=argparse.REMAINDER)

    simulate = sub.add_parser(
        "simulate",
        help="a simulated year of a street: --street S --year Y [--seed N] [--scale K]",
    )
    simulate.add_argument("--street", required=True, help="e.g. 白洋湾街道")
    simulate.add_argument("--year", required=True)
    simulate.add_argument("--seed", default="0")
    simulate.add_argument("--scale", default="1")
    simulate.add_argument("--scenario", default="default", help="default or seeds")
    simulate.add_argument("--ledger", help="where to write the ledger (JSON)")
    simulate.add_argument("--no-check", action="store_true", help="simulate only")
    simulate.add_argument(
        "--scratch",
        action="store_true",
        help="this database is a scratch copy: the simulation may write into it",
    )

    manage = sub.add_parser("manage", help="run a manage.py command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    if args.command == "demo":
        # The demo runs no task worker: background work (texts to residents) runs at once.
        os.environ.setdefault(
            "GENXI_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    _django()

    if args.command == "demo":
        _manage("migrate", "--noinput", "--verbosity", "0")
        _manage("load_demo")
        if not args.no_serve:
            print(f"\nGenxi demo: http://{args.host}:{args.port}/  (Ctrl+C to stop)\n", flush=True)
            _serve(args.host, args.port, args.workers)
    elif args.command == "serve":
        refuse_unsafe_serve()
        _serve(args.host, args.port, args.workers)
    elif args.command == "check":
        # A deploy warning (the built-in key, cookies without HTTPS, ...) is a failed check.
        _manage("check", "--deploy", "--fail-level", "WARNING")
    elif args.command == "generate":
        _manage("generate", *args.rest)
    elif args.command == "apikey":
        _manage("apikey", *args.rest)
    elif args.command == "triage":
        _manage("triage", *args.rest)
    elif args.command == "simulate":
        options = ["--street", args.street, "--year", args.year, "--seed", args.seed]
        options += ["--scale", args.scale, "--scenario", args.scenario]
        options += ["--ledger", args.ledger] if args.ledger else []
        options += ["--no-check"] if args.no_check else []
        options += ["--scratch"] if args.scratch else []
        _manage("simulate", *options)
    elif args.command == "manage":
        execute_from_command_line(["genxi", *args.rest])


if __name__ == "__main__":
    main()
