"""A few pre-written statements run straight on the DBAPI cursor of the session's connection.

Only for the transition hot path (``fire``, ``audit.append``, deadline rows): SQLAlchemy's per-statement
overhead (compile-cache lookup, result set-up, type processing: ~40-60 µs each) was most of the time of a
transition. The statements run on the *same* connection, inside the transaction (or test SAVEPOINT) that
the session began, so commit and rollback stay at the edges as everywhere else.

Statements are written once with ``:name`` placeholders (sqlite3's named style) and translated to
``%(name)s`` for psycopg. Timestamps are passed as SQLAlchemy's ``UTCDateTime`` stores them: naive UTC,
as ``YYYY-MM-DD HH:MM:SS.ffffff`` text on SQLite.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

_PLACEHOLDER = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")


class Statement:
    """One SQL text in both parameter styles."""

    __slots__ = ("sqlite", "postgresql")

    def __init__(self, sql: str) -> None:
        self.sqlite = sql
        self.postgresql = _PLACEHOLDER.sub(r"%(\1)s", sql.replace("%", "%%"))


class FastSQL:
    """The DBAPI cursor of a session's connection, with dialect-aware helpers."""

    __slots__ = ("is_sqlite", "cursor", "connection")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.is_sqlite = connection.dialect.name == "sqlite"
        self.cursor = connection.connection.driver_connection.cursor()

    @classmethod
    def of(cls, session: Session) -> FastSQL:
        return cls(session.connection())

    def execute(self, statement: Statement, params: dict[str, Any] | None = None):
        sql = statement.sqlite if self.is_sqlite else statement.postgresql
        self.cursor.execute(sql, params or {})
        return self.cursor

    def executemany(self, statement: Statement, rows: list[dict[str, Any]]) -> int:
        """Runs the statement once per row; returns the total number of rows changed."""
        if not rows:
            return 0
        sql = statement.sqlite if self.is_sqlite else statement.postgresql
        self.cursor.executemany(sql, rows)
        return self.cursor.rowcount

    def ts(self, value: datetime | None):
        """A timezone-aware datetime as the UTCDateTime column stores it."""
        if value is None:
            return None
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        if self.is_sqlite:
            return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"
        return value.replace(tzinfo=None)

    def from_ts(self, value) -> datetime | None:
        """A stored timestamp back to timezone-aware UTC."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
