"""Create or drop a PostgreSQL database for a test run: `python scripts/pg.py create|drop NAME`."""

import os
import sys

import psycopg

SERVER = os.environ.get("GENXI_PG_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")


def main() -> int:
    action, name = sys.argv[1], sys.argv[2]
    try:
        conn = psycopg.connect(SERVER, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL is not reachable at {SERVER}: {exc}", file=sys.stderr)
        return 2
    with conn:
        for db in [name, f"test_{name}"] if action == "drop" else [name]:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
