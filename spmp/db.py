"""Database engine, sessions and the declarative base.

Transactions are committed only at the edges (web request, CLI command, scheduler job): operations in
``spmp`` receive a session, flush, and never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone, so we store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use spmp.clock.now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(url_or_engine) -> bool:
    url = getattr(url_or_engine, "url", url_or_engine)
    return str(url).startswith("sqlite")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint the WAL every ~40 MB instead of ~4 MB: a page written by many transactions in a row
        # (the tail of the audit trail, a hot index page) is copied back to the database file once.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred read-then-write transaction fails with "database is locked" whatever the busy
        # timeout; write transactions therefore take the write lock up front (BEGIN IMMEDIATE).
        # Straight on the DBAPI connection: this runs once per transaction (also on the fire hot path).
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 15}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """Engine plus session factories: ``read`` sessions and ``write`` sessions (IMMEDIATE on SQLite)."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.write_engine = self.engine.execution_options(sqlite_immediate=True)
        self._bound: Connection | None = None
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)

    @classmethod
    def bound_to(cls, connection, url: str) -> Database:
        """A Database whose sessions run inside an existing connection's transaction, each session in a
        SAVEPOINT (tests: everything rolls back at the end of the test)."""
        db = cls.__new__(cls)
        db.url = url
        db._bound = connection
        db.engine = connection.engine
        db.write_engine = connection.engine
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        db._read = db._write = factory
        return db

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def session(self, write: bool = False) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def transaction(self, write: bool = True, connection: Connection | None = None) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error. With ``connection`` (from
        ``held_connection``), the session runs on it: a worker firing many transitions keeps one
        connection instead of a pool checkout per transaction."""
        if connection is not None and connection is not self._bound:
            session = Session(bind=connection, expire_on_commit=False)
        else:
            session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def held_connection(self) -> Iterator[Connection]:
        """A write connection that a worker keeps across many transactions (``transaction(connection=)``)."""
        if self._bound is not None:
            yield self._bound
            return
        with self.write_engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
