"""Reading a list of transitions to fire (``spmp cases fire``): a CSV file (or XLSX / JSON records), read
through :mod:`spmp.tabular` and checked whole before anything is fired, so a malformed file changes
nothing and every bad row is named. A NUL byte or an oversized field is such a problem: PostgreSQL would
refuse the NUL only when that row fired, after the rows before it had been applied."""

from __future__ import annotations

from pathlib import Path

from spmp import tabular
from spmp.engine.fire import FireItem

REQUIRED = ("case_id", "trigger", "version")
MAX_ID = 2**31 - 1  # the columns are 32-bit integers
MAX_REASON = 2000  # as the web form's "Alasan"
MAX_TRIGGER = 100
MAX_ERRORS = 1000


class BulkFileError(ValueError):
    """The file cannot be used as it is; ``errors`` names each problem (row and column), at most
    :data:`MAX_ERRORS` of them; ``total`` counts them all."""

    def __init__(self, errors: list[str], total: int | None = None) -> None:
        self.total = total if total is not None else len(errors)
        super().__init__(f"{self.total} masalah pada berkas")
        self.errors = errors[:MAX_ERRORS]


def read_fire_items(path: Path) -> list[tuple[int, FireItem]]:
    """(line number, item) for each row of a file with the columns ``case_id``, ``trigger``, ``version``
    (the version the sender saw) and optionally ``reason``; CSV comma-, semicolon- or tab-separated,
    UTF-8 (with or without BOM), or XLSX, or a JSON array of records; blank lines are skipped."""
    items: list[tuple[int, FireItem]] = []
    errors: list[str] = []
    total = 0
    try:
        table = tabular.read_table(path)
        missing = [name for name in REQUIRED if name not in table.header]
        if missing:
            raise BulkFileError([f"baris {table.header_line}: kolom wajib tidak ada: {', '.join(missing)}"])
        for line, row in table.records():
            problems = _problems(row)
            if problems:
                total += 1
                if len(errors) < MAX_ERRORS:
                    errors.append(f"baris {line}: {'; '.join(problems)}")
            else:
                items.append((line, _item(row)))
    except tabular.TableError as exc:
        total += 1
        errors.append(str(exc))
    if errors:
        raise BulkFileError(errors, total)
    if not items:
        raise BulkFileError(["berkas tidak berisi baris data"])
    return items


def _problems(row: dict[str, str]) -> list[str]:
    values = {name: (row.get(name) or "").strip() for name in (*REQUIRED, "reason")}
    problems = [f"kolom {name} kosong" for name in REQUIRED if not values[name]]
    for name in ("case_id", "version"):
        text = values[name]
        if text and tabular.ascii_int(text, low=1, high=MAX_ID) is None:
            problems.append(f"kolom {name} harus bilangan bulat positif, bukan '{tabular.shown(text, 40)}'")
    if len(values["trigger"]) > MAX_TRIGGER:
        problems.append(f"kolom trigger lebih dari {MAX_TRIGGER} karakter")
    if len(values["reason"]) > MAX_REASON:
        problems.append(f"kolom reason {len(values['reason']):,} karakter; paling banyak {MAX_REASON:,}")
    return problems


def _item(row: dict[str, str]) -> FireItem:
    reason = (row.get("reason") or "").strip()
    return FireItem(
        int(row["case_id"].strip()),
        row["trigger"].strip(),
        int(row["version"].strip()),
        reason=reason or None,
    )
