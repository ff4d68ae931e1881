"""Reading a list of transitions to fire (``spmp cases fire``): a CSV file, checked whole before anything
is fired, so a malformed file changes nothing and every bad row is named."""

from __future__ import annotations

import csv
from pathlib import Path

from spmp.engine.fire import FireItem

REQUIRED = ("case_id", "trigger", "version")
MAX_ID = 2**31 - 1  # the columns are 32-bit integers


class BulkFileError(ValueError):
    """The file cannot be used as it is; ``errors`` names each problem (row and column)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} masalah pada berkas")
        self.errors = errors


def read_fire_items(path: Path) -> list[tuple[int, FireItem]]:
    """(line number, item) for each row of a CSV file with the columns ``case_id``, ``trigger``,
    ``version`` (the version the sender saw) and optionally ``reason``; comma- or semicolon-separated,
    UTF-8 (with or without BOM); blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError(
            [f"berkas bukan teks UTF-8 (bita ke-{exc.start}); simpan sebagai CSV UTF-8"]
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise BulkFileError([f"baris 1: kolom wajib tidak ada: {', '.join(missing)}"])
    reader.fieldnames = header
    items, errors = [], []
    for row in reader:
        item = _item(row, reader.line_num, errors)
        if item is not None:
            items.append((reader.line_num, item))
    if errors:
        raise BulkFileError(errors)
    if not items:
        raise BulkFileError(["berkas tidak berisi baris data"])
    return items


def _item(row: dict, line: int, errors: list[str]) -> FireItem | None:
    values = {name: (row.get(name) or "").strip() for name in (*REQUIRED, "reason")}
    problems = [f"kolom {name} kosong" for name in REQUIRED if not values[name]]
    numbers = {}
    for name in ("case_id", "version"):
        text = values[name]
        if text and not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
            problems.append(f"kolom {name} harus bilangan bulat positif, bukan {text!r}")
        elif text:
            numbers[name] = int(text)
    if problems:
        errors.append(f"baris {line}: {'; '.join(problems)}")
        return None
    return FireItem(
        numbers["case_id"], values["trigger"], numbers["version"], reason=values["reason"] or None
    )
