"""The `genxi` command: demo, serve, check, generate, and any manage.py command.

genxi demo [--port 8000]     create/migrate the database, load the demo world, serve it
genxi serve [--port 8000]    production server (gunicorn, several workers) on the configured DB
genxi check                  Django's deployment checks
genxi generate --residents N a synthetic city for benchmarks
genxi apikey create --user U a personal API token for user U (printed once)
genxi triage train|retrain|eval   triage's category classifier (eval: --csv FILE ...)
genxi manage ARGS...         any manage.py command
"""

import argparse
import os
import sys


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "genxi.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import CommandError, call_command

    try:
        call_command(*args)
    except CommandError as error:  # a message for the person, not a traceback
        print(error, file=sys.stderr)
        sys.exit(1)


def _serve(host: str, port: int, workers: int) -> None:
    from django.conf import settings
    from gunicorn.app.wsgiapp import run

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
        _serve(args.host, args.port, args.workers)
    elif args.command == "check":
        _manage("check", "--deploy", "--fail-level", "ERROR")
    elif args.command == "generate":
        _manage("generate", *args.rest)
    elif args.command == "apikey":
        _manage("apikey", *args.rest)
    elif args.command == "triage":
        _manage("triage", *args.rest)
    elif args.command == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["genxi", *args.rest])


if __name__ == "__main__":
    main()
