"""State diagrams generated from a definition: SVG drawn on the server by Graphviz for the web pages,
and Mermaid text for the command line (pastes into Markdown documents)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

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


# --- Server-rendered SVG (Graphviz ``dot``): a few KB per page instead of a 3.5 MB JavaScript renderer. ---

DOT_TIMEOUT_SECONDS = 10


def _dot_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def dot_source(workflow: WorkflowDefinition) -> str:
    """Graphviz text of the workflow, top to bottom (tall and narrow reads well on a phone).

    Every state node carries ``id="st_<name>"`` and ``class="state"`` so a page can mark the current one.
    """
    lines = [
        "digraph workflow {",
        '  graph [rankdir=TB, bgcolor="transparent", nodesep=0.25, ranksep=0.35, fontname="sans-serif"];',
        '  node [shape=box, style=filled, fillcolor="#ffffff", color="#5b6773", '
        'fontname="sans-serif", fontsize=11, margin="0.12,0.05", height=0.3];',
        '  edge [color="#5b6773", fontname="sans-serif", fontsize=9, fontcolor="#1d2733", arrowsize=0.6];',
        '  start [shape=circle, label="", width=0.16, height=0.16, style=filled, fillcolor="#1d2733", '
        'id="st__start"];',
    ]
    for name, state in workflow.states.items():
        extra = ", peripheries=2" if state.final else ""
        lines.append(
            f"  {_dot_quote(name)} [label={_dot_quote(state.label)}, id={_dot_quote('st_' + name)}, "
            f'class="state"{extra}];'
        )
    lines.append(f"  start -> {_dot_quote(workflow.initial)};")
    for transition in workflow.transitions:
        for source in transition.sources:
            lines.append(
                f"  {_dot_quote(source)} -> {_dot_quote(transition.dest)} [label={_dot_quote(transition.label)}];"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=256)
def _render_svg(source: str) -> str | None:
    """``dot -Tsvg`` of a source text, cached: one run per workflow version for the life of the process."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        done = subprocess.run(
            [dot, "-Tsvg"],
            input=source.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    svg = done.stdout.decode()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG is inlined into HTML
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)  # Graphviz's comments (node names) are noise
    svg = re.sub(r"<title>[^<]*</title>\s*", "", svg)  # internal names would pop up as tooltips
    return svg.replace("<svg ", '<svg role="img" aria-label="Diagram alur kerja" ', 1)


def workflow_svg(workflow: WorkflowDefinition, current: str | None = None) -> str | None:
    """Inline SVG state diagram of the workflow, or ``None`` when Graphviz is not installed.

    The drawing is cached per workflow version; ``current`` only adds the ``current`` class to that
    state's node, which the stylesheet highlights.
    """
    svg = _render_svg(dot_source(workflow))
    if svg is None or current is None or current not in workflow.states:
        return svg
    return svg.replace(
        f'id="st_{current}" class="node state"', f'id="st_{current}" class="node state current"', 1
    )
