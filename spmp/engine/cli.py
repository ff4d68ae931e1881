"""``spmp workflows ...``, ``spmp cases ...`` and ``spmp audit ...`` commands (each command is one
transaction, except ``cases fire``: one per transition)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spmp.cli import AppContext, cli, pass_app


@cli.group()
def workflows() -> None:
    """Definisi alur kerja (workflows/*.yaml)."""


@workflows.command("validate")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), help="Folder definisi.")
def workflows_validate(directory: Path | None) -> None:
    """Check every workflow definition; prints each problem with file and item."""
    from spmp.engine.definitions import WORKFLOWS_DIR, DefinitionError, load_directory

    try:
        loaded = load_directory(directory or WORKFLOWS_DIR)
    except DefinitionError as exc:
        for line in exc.errors:
            click.echo(line, err=True)
        raise click.ClickException(f"{len(exc.errors)} masalah ditemukan") from exc
    for (key, version), defn in sorted(loaded.definitions.items()):
        mark = " (terkini)" if loaded.current_versions.get(key) == version else ""
        click.echo(
            f"OK {key} v{version}{mark}: {defn.title}, {len(defn.states)} state, {len(defn.transitions)} transisi"
        )


@workflows.command("diagram")
@click.argument("key")
@click.option("--version", type=int, help="Versi (bawaan: terkini).")
@click.option("--current", help="State yang disorot.")
@click.option("--svg", "as_svg", is_flag=True, help="SVG (Graphviz dot) seperti di halaman web, bukan teks Mermaid.")
def workflows_diagram(key: str, version: int | None, current: str | None, as_svg: bool) -> None:
    """Print the state diagram of workflow KEY (Mermaid text, or with --svg the page's SVG)."""
    from spmp.engine.definitions import get_definition
    from spmp.engine.diagram import mermaid, workflow_svg

    try:
        defn = get_definition(key, version)
    except KeyError as exc:
        raise click.ClickException(
            f"Alur kerja {key!r} versi {version or 'terkini'} tidak ditemukan"
        ) from exc
    if not as_svg:
        click.echo(mermaid(defn, current), nl=False)
        return
    svg = workflow_svg(defn, current)
    if svg is None:
        raise click.ClickException("Graphviz (dot) tidak terpasang: apt-get install graphviz")
    click.echo(svg, nl=False)


@workflows.command("migrate")
@click.argument("key")
@click.option("--to", "to_version", type=int, required=True, help="Versi tujuan.")
@click.option("--map", "pairs", multiple=True, help="Pemetaan state lama=baru (boleh berulang).")
@click.option("--dry-run", is_flag=True, help="Tampilkan rencana tanpa mengubah apa pun.")
@click.option("--actor", help="Username pelaksana (dicatat di jejak audit).")
@click.option(
    "--reopen", "reopen", multiple=True,
    help="State akhir di versi lama yang berlanjut di versi baru: kasus tertutup di state ini ikut dipindah dan "
    "dibuka kembali (boleh berulang; mis. --reopen terpilih untuk revitalisasi v1 -> v2).",
)  # fmt: skip
@pass_app
def workflows_migrate(
    app: AppContext, key: str, to_version: int, pairs: tuple[str, ...], dry_run: bool, actor: str | None,
    reopen: tuple[str, ...],
) -> None:  # fmt: skip
    """Move the open cases of KEY to version --to, with an explicit state map (and, with --reopen, the
    closed cases in a state that goes on in the new version)."""
    from sqlalchemy import select

    from spmp.accounts.models import User
    from spmp.engine.errors import ActionRefused
    from spmp.engine.versioning import migrate_cases, parse_state_map

    try:
        state_map = parse_state_map(list(pairs))
        with app.db.transaction() as session:
            user = session.scalar(select(User).where(User.username == actor)) if actor else None
            if actor and user is None:
                raise click.ClickException(f"Pengguna {actor!r} tidak ditemukan")
            plan = migrate_cases(session, user, key, to_version, state_map, dry_run=dry_run, reopen=reopen)
    except (ValueError, KeyError, ActionRefused) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in plan.lines():
        click.echo(line)
    if not plan.ok:
        raise click.ClickException(
            "Migrasi dibatalkan: ada kasus tanpa pemetaan state; tidak ada yang dipindah"
        )
    click.echo("Uji coba: tidak ada yang diubah" if dry_run else f"Selesai: {len(plan.moves)} kasus dipindah")


@cli.group()
def cases() -> None:
    """Kasus: tindakan massal."""


@cases.command("fire")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="Username pelaksana (peran dan wilayahnya berlaku).")
@pass_app
def cases_fire(app: AppContext, file: Path, username: str) -> None:
    """Fire the transitions listed in FILE (CSV/XLSX/JSON: case_id, trigger, version[, reason]) as one
    user, each in a transaction of its own, after the whole file was checked (a bad row fires nothing);
    every refused row is reported with its reason, the others go ahead."""
    from sqlalchemy import select

    from spmp.accounts.models import User
    from spmp.engine.bulk import BulkFileError, read_fire_items
    from spmp.engine.fire import FireResult, fire_many

    try:
        rows = read_fire_items(file)
    except BulkFileError as exc:
        for line in exc.errors[:100]:
            click.echo(line, err=True)
        if exc.total > 100:
            click.echo(f"... dan {exc.total - 100:,} masalah lain", err=True)
        raise click.ClickException(f"{exc}; tidak ada yang dijalankan") from exc
    with app.db.session() as session:
        user = session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    if user is None:
        raise click.ClickException(f"Pengguna aktif {username!r} tidak ditemukan")
    items = [item for _line, item in rows]
    refused = 0
    with click.progressbar(length=len(rows), label="Transisi", file=sys.stderr) as bar:
        for (line, item), result in zip(rows, fire_many(app.db, user, items), strict=True):
            bar.update(1)
            if not isinstance(result, FireResult):
                refused += 1
                click.echo(f"baris {line}: kasus #{item.case_id} {item.trigger}: {result}")
    click.echo(f"Selesai: {len(rows) - refused} dijalankan, {refused} ditolak")
    if refused:
        sys.exit(1)
