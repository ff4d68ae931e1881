"""Tree heads written outside the database: one JSON line per sealed batch, appended (never rewritten) to
a file (``SPMP_AUDIT_ANCHOR_FILE``; keep it on other storage than the database in production), and the
latest one mailed to the admins daily. ``verify`` refuses a log whose tail no longer reaches the last anchor.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FIELDS = ("size", "root_hash", "chain_hash", "sealed_at", "signature", "key_id")


class AnchorFileError(ValueError):
    """The anchor file is not what ``append`` writes; the message names the line."""


def append(path: Path, heads: list[dict[str, Any]], public_key: str) -> None:
    """Append the heads (in size order) and flush them to disk before returning."""
    if not heads:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps({**{f: h[f] for f in FIELDS}, "public_key": public_key}) + "\n" for h in heads)
    with open(path, "a", encoding="utf-8") as out:
        out.write(lines)
        out.flush()
        os.fsync(out.fileno())


def read(path: Path) -> list[dict[str, Any]]:
    """Every anchor in the file, oldest first ([] when the file does not exist)."""
    if not path.exists():
        return []
    anchors = []
    with open(path, encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            anchors.append(_parse(line, number, path))
    return anchors


def _parse(line: str, number: int, path: Path) -> dict[str, Any]:
    try:
        anchor = json.loads(line)
    except ValueError:
        raise AnchorFileError(f"{path} baris {number}: bukan JSON") from None
    if not isinstance(anchor, dict) or any(f not in anchor for f in FIELDS):
        raise AnchorFileError(f"{path} baris {number}: kolom jangkar tidak lengkap ({', '.join(FIELDS)})")
    if not isinstance(anchor["size"], int) or anchor["size"] < 1:
        raise AnchorFileError(f"{path} baris {number}: ukuran pohon tidak sah")
    return anchor


def last_size(path: Path) -> int:
    """The size of the last anchored head (0 if none): read from the end, the file only grows."""
    if not path.exists():
        return 0
    with open(path, "rb") as data:
        data.seek(0, os.SEEK_END)
        end = data.tell()
        data.seek(max(0, end - 4096))
        tail = data.read().decode("utf-8", errors="replace").strip().splitlines()
    for line in reversed(tail):
        try:
            return int(json.loads(line)["size"])
        except (ValueError, KeyError, TypeError):
            continue
    return 0
