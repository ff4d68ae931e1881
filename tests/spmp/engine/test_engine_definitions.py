"""Workflow definitions: every file in workflows/ is valid; each error kind gives its message."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from spmp.engine import definitions, diagram
from spmp.engine.definitions import DefinitionError, load_directory, load_file
from spmp.engine.diagram import mermaid, workflow_svg

VALID = {
    "key": "demo",
    "version": 1,
    "title": "Demo",
    "initial": "open",
    "states": {
        "open": {"label": "Terbuka", "due": {"days": 3, "working_days": True, "reminders": [1]}},
        "review": {"label": "Ditinjau"},
        "done": {"label": "Selesai", "final": True},
    },
    "transitions": [
        {"trigger": "submit", "source": "open", "dest": "review", "label": "Kirim", "roles": ["principal"]},
        {
            "trigger": "approve",
            "source": "review",
            "dest": "done",
            "label": "Setujui",
            "roles": ["bpmp_head"],
        },
        {"trigger": "reject", "source": "review", "dest": "open", "label": "Tolak", "roles": ["bpmp_head"]},
    ],
}


def write(tmp_path: Path, doc: dict, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def errors_for(tmp_path: Path, mutate) -> list[str]:
    doc = copy.deepcopy(VALID)
    mutate(doc)
    with pytest.raises(DefinitionError) as info:
        load_file(write(tmp_path, doc))
    return info.value.errors


def test_every_workflow_in_the_repository_is_valid():
    loaded = load_directory()
    assert "school_visit" in loaded.current_versions
    for defn in loaded.definitions.values():
        assert defn.machine is not None
        assert defn.initial in defn.states


def test_valid_definition_compiles_one_machine(tmp_path):
    defn = load_file(write(tmp_path, VALID))
    assert defn.dest_of("review", "reject") == "open"
    assert [t.trigger for t in defn.transitions_from("review")] == ["approve", "reject"]
    assert defn.machine.auto_transitions is False
    assert defn.states["open"].due.working_days is True


def _set_guard(doc):
    doc["transitions"][0]["guards"] = ["no_such_guard"]


def _set_action(doc):
    doc["transitions"][1]["actions"] = ["no_such_action"]


def _unreachable(doc):
    doc["states"]["orphan"] = {"label": "Yatim"}
    doc["transitions"].append(
        {"trigger": "x", "source": "orphan", "dest": "done", "label": "X", "roles": ["admin"]}
    )


def _dead_end(doc):
    doc["states"]["stuck"] = {"label": "Macet"}
    doc["transitions"].append(
        {"trigger": "park", "source": "open", "dest": "stuck", "label": "Parkir", "roles": ["admin"]}
    )


def _duplicate(doc):
    doc["transitions"].append(
        {"trigger": "submit", "source": "open", "dest": "done", "label": "Lagi", "roles": ["admin"]}
    )


def _unknown_role(doc):
    doc["transitions"][0]["roles"] = ["principal", "kepala_dinas"]


def _unknown_state(doc):
    doc["transitions"][0]["dest"] = "nowhere"


def _final_with_exit(doc):
    doc["transitions"].append(
        {"trigger": "reopen", "source": "done", "dest": "open", "label": "Buka", "roles": ["admin"]}
    )


def _bad_due(doc):
    doc["states"]["open"]["due"] = {"days": 0, "escalate_to": "pusat"}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_set_guard, "transition 'submit': guard tidak dikenal 'no_such_guard'"),
        (_set_action, "transition 'approve': action tidak dikenal 'no_such_action'"),
        (_unreachable, "state 'orphan': tidak dapat dicapai dari state awal 'open'"),
        (_dead_end, "state 'stuck': buntu: tidak ada transisi keluar dan bukan state akhir (final)"),
        (_duplicate, "transition 'submit': trigger ganda dari state 'open'"),
        (_unknown_role, "transition 'submit': peran tidak dikenal 'kepala_dinas'"),
        (_unknown_state, "transition 'submit': state tidak dikenal 'nowhere'"),
        (_final_with_exit, "state 'done': state akhir (final) tidak boleh punya transisi keluar"),
        (_bad_due, "escalate_after dan escalate_to harus diisi bersama"),
    ],
)
def test_each_error_kind_names_file_and_item(tmp_path, mutate, expected):
    errors = errors_for(tmp_path, mutate)
    assert any(expected in e for e in errors), errors
    assert all(e.startswith(str(tmp_path / "demo.yaml")) for e in errors)


def test_errors_give_the_line_of_the_transition(tmp_path):
    errors = errors_for(tmp_path, _set_guard)
    path = tmp_path / "demo.yaml"
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "trigger: submit" in text)
    assert errors[0].startswith(f"{path}:{line}: ")


def test_versions_live_side_by_side(tmp_path):
    old = copy.deepcopy(VALID)
    new = copy.deepcopy(VALID)
    new["version"] = 2
    new["states"]["review"]["label"] = "Sedang ditinjau"
    write(tmp_path, old, "demo/v1.yaml")
    write(tmp_path, new, "demo.yaml")
    loaded = load_directory(tmp_path)
    assert loaded.current("demo").version == 2
    assert loaded.get("demo", 1).states["review"].label == "Ditinjau"
    assert loaded.get("demo", 1).machine is not loaded.get("demo", 2).machine


def test_archived_file_must_match_its_version(tmp_path):
    write(tmp_path, VALID, "demo/v3.yaml")
    write(tmp_path, {**VALID, "version": 4}, "demo.yaml")
    with pytest.raises(DefinitionError, match="demo/v3.yaml: key/version"):
        load_directory(tmp_path)


def test_machine_is_compiled_once_per_key_and_version():
    first = definitions.get_definition("school_visit")
    assert definitions.get_definition("school_visit", first.version).machine is first.machine


def test_mermaid_lists_states_and_highlights_current():
    text = mermaid(definitions.get_definition("school_visit"), current="scheduled")
    assert text.startswith("stateDiagram-v2\n")
    assert 'state "Terjadwal" as scheduled' in text
    assert "scheduled --> reported: Serahkan laporan kunjungan" in text
    assert "[*] --> draft" in text and "closed --> [*]" in text
    assert text.rstrip().endswith("class scheduled current")
    assert "class " not in mermaid(definitions.get_definition("school_visit"))


def test_workflow_svg_is_small_cached_and_marks_only_the_current_state():
    workflow = definitions.get_definition("school_visit")
    diagram._render_svg.cache_clear()
    plain = workflow_svg(workflow)
    assert plain.startswith('<svg role="img"') and "<?xml" not in plain and "<script" not in plain
    assert len(plain.encode()) < 12_000  # a few KB instead of the 3.5 MB Mermaid renderer
    assert ">Terjadwal</text>" in plain and ">Serahkan laporan kunjungan</text>" in plain
    assert "current" not in plain
    marked = workflow_svg(workflow, "scheduled")
    assert marked.count(" current") == 1 and 'id="st_scheduled" class="node state current"' in marked
    assert diagram._render_svg.cache_info().misses == 1  # dot ran once for this workflow version


def test_workflow_svg_is_none_without_graphviz(monkeypatch):
    diagram._render_svg.cache_clear()
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    assert workflow_svg(definitions.get_definition("school_visit"), "draft") is None
    diagram._render_svg.cache_clear()
