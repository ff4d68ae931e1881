"""Mermaid state diagrams generated from a definition (the web UI renders the text)."""

from __future__ import annotations

from spmp.engine.definitions import WorkflowDefinition


def _text(value: str) -> str:
    """Mermaid labels: no characters that end a label or a statement."""
    return value.replace('"', "'").replace(":", " -").replace(";", ",").replace("\n", " ")


def mermaid(workflow: WorkflowDefinition, current: str | None = None) -> str:
    """``stateDiagram-v2`` text for the workflow; ``current`` (a state name) is highlighted."""
    lines = ["stateDiagram-v2", f"    %% {_text(workflow.title)} (versi {workflow.version})"]
    for name, state in workflow.states.items():
        lines.append(f'    state "{_text(state.label)}" as {name}')
    lines.append(f"    [*] --> {workflow.initial}")
    for transition in workflow.transitions:
        for source in transition.sources:
            lines.append(f"    {source} --> {transition.dest}: {_text(transition.label)}")
    for name, state in workflow.states.items():
        if state.final:
            lines.append(f"    {name} --> [*]")
    if current is not None and current in workflow.states:
        lines.append("    classDef current fill:#fde68a,stroke:#b45309,stroke-width:3px")
        lines.append(f"    class {current} current")
    return "\n".join(lines) + "\n"
