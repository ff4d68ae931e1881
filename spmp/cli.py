"""The ``spmp`` console script. Each command is one transaction: it commits on success, rolls back on error."""

from __future__ import annotations

import sys

import click

from spmp.config import ConfigError, load_settings
from spmp.db import Database


class AppContext:
    def __init__(self) -> None:
        self._db: Database | None = None
        self.settings = load_settings()

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings.database_url)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


pass_app = click.make_pass_decorator(AppContext)


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """SPMP: Sistem Penjaminan Mutu Pendidikan."""
    try:
        ctx.obj = AppContext()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.call_on_close(ctx.obj.close)


# --- database -----------------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Skema basis data (migrasi Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@pass_app
def db_upgrade(app: AppContext, revision: str) -> None:
    """Migrate the database to REVISION (default: head). Holds a lock: one migration at a time."""
    from spmp import migrate

    app.settings.instance_path.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(app.db, revision)
    click.echo(f"Database at {', '.join(sorted(migrate.current_heads(app.db))) or 'base'}")


@db.command("downgrade")
@click.argument("revision", default="base")
@pass_app
def db_downgrade(app: AppContext, revision: str) -> None:
    """Migrate the database down to REVISION (default: base)."""
    from spmp import migrate

    migrate.downgrade(app.db, revision)
    click.echo(f"Database at {', '.join(sorted(migrate.current_heads(app.db))) or 'base'}")


# --- reference data -----------------------------------------------------------------------------------
@cli.group()
def reference() -> None:
    """Data rujukan: wilayah, unit B/BPMP, daftar 3T."""


@reference.command("load")
@pass_app
def reference_load(app: AppContext) -> None:
    """Load or refresh provinces, regencies, B/BPMP units and 3T lists (idempotent)."""
    from spmp.regions.reference import load_reference

    with app.db.transaction() as session:
        report = load_reference(session)
    for line in report.lines():
        click.echo(line)


@cli.group()
def demo() -> None:
    """Data demo sintetis (untuk uji coba dan benchmark)."""


@cli.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on code changes (development only).")
def web_command(host: str, port: int, debug: bool) -> None:
    """Jalankan server web (produksi: gunicorn 'web.wsgi:app')."""
    from web import create_app  # the domain package never imports Flask at import time

    app = create_app()
    app.run(host=host, port=port, debug=debug, threaded=True, use_reloader=debug)


def main() -> None:
    try:
        cli(prog_name="spmp")
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


# Feature command groups register themselves on ``cli``.
from spmp import cli_commands  # noqa: E402,F401
