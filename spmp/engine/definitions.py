"""Workflow definitions: YAML files in ``workflows/`` loaded, validated and compiled once per (key, version).

Layout: ``workflows/<key>.yaml`` is the current version of a case type; superseded versions are kept as
``workflows/<key>/v<N>.yaml`` so that running cases pinned to them still work until migrated. Publishing a
changed definition = copy the current file to ``<key>/v<N>.yaml`` and raise ``version`` in ``<key>.yaml``.

File format (see workflows/school_visit.yaml)::

    key: school_visit
    version: 1
    title: Kunjungan Supervisi
    initial: draft
    open_roles: [widyaprada, bpmp_staff]      # who may open a case (optional)
    open_from_form: [widyaprada]              # who may open it from the generic "new case" form
                                              # (default nobody: a module opens its own case types)
    pause_roles: [bpmp_head]                  # who may pause/resume (optional)
    programme_year: rv_programme_year         # optional: a registered lookup of a case's programme year;
                                              # ``due.until`` then counts in that year (see DueRule)
    states:
      draft: {label: Draf}
      scheduled:
        label: Terjadwal
        due: {days: 10, working_days: true, reminders: [3, 1], escalate_after: 2, escalate_to: bpmp_head}
      closed: {label: Selesai, final: true}
    transitions:
      - trigger: schedule
        source: draft                         # or a list of states
        dest: scheduled
        label: Jadwalkan
        roles: [widyaprada]
        guards: [has_assignee]
        actions: []
        inputs: [{name: visit_date, label: Tanggal kunjungan, type: date}]   # see spmp/engine/inputs.py
        evidence: 1                            # number of evidence files required
        deadlines: restart                     # restart (default on a state change) | keep | clear
        event_label: Kunjungan dijadwalkan     # the timeline's name for this step (default: label)
        notify:                                # who is told (one mapping or a list; spmp.engine.notify)
          to: [school]                         # assignee | school | opener | previous_actor | a role
          title: "Kunjungan dijadwalkan: {case}"
          message: "Tanggal kunjungan: {visit_date}"
    notices:                                  # optional: told on open / assign / pause / resume
      pause: {to: [assignee], title: "Kasus ditangguhkan: {case}", message: "Alasan: {reason}"}

Each definition is compiled into one ``transitions.Machine`` (``auto_transitions=False``, no model), reused
by every case of that (key, version): a Machine per case costs ~35 KiB and ~1.6 ms.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from transitions import Machine

from spmp.accounts.models import Role
from spmp.config import PROJECT_ROOT
from spmp.engine import registry
from spmp.engine.inputs import InputDef, parse_spec
from spmp.engine.notify import CASE_EVENTS, NoticeDef, parse_notices

WORKFLOWS_DIR = PROJECT_ROOT / "workflows"
DEFAULT_PAUSE_ROLES = ("bpmp_staff", "bpmp_head", "pusat", "admin")
DEFAULT_ASSIGN_ROLES = ("bpmp_staff", "bpmp_head", "pusat", "admin")
DEADLINE_EFFECTS = ("restart", "keep", "clear")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_LINE = "__line__"


class DefinitionError(ValueError):
    """A workflow file is invalid. ``errors`` lists every problem, each naming the file and the item."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class DueRule:
    """How long a case may stay in a state, when to remind, and when to escalate to whom.

    ``days`` counts from entering the state; ``until`` is a fixed day of the year (month, day), due at its
    end (23:59 WIB), e.g. works and reports by 15 December. When the workflow names a ``programme_year``
    lookup and the case has a programme year, it is that day of that year, even if already past (a case of
    programme 2025 entering on 20 December 2025 is overdue at once); otherwise the first such day on or after
    the (WIB) day the state is entered. With both, the earlier is the due time; at least one is given."""

    days: int | None
    working_days: bool = False
    reminders: tuple[int, ...] = ()
    escalate_after: int | None = None
    escalate_to: str | None = None
    until: tuple[int, int] | None = None

    @property
    def most_rows(self) -> int:
        """The most deadline rows a visit can have: the due time, each reminder, the escalation."""
        return 1 + len(set(self.reminders)) + (self.escalate_after is not None)


