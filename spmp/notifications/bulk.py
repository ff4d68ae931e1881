"""Fast bulk inserts for the sweep's notification and outbox rows (thousands per sweep after downtime).

Measured with 10,000 due deadlines (20,000 rows written): ORM bulk ``insert(Model)`` took ~1.2 s on
PostgreSQL (psycopg's pipelined executemany) and ~0.6 s on SQLite, which alone broke the sweep's
1-second target. Here PostgreSQL gets ``COPY ... FROM STDIN`` and SQLite the driver's own executemany,
both on the session's connection, so the rows stay inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's own storage format for DateTime on SQLite


def bulk_insert(session: Session, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order; aware datetimes) into ``table`` in the session's transaction.

    ``table`` and ``columns`` are trusted identifiers from our own code, never user input.
    """
    if not rows:
        return
    connection = session.connection()
    dbapi = connection.connection.dbapi_connection
    sqlite = connection.dialect.name == "sqlite"
    rows = _convert_datetimes(rows, _to_sqlite if sqlite else _to_naive_utc)
    if sqlite:
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        dbapi.executemany(sql, rows)
        return
    # Binary COPY: about 3x faster than text COPY for these rows (no text formatting or parsing).
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with dbapi.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types(_pg_types(table, columns, connection.dialect))
        for row in rows:
            copy.write_row(row)


def _pg_types(table: str, columns: Sequence[str], dialect) -> list[str]:
    """PostgreSQL type names of the columns, from the model metadata (e.g. ``VARCHAR(12)`` → ``varchar``)."""
    from spmp.db import Base

    table_obj = Base.metadata.tables[table]
    return [table_obj.c[name].type.compile(dialect=dialect).split("(")[0].lower() for name in columns]


def _convert_datetimes(rows: list[tuple], convert) -> list[tuple]:
    """Convert the datetime columns (found from the first row) once per distinct value."""
    positions = [i for i, value in enumerate(rows[0]) if isinstance(value, datetime)]
    if not positions:
        return rows
    cache: dict[datetime, Any] = {}
    out = []
    for row in rows:
        values = list(row)
        for i in positions:
            value = values[i]
            if value is not None:
                values[i] = cache[value] if value in cache else cache.setdefault(value, convert(value))
        out.append(tuple(values))
    return out


def _to_naive_utc(value: datetime) -> datetime:
    # Columns are UTCDateTime: timestamp without time zone holding UTC, exactly as UTCDateTime binds them.
    return value.astimezone(UTC).replace(tzinfo=None)


def _to_sqlite(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_SQLITE_DATETIME)
