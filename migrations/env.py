"""Alembic environment: runs on the connection that spmp.migrate hands over (it holds the lock)."""

from alembic import context

import spmp.models  # noqa: F401  (imports every model)
from spmp.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from spmp.config import load_settings
        from spmp.db import make_engine

        engine = make_engine(load_settings().database_url)
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
