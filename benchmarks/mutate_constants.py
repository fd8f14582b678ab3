"""Mutation testing of module constants: halve and double each, run the module's tests.

mutmut changes operators and literals one at a time but leaves a constant's *size*
alone (10 -> 11 is not 10 -> 20). This script copies the repository to a temporary
folder, rewrites one module-level constant at a time (numbers and tuples of numbers;
``a * NAME`` scales ``a``) of ``gradlab/check/`` (the default) or of one core module, and
runs that module's tests with ``-x``: for the checker the selection in pyproject's
``[tool.mutmut]``, for a core module its files in ``.ci/mutation.py`` (the one home of
both lists). A constant "survives" when the tests still pass: either no test pins it, or
the change does not alter behaviour.

    GRADLAB_CHECK_TRIALS=60 python benchmarks/mutate_constants.py [--only NAME ...]
    python benchmarks/mutate_constants.py --module functions numerical descent nets _validation
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGN = re.compile(r"^([A-Z][A-Z0-9_]*) = (.+?)(\s*#.*)?$")


def _selection(module: str) -> tuple[str, list[str]]:
    """.ci/mutation.py's (files mutated, tests that judge them) for ``module``."""
    spec = importlib.util.spec_from_file_location("ci_mutation", ROOT / ".ci" / "mutation.py")
    ci = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ci)
    return ci.selection(module)


def constants(module: str = "check"):
    """(file, line number, name, value text) of every tunable module constant."""
    found = []
    for path in sorted(ROOT.glob(_selection(module)[0])):
        for n, line in enumerate(path.read_text().splitlines()):
            m = ASSIGN.match(line)
            if not m:
                continue
            rhs = m.group(2)
            if _scaled(rhs, 1.0) is not None:
                found.append((path.relative_to(ROOT), n, m.group(1), rhs))
    return found


def _scaled(rhs: str, factor: float) -> str | None:
    """``rhs`` with its number(s) scaled by ``factor`` (ints stay ints), else None."""
    prod = re.fullmatch(r"([0-9.e+-]+) \* ([A-Z_]+)", rhs)
    if prod:
        return f"{_num(float(prod.group(1)), factor)} * {prod.group(2)}"
    try:
        value = ast.literal_eval(rhs)
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | tuple):
        return None
    if isinstance(value, tuple):
        if not value or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                for v in value):
            return None
        return "(" + ", ".join(_num(v, factor) for v in value) + ("," if len(value) == 1
                                                                   else "") + ")"
    return _num(value, factor)


def _num(v, factor):
    if isinstance(v, int):
        return str(max(1, round(v * factor)) if v > 0 else round(v * factor))
    return repr(v * factor)


def run_variant(work: Path, path: Path, n: int, new_rhs: str, original: str,
                tests: list[str]) -> bool:
    """Patch one line, run the tests; True when they fail (the variant is killed)."""
    target = work / path
    lines = original.splitlines(keepends=True)
    m = ASSIGN.match(lines[n].rstrip("\n"))
    lines[n] = f"{m.group(1)} = {new_rhs}{m.group(3) or ''}\n"
    target.write_text("".join(lines))
    try:
        env = {**os.environ, "PYTHONPATH": str(work), "CI": "true"}
        proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p",
                               "no:cacheprovider", *tests], cwd=work, env=env,
                              capture_output=True, text=True)
        return proc.returncode != 0
    finally:
        target.write_text(original)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="constant names")
    parser.add_argument("--module", nargs="*", default=["check"],
                        help="check (gradlab/check/, the default) or core modules")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "repo"
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(
            ".git", ".venv", "mutants", ".hypothesis", "__pycache__", ".benchmarks"))
        rows, survivors = [], []
        found = [(c, _selection(module)[1]) for module in args.module for c in constants(module)]
        for (path, n, name, rhs), tests in found:
            if args.only and name not in args.only:
                continue
            original = (work / path).read_text()
            for label, factor in (("x0.5", 0.5), ("x2", 2.0)):
                new = _scaled(rhs, factor)
                if new == rhs:
                    continue
                killed = run_variant(work, path, n, new, original, tests)
                rows.append((f"{path.name}:{name}", label, rhs, new, killed))
                if not killed:
                    survivors.append(rows[-1])
                print(f"{'killed  ' if killed else 'SURVIVED'} {path.name}:{name} {rhs} -> "
                      f"{new}", flush=True)
    print(f"\n{len(rows) - len(survivors)} of {len(rows)} constant variants killed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
