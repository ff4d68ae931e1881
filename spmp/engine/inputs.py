"""Typed action inputs: a workflow declares each input's type, and the server checks what was sent.

In the workflow YAML::

    inputs:
      - {name: visit_date, label: Tanggal kunjungan, type: date}
      - {name: summary, label: Ringkasan temuan, type: text, max_length: 2000}
      - {name: result, label: Hasil, type: choice, choices: [baik, cukup, kurang]}
      - {name: score, label: Nilai, type: number, min: 0, max: 100}

``required: false`` makes an input optional (checked only when given, e.g. the reason to override a
scheduling warning). ``type`` defaults to ``text`` (one line or more, at most ``max_length`` characters, default 2000). A date is
``tttt-bb-hh`` (what a browser's date field sends) between 2000 and 2100. Values are checked on the
server whatever the page offered: ``besok`` or ``<script>`` is no date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

INPUT_TYPES = ("text", "date", "choice", "number")
DEFAULT_MAX_LENGTH = 2000
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_NUMBER = re.compile(r"^-?[0-9]{1,12}([.,][0-9]{1,6})?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class InputDef:
    """One input a transition asks for (see the module docstring for the YAML)."""

    name: str
    label: str
    type: str = "text"
    max_length: int = DEFAULT_MAX_LENGTH
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    required: bool = True


def parse_date(text: str) -> date | None:
    """The date written ``tttt-bb-hh`` (ASCII digits, 2000..2100), or None."""
    if not _DATE.match(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if 2000 <= value.year <= 2100 else None


def _number_problem(spec: InputDef, text: str) -> str | None:
    if not _NUMBER.match(text):
        return "harus berupa angka (contoh 75 atau 75,5)"
    value = float(text.replace(",", "."))
    if spec.min is not None and value < spec.min:
        return f"paling kecil {spec.min:g}"
    if spec.max is not None and value > spec.max:
        return f"paling besar {spec.max:g}"
    return None


def problem(spec: InputDef, text: str) -> str | None:
    """Why ``text`` is not a valid value of the input, or None."""
    if spec.type == "date":
        return None if parse_date(text) else "harus tanggal yang sah (format tttt-bb-hh, mis. 2026-08-17)"
    if spec.type == "choice":
        return None if text in spec.choices else f"pilih salah satu: {', '.join(spec.choices)}"
    if spec.type == "number":
        return _number_problem(spec, text)
    if len(text) > spec.max_length:
        return f"paling banyak {spec.max_length} karakter (terisi {len(text)})"
    if _CONTROL.search(text):
        return "berisi karakter kendali yang tidak diizinkan"
    return None


def inputs_problem(specs: tuple[InputDef, ...], values: Mapping[str, Any]) -> str | None:
    """The message refusing ``values`` for these inputs (missing ones first, then each invalid one, by
    label), or None when every input is present and valid."""
    missing = [s.label for s in specs if s.required and values.get(s.name) in (None, "")]
    if missing:
        return f"Isian wajib belum diisi: {', '.join(missing)}"
    given = [s for s in specs if values.get(s.name) not in (None, "")]
    invalid = [f"{s.label} {why}" for s in given if (why := problem(s, str(values[s.name]).strip()))]
    return f"Isian tidak valid: {'; '.join(invalid)}" if invalid else None


def parse_spec(raw: Any, error) -> InputDef | None:
    """An InputDef from a YAML item (a name, or a mapping); ``error(message)`` reports a problem."""
    if isinstance(raw, str):
        raw = {"name": raw, "label": raw}
    if not isinstance(raw, dict):
        error(f"isian tidak sah {raw!r}")
        return None
    unknown = set(raw) - {
        "name",
        "label",
        "type",
        "max_length",
        "choices",
        "min",
        "max",
        "required",
        "__line__",
    }
    if unknown:
        error(f"kunci isian tidak dikenal {sorted(unknown)!r}")
    kind = raw.get("type", "text")
    if kind not in INPUT_TYPES:
        error(f"jenis isian {kind!r} tidak dikenal (pilih {', '.join(INPUT_TYPES)})")
        return None
    choices = raw.get("choices") or []
    if kind == "choice" and not (
        isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices)
    ):
        error(f"isian {raw.get('name')!r}: jenis choice memerlukan choices berupa daftar teks")
        return None
    max_length = raw.get("max_length", DEFAULT_MAX_LENGTH)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        error(f"isian {raw.get('name')!r}: max_length harus bilangan bulat ≥ 1")
        return None
    bounds = [raw.get("min"), raw.get("max")]
    if any(b is not None and (isinstance(b, bool) or not isinstance(b, int | float)) for b in bounds):
        error(f"isian {raw.get('name')!r}: min/max harus angka")
        return None
    required = raw.get("required", True)
    if not isinstance(required, bool):
        error(f"isian {raw.get('name')!r}: required harus true atau false")
        return None
    return InputDef(str(raw.get("name")), str(raw.get("label") or raw.get("name")), kind, max_length,
                    tuple(choices), *bounds, required=required)  # fmt: skip


def display(spec: InputDef, value: Any) -> str:
    """How a stored input value is shown on the case page (dates as dd-mm-yyyy)."""
    text = str(value)
    parsed = parse_date(text) if spec.type == "date" else None
    return parsed.strftime("%d-%m-%Y") if parsed else text


def latest_inputs(workflow, events) -> list[tuple[InputDef, str]]:
    """The last value given for each input of ``workflow`` across the case's audit ``events`` (oldest
    first), for the case page: e.g. the visit date set when the visit was scheduled or rescheduled."""
    specs = {spec.name: spec for t in workflow.transitions for spec in t.inputs}
    values: dict[str, Any] = {}
    for event in events:
        values.update(event.changes_dict.get("inputs") or {})
    return [(specs[name], display(specs[name], v)) for name, v in values.items() if name in specs and v]
