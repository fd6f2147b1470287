"""Bulk writes that bypass the ORM's per-row cost: the city and demand generators and the Excel
import of demands use it.

`BulkWriter` streams rows into one table at a time: COPY on PostgreSQL, executemany of a
parameterised INSERT elsewhere, or bulk_create ("orm"). Primary keys are reserved up front from
the current maximum (`take_ids`, after `lock`), so related rows can point at each other before
they are written, and `finish` moves the sequences past them afterwards. It writes no audit
entries and runs inside the caller's transaction.
"""

import itertools
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.management.color import no_style
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Max, Model
from django.utils import timezone

Method = Literal["auto", "copy", "insert", "orm"]

BATCH_SIZE = 5000


class GenerateError(Exception):
    """The data cannot be generated or written as asked; the message says why."""


class BulkWriter:
    """Streams rows into one table by COPY, executemany or bulk_create; counts what it wrote."""

    def __init__(self, connection: BaseDatabaseWrapper, method: Method, using: str) -> None:
        if method == "auto":
            method = "copy" if connection.vendor == "postgresql" else "insert"
        if method == "copy" and connection.vendor != "postgresql":
            raise GenerateError("COPY needs PostgreSQL; use the insert or orm method.")
        self.connection = connection
        self.method: Method = method
        self.using = using
        self.counts: dict[str, int] = {}
        self._next_ids: dict[type[Model], int] = {}
        # Rows without their own created_at / updated_at get this one, already in the form
        # the writer sends.
        self.now: Any = self.stamp(timezone.now())

    def day(self, value: date) -> Any:
        """A date as the writer sends it."""
        return (
            value if self.method != "insert" else self.connection.ops.adapt_datefield_value(value)
        )

    def stamp(self, value: datetime | None) -> Any:
        """A datetime (or None) as the writer sends it."""
        if value is None or self.method == "orm":
            return value
        if self.method == "copy":
            return value.isoformat()
        return self.connection.ops.adapt_datetimefield_value(value)

    def json(self, value: dict[str, Any]) -> Any:
        """A JSONField value as the writer sends it."""
        return value if self.method == "orm" else json.dumps(value, ensure_ascii=False)

    def lock(self, models: Iterable[type[Model]]) -> None:
        """Keep other writers out while ids are taken from max(id) (SQLite's IMMEDIATE
        transactions already hold the write lock)."""
        if self.connection.vendor != "postgresql":
            return
        tables = ", ".join(self.connection.ops.quote_name(m._meta.db_table) for m in models)
        with self.connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")

    def take_ids(self, model: type[Model], count: int) -> range:
        """`count` fresh primary keys for `model`, above every existing one."""
        if model not in self._next_ids:
            top = model._default_manager.using(self.using).aggregate(top=Max("pk"))["top"]
            self._next_ids[model] = (top or 0) + 1
        first = self._next_ids[model]
        self._next_ids[model] = first + count
        return range(first, first + count)

    def next_ids(self, model: type[Model], count: int) -> list[int]:
        """`count` fresh primary keys for `model` without a table lock: from its sequence on
        PostgreSQL, else above the largest (SQLite's write transaction keeps other writers out).
        Unlike `take_ids`, needs no `finish`."""
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, count],
                )
                return [pk for (pk,) in cursor.fetchall()]
        top = model._default_manager.using(self.using).aggregate(top=Max("pk"))["top"] or 0
        return list(range(top + 1, top + 1 + count))

    def finish(
        self, models: Sequence[type[Model]], *, analyze: Sequence[type[Model]] | None = None
    ) -> None:
        """Move the id sequences of `models` past the explicit ids; on PostgreSQL, refresh the
        planner statistics of the `analyze` tables (all the `models` when not given)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(models))
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
            if self.connection.vendor == "postgresql":
                # Without fresh statistics the first queries after a big load plan badly.
                tables = ", ".join(
                    self.connection.ops.quote_name(m._meta.db_table)
                    for m in (models if analyze is None else analyze)
                )
                cursor.execute(f"ANALYZE {tables}")

    def write(
        self, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Insert `rows`: tuples in the order of `fields` (attnames such as area_id).
        created_at and updated_at are added here, as `now`, when the model has them and
        `fields` does not name them."""
        names = {f.name for f in model._meta.concrete_fields}
        stamps = tuple(s for s in ("created_at", "updated_at") if s in names and s not in fields)
        if stamps:
            fields = (*fields, *stamps)
            extra = (self.now,) * len(stamps)
            rows = (tuple(row) + extra for row in rows)
        if self.method == "copy":
            written = self._copy(model, fields, rows)
        elif self.method == "insert":
            written = self._insert(model, fields, rows)
        else:
            written = self._orm(model, fields, rows)
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + written
        return written

    def write_dicts(self, model: type[Model], rows: Sequence[dict[str, Any]]) -> int:
        """Insert rows given as one dict per row, all with the same keys."""
        if not rows:
            return 0
        fields = tuple(rows[0])
        return self.write(model, fields, (tuple(row.values()) for row in rows))

    def _columns(self, model: type[Model], fields: Sequence[str]) -> tuple[str, str]:
        qn = self.connection.ops.quote_name
        columns = ", ".join(qn(_column(model, f)) for f in fields)
        return qn(model._meta.db_table), columns

    def _copy(
        self, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        table, columns = self._columns(model, fields)
        written = 0
        self.connection.ensure_connection()
        with self.connection.cursor() as wrapper:
            cursor: Any = wrapper.cursor  # the psycopg cursor under Django's wrapper
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        return written

    def _insert(
        self, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        table, columns = self._columns(model, fields)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        written = 0
        iterator = iter(rows)
        with self.connection.cursor() as cursor:
            while batch := list(itertools.islice(iterator, BATCH_SIZE)):
                cursor.executemany(sql, batch)
                written += len(batch)
        return written

    def _orm(self, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        manager = model._default_manager.using(self.using)
        written = 0
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, BATCH_SIZE)):
            manager.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in batch])
            written += len(batch)
        return written


def _column(model: type[Model], attname: str) -> str:
    field = model._meta.get_field(attname)
    assert isinstance(field, Field)
    assert field.column
    return field.column


def coordinate(value: Decimal | float | None) -> Decimal | None:
    """A latitude or longitude as the coordinate columns store it: a Decimal with six places."""
    return None if value is None else Decimal(f"{value:.6f}")