@dataclass(frozen=True)
class StateDef:
    name: str
    label: str
    final: bool = False
    due: DueRule | None = None


@dataclass(frozen=True)
class TransitionDef:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    label: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    inputs: tuple[InputDef, ...] = ()
    evidence: int = 0
    deadlines: str | None = None  # None: restart on a change of state, keep on a self-loop
    notify: tuple[NoticeDef, ...] = ()  # who is told when this transition hands work on (spmp.engine.notify)
    event_label: str | None = None  # how the timeline names this step (default: the action's label)

    def deadline_effect(self, source: str) -> str:
        """What firing from ``source`` does to the deadlines (a self-loop keeps them unless told)."""
        if self.deadlines is None:
            return "keep" if source == self.dest else "restart"
        return self.deadlines


@dataclass(frozen=True)
class WorkflowDefinition:
    key: str
    version: int
    title: str
    initial: str
    states: dict[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    path: Path
    open_roles: frozenset[str] = frozenset()
    open_from_form: frozenset[str] = frozenset()
    pause_roles: frozenset[str] = frozenset(DEFAULT_PAUSE_ROLES)
    assign_roles: frozenset[str] = frozenset(DEFAULT_ASSIGN_ROLES)
    notices: dict[str, tuple[NoticeDef, ...]] = field(default_factory=dict)  # open/assign/pause/resume
    programme_year: str | None = None  # name of the registered lookup (registry.PROGRAMME_YEARS)
    _lookup: dict[tuple[str, str], TransitionDef] = field(default_factory=dict, repr=False)
    machine: Machine | None = field(default=None, repr=False, compare=False)

    def transitions_from(self, state: str) -> list[TransitionDef]:
        """Transitions that may leave ``state``, in file order (triggers from the compiled machine)."""
        triggers = set(self.machine.get_triggers(state)) if self.machine else set()
        return [t for t in self.transitions if t.trigger in triggers and state in t.sources]

    def transition(self, state: str, trigger: str) -> TransitionDef | None:
        """The transition ``trigger`` fires from ``state`` (None when it is not declared there)."""
        return self._lookup.get((state, trigger))

    def dest_of(self, state: str, trigger: str) -> str | None:
        """Destination per the compiled machine (the single source of truth for the graph)."""
        event = self.machine.events.get(trigger) if self.machine else None
        found = event.transitions.get(state) if event else None
        return found[0].dest if found else None

    def is_final(self, state: str) -> bool:
        return self.states[state].final

    @cached_property
    def most_deadline_rows(self) -> int:
        """The most deadline rows a case of this workflow can hold, whichever state wrote them."""
        rules = [s.due for s in self.states.values() if s.due is not None and not s.final]
        return max((rule.most_rows for rule in rules), default=0)

    def label(self, state: str) -> str:
        return self.states[state].label if state in self.states else state


# --- YAML with line numbers ---------------------------------------------------------------------------
class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's line under ``__line__`` (for error messages)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --- parsing and validation ---------------------------------------------------------------------------
class _Checker:
    """Collects errors as "<file>:<line>: <item>: <problem>"."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[str] = []

    def error(self, item: str, problem: str, line: int | None = None) -> None:
        where = f"{_display(self.path)}:{line}" if line else _display(self.path)
        self.errors.append(f"{where}: {item}: {problem}")

    def role(self, item: str, role: Any, line: int | None) -> str | None:
        if role not in {r.value for r in Role}:
            self.error(item, f"peran tidak dikenal {role!r}", line)
            return None
        return role


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _positive_int(
    check: _Checker, item: str, value: Any, line: int | None, allow_zero: bool = False
) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        check.error(item, f"harus bilangan bulat {'≥ 0' if allow_zero else '≥ 1'}, bukan {value!r}", line)
        return None
    return value


def _parse_due(check: _Checker, item: str, raw: Any, line: int | None) -> DueRule | None:
    if not isinstance(raw, dict):
        check.error(item, "aturan tenggat (due) harus berupa mapping", line)
        return None
    line = raw.get(_LINE, line)
    unknown = set(raw) - {
        "days",
        "until",
        "working_days",
        "reminders",
        "escalate_after",
        "escalate_to",
        _LINE,
    }
    for key in sorted(unknown):
        check.error(item, f"kunci due tidak dikenal {key!r}", line)
    until = _parse_until(check, item, raw.get("until"), line)
    if raw.get("days") is not None or "until" not in raw:
        days = _positive_int(check, f"{item} due.days", raw.get("days"), line)
    else:
        days = None
    reminders = tuple(
        r
        for r in (
            _positive_int(check, f"{item} due.reminders", r, line) for r in _as_list(raw.get("reminders"))
        )
        if r
    )
    escalate_after = raw.get("escalate_after")
    if escalate_after is not None:
        escalate_after = _positive_int(
            check, f"{item} due.escalate_after", escalate_after, line, allow_zero=True
        )
    escalate_to = raw.get("escalate_to")
    if escalate_to is not None:
        escalate_to = check.role(f"{item} due.escalate_to", escalate_to, line)
    if (raw.get("escalate_after") is None) != (raw.get("escalate_to") is None):
        check.error(item, "escalate_after dan escalate_to harus diisi bersama", line)
    if days is None and until is None:
        return None
    return DueRule(days, bool(raw.get("working_days", False)), reminders, escalate_after, escalate_to, until)


_MONTH_DAY = re.compile(r"^([0-9]{2})-([0-9]{2})$")


def _parse_until(check: _Checker, item: str, value: Any, line: int | None) -> tuple[int, int] | None:
    """``until: "12-15"`` (month-day, quoted): a day that exists in every year (so not 02-29)."""
    if value is None:
        return None
    found = _MONTH_DAY.match(value) if isinstance(value, str) else None
    if found:
        month, day = int(found[1]), int(found[2])
        try:
            date(2001, month, day)  # a common year: refuses 02-29 and impossible days
        except ValueError:
            found = None
        else:
            return month, day
    check.error(
        item, f'due.until harus tanggal "BB-HH" yang ada setiap tahun (mis. "12-15"), bukan {value!r}', line
    )
    return None


def _parse_states(check: _Checker, raw: Any) -> dict[str, StateDef]:
    states: dict[str, StateDef] = {}
    if not isinstance(raw, dict) or len(set(raw) - {_LINE}) == 0:
        check.error("states", "harus berupa mapping nama → {label, final, due} yang tidak kosong")
        return states
    for name, spec in raw.items():
        if name == _LINE:
            continue
        item = f"state {name!r}"
        spec = spec if isinstance(spec, dict) else {}
        line = spec.get(_LINE, raw.get(_LINE))
        if not isinstance(name, str) or not _NAME.match(name):
            check.error(item, "nama state harus huruf kecil, angka dan garis bawah", line)
            continue
        for key in sorted(set(spec) - {"label", "final", "due", _LINE}):
            check.error(item, f"kunci tidak dikenal {key!r}", line)
        if not isinstance(spec.get("label"), str) or not spec.get("label"):
            check.error(item, "label wajib diisi", line)
        due = _parse_due(check, item, spec["due"], line) if spec.get("due") is not None else None
        states[name] = StateDef(name, str(spec.get("label") or name), bool(spec.get("final", False)), due)
    return states


_TRANSITION_KEYS = {
    "trigger",
    "source",
    "dest",
    "label",
    "roles",
    "guards",
    "actions",
    "inputs",
    "evidence",
    "deadlines",
    "notify",
    "event_label",
    _LINE,
}


def _parse_inputs(check: _Checker, item: str, raw: Any, line: int | None) -> tuple[InputDef, ...]:
    inputs = []
    for spec in _as_list(raw):
        name = spec.get("name") if isinstance(spec, dict) else spec
        if not isinstance(name, str) or not _NAME.match(name):
            check.error(item, f"isian tidak sah {spec!r}", line)
            continue
        parsed = parse_spec(spec, lambda problem: check.error(item, problem, line))
        if parsed is not None:
            inputs.append(parsed)
    return tuple(inputs)


def _parse_transition(
    check: _Checker, raw: Any, index: int, states: dict[str, StateDef]
) -> TransitionDef | None:
    if not isinstance(raw, dict):
        check.error(f"transition #{index + 1}", "harus berupa mapping")
        return None
    line = raw.get(_LINE)
    trigger = raw.get("trigger")
    item = f"transition {trigger!r}" if trigger else f"transition #{index + 1}"
    if not isinstance(trigger, str) or not _NAME.match(trigger):
        check.error(item, "trigger wajib diisi (huruf kecil, angka, garis bawah)", line)
        return None
    for key in sorted(set(raw) - _TRANSITION_KEYS):
        check.error(item, f"kunci tidak dikenal {key!r}", line)
    sources = tuple(_as_list(raw.get("source")))
    dest = raw.get("dest")
    for state in (*sources, dest):
        if state not in states:
            check.error(item, f"state tidak dikenal {state!r}", line)
    if not sources:
        check.error(item, "source wajib diisi", line)
    roles = frozenset(r for r in (check.role(item, r, line) for r in _as_list(raw.get("roles"))) if r)
    if not roles:
        check.error(item, "roles wajib diisi (siapa yang boleh menjalankan)", line)
    guards = tuple(_as_list(raw.get("guards")))
    for name in guards:
        if name not in registry.GUARDS:
            check.error(item, f"guard tidak dikenal {name!r}", line)
    actions = tuple(_as_list(raw.get("actions")))
    for name in actions:
        if name not in registry.ACTIONS:
            check.error(item, f"action tidak dikenal {name!r}", line)
    effect = raw.get("deadlines")
    if effect is not None and effect not in DEADLINE_EFFECTS:
        check.error(item, f"deadlines harus salah satu dari {', '.join(DEADLINE_EFFECTS)}", line)
    evidence = _positive_int(check, item + " evidence", raw.get("evidence", 0), line, allow_zero=True) or 0
    label = raw.get("label")
    if not isinstance(label, str) or not label:
        check.error(item, "label wajib diisi", line)
    inputs = _parse_inputs(check, item, raw.get("inputs"), line)
    notify = parse_notices(lambda problem, at: check.error(item, problem, at), raw.get("notify"), line,
                           [i.name for i in inputs])  # fmt: skip
    event_label = raw.get("event_label")
    if event_label is not None and (not isinstance(event_label, str) or not event_label.strip()):
        check.error(item, "event_label harus berupa teks", line)
        event_label = None
    return TransitionDef(
        trigger, sources, str(dest), str(label or trigger), roles, guards, actions,
        inputs, evidence, effect, notify, event_label,
    )  # fmt: skip


def _parse_case_notices(check: _Checker, raw: Any) -> dict[str, tuple[NoticeDef, ...]]:
    """Top-level ``notices:``: what is told on open / assign / pause / resume."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.error("notices", "harus berupa mapping open/assign/pause/resume → notify")
        return {}
    notices = {}
    for event, spec in raw.items():
        if event == _LINE:
            continue
        if event not in CASE_EVENTS:
            check.error("notices", f"kejadian tidak dikenal {event!r} (pilih {', '.join(CASE_EVENTS)})",
                        raw.get(_LINE))  # fmt: skip
            continue
        line = spec.get(_LINE) if isinstance(spec, dict) else raw.get(_LINE)
        notices[event] = parse_notices(lambda problem, at, e=event: check.error(f"notices.{e}", problem, at),
                                       spec, line)  # fmt: skip
    return notices


def _parse_programme_year(check: _Checker, name: Any, initial: StateDef | None) -> str | None:
    """``programme_year: <name>``: a lookup registered with ``registry.programme_year``."""
    if name is None:
        return None
    if not isinstance(name, str) or name not in registry.PROGRAMME_YEARS:
        check.error("programme_year", f"pencarian tahun program tidak dikenal {name!r}")
        return None
    if initial is not None and initial.due is not None and initial.due.until is not None:
        # The state's rows are written when the case opens, before the feature has stored its year.
        problem = "state awal tidak dapat memakai due.until dengan programme_year"
        check.error(f"state {initial.name!r}", problem)
        return None
    return name


def _check_graph(
    check: _Checker, initial: str, states: dict[str, StateDef], transitions: list[TransitionDef], lines: dict
) -> None:
    seen: dict[tuple[str, str], TransitionDef] = {}
    outgoing: dict[str, list[str]] = {s: [] for s in states}
    for t in transitions:
        for source in t.sources:
            if (source, t.trigger) in seen:
                check.error(
                    f"transition {t.trigger!r}", f"trigger ganda dari state {source!r}", lines.get(t.trigger)
                )
            seen[(source, t.trigger)] = t
            if source in outgoing:
                outgoing[source].append(t.dest)
    for name, state in states.items():
        if state.final and outgoing[name]:
            check.error(f"state {name!r}", "state akhir (final) tidak boleh punya transisi keluar")
        if not state.final and not outgoing[name]:
            check.error(f"state {name!r}", "buntu: tidak ada transisi keluar dan bukan state akhir (final)")
    reachable, queue = {initial}, deque([initial])
    while queue:
        for dest in outgoing.get(queue.popleft(), []):
            if dest in states and dest not in reachable:
                reachable.add(dest)
                queue.append(dest)
    for name in states:
        if name not in reachable:
            check.error(f"state {name!r}", f"tidak dapat dicapai dari state awal {initial!r}")


def _compile(defn: WorkflowDefinition) -> Machine:
    """One Machine per (key, version), without a model: used as the compiled transition table."""
    return Machine(
        model=None,
        states=list(defn.states),
        transitions=[
            {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in defn.transitions
        ],
        initial=defn.initial,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )


def parse_definition(path: Path, raw: Any) -> WorkflowDefinition:
    """Validate a loaded YAML document; raises DefinitionError listing every problem."""
    check = _Checker(path)
    if not isinstance(raw, dict):
        raise DefinitionError([f"{_display(path)}: berkas harus berupa mapping YAML"])
    for key in sorted(
        set(raw)
        - {
            "key",
            "version",
            "title",
            "initial",
            "states",
            "transitions",
            "open_roles",
            "open_from_form",
            "pause_roles",
            "assign_roles",
            "notices",
            "programme_year",
            _LINE,
        }
    ):
        check.error("definition", f"kunci tidak dikenal {key!r}")
    key = raw.get("key")
    if not isinstance(key, str) or not _NAME.match(key):
        check.error("key", f"harus huruf kecil, angka dan garis bawah, bukan {key!r}")
    version = _positive_int(check, "version", raw.get("version"), None) or 0
    if not isinstance(raw.get("title"), str) or not raw.get("title"):
        check.error("title", "judul wajib diisi")
    states = _parse_states(check, raw.get("states"))
    initial = raw.get("initial")
    if initial not in states:
        check.error("initial", f"state awal tidak dikenal {initial!r}")
    raw_transitions = raw.get("transitions")
    if not isinstance(raw_transitions, list):
        check.error("transitions", "harus berupa daftar")
        raw_transitions = []
    transitions = [t for i, r in enumerate(raw_transitions) if (t := _parse_transition(check, r, i, states))]
    roles = {}
    for name in ("open_roles", "open_from_form", "pause_roles", "assign_roles"):
        if name in raw:
            roles[name] = frozenset(r for r in (check.role(name, r, None) for r in _as_list(raw[name])) if r)
    if roles.get("open_from_form", frozenset()) - roles.get("open_roles", frozenset()):
        check.error("open_from_form", "setiap peran di sini harus juga ada di open_roles")
    notices = _parse_case_notices(check, raw.get("notices"))
    year_lookup = _parse_programme_year(check, raw.get("programme_year"), states.get(initial))
    if initial in states and not check.errors:
        lines = {r.get("trigger"): r.get(_LINE) for r in raw_transitions if isinstance(r, dict)}
        _check_graph(check, initial, states, transitions, lines)
    if check.errors:
        raise DefinitionError(check.errors)
    lookup = {(s, t.trigger): t for t in transitions for s in t.sources}
    defn = WorkflowDefinition(
        key, version, raw["title"], initial, states, tuple(transitions), path, notices=notices,
        programme_year=year_lookup, _lookup=lookup, **roles,
    )  # fmt: skip
    object.__setattr__(defn, "machine", _compile(defn))
    return defn


def load_file(path: Path) -> WorkflowDefinition:
    """Load and validate one YAML file."""
    registry.load_plugins()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise DefinitionError([f"{_display(path)}: YAML tidak sah: {exc}"]) from exc
    return parse_definition(path, raw)


# --- the set of definitions -----------------------------------------------------------------------------
class WorkflowSet:
    """Every definition in a directory, by (key, version); ``current(key)`` is ``<key>.yaml``."""

    def __init__(
        self, definitions: dict[tuple[str, int], WorkflowDefinition], current: dict[str, int]
    ) -> None:
        self.definitions = definitions
        self.current_versions = current

    def get(self, key: str, version: int | None = None) -> WorkflowDefinition:
        """The definition (key, version); the current one when version is None. KeyError if unknown."""
        version = self.current_versions[key] if version is None else version
        return self.definitions[(key, version)]

    def current(self, key: str) -> WorkflowDefinition:
        return self.get(key)

    def keys(self) -> list[str]:
        return sorted(self.current_versions)


def workflow_files(directory: Path) -> list[Path]:
    """``<key>.yaml`` files and archived ``<key>/v<N>.yaml`` files in a workflows directory."""
    return sorted(directory.glob("*.yaml")) + sorted(directory.glob("*/v*.yaml"))


def load_directory(directory: Path = WORKFLOWS_DIR) -> WorkflowSet:
    """Load and validate every file; raises DefinitionError with all problems of all files."""
    errors: list[str] = []
    definitions: dict[tuple[str, int], WorkflowDefinition] = {}
    current: dict[str, int] = {}
    for path in workflow_files(directory):
        try:
            defn = load_file(path)
        except DefinitionError as exc:
            errors.extend(exc.errors)
            continue
        errors.extend(_check_placement(path, defn, directory))
        if (defn.key, defn.version) in definitions:
            errors.append(
                f"{_display(path)}: version: versi {defn.version} dari {defn.key!r} sudah ada di berkas lain"
            )
        definitions[(defn.key, defn.version)] = defn
        if path.parent == directory:
            current[defn.key] = defn.version
    for (key, version), defn in definitions.items():
        if key in current and version > current[key]:
            errors.append(
                f"{_display(defn.path)}: version: arsip v{version} lebih baru dari versi terkini {current[key]}"
            )
    if errors:
        raise DefinitionError(errors)
    return WorkflowSet(definitions, current)


def _check_placement(path: Path, defn: WorkflowDefinition, directory: Path) -> list[str]:
    if path.parent == directory:
        expected_key, expected_version = path.stem, defn.version
    else:
        expected_key, expected_version = (
            path.parent.name,
            int(path.stem[1:]) if path.stem[1:].isdigit() else -1,
        )
    if defn.key != expected_key or defn.version != expected_version:
        return [
            f"{_display(path)}: key/version: berkas ini harus berisi {expected_key!r} versi {expected_version}"
        ]
    return []


_lock = threading.Lock()
_workflows: WorkflowSet | None = None


def workflows() -> WorkflowSet:
    """The application's definitions, loaded and compiled once per process."""
    global _workflows
    if _workflows is None:
        with _lock:
            if _workflows is None:
                _workflows = load_directory()
    return _workflows


def get_definition(key: str, version: int | None = None) -> WorkflowDefinition:
    """Shortcut for ``workflows().get(key, version)``."""
    return workflows().get(key, version)


def set_workflows(workflow_set: WorkflowSet | None) -> None:
    """Replace the loaded definitions (tests, benchmarks); ``None`` reloads from WORKFLOWS_DIR next time."""
    global _workflows
    _workflows = workflow_set
