"""Shared helpers of the loading tests: a clean import state, file trees, notebooks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
LEARNERS = FIXTURES / "learners"


@pytest.fixture
def import_state():
    """Undo what loading does to this process: sys.path, import hooks, modules."""
    # JAX first: a native extension cannot be unloaded and imported again in one process
    # (re-importing jaxlib aborts), so it must not count among the modules to forget.
    import gradlab.reference  # noqa: F401

    saved = (list(sys.path), list(sys.meta_path), set(sys.modules))
    yield
    sys.path[:], sys.meta_path[:] = saved[0], saved[1]
    for name in set(sys.modules) - saved[2]:
        del sys.modules[name]


def write(root: Path, files: dict) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root``; return ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def notebook(*cells, nbformat: int = 4) -> str:
    """A notebook's JSON from ``("code" | "markdown", source)`` pairs."""
    out = []
    for kind, source in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": source.splitlines(True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
            if nbformat == 3:
                cell["input"] = cell.pop("source")
        out.append(cell)
    if nbformat == 3:
        return json.dumps({"worksheets": [{"cells": out}], "metadata": {}, "nbformat": 3})
    return json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def roles(plan) -> dict:
    """``{book name: [(where, role), ...]}``, the headline first."""
    return {name: [(d.where(), d.role) for d in plan.of(name)]
            for name in dict.fromkeys(d.name for d in plan.definitions)}


def problems(plan_or_loaded) -> dict:
    """``{relpath: message}`` of a plan's or a Loaded's problems."""
    return {p.relpath: p.message for p in plan_or_loaded.problems}
