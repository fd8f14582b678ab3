"""Mutation testing (mutmut 3.x) of the core modules, each against its own tests only.

    .venv/bin/pip install "mutmut>=3,<4"
    CI=true .venv/bin/python .ci/mutation.py [module ...]      # default: all five

For each module, a copy of the working tree goes to $MUTATION_DIR/<module> (default
/tmp/gradlab-mutation), its pyproject gets a [tool.mutmut] section that mutates that one
file (operators, comparisons, constants and strings included: mutmut's defaults) and
selects that module's test files, and ``mutmut run`` executes there under ``nice``, with
the hypothesis profile ``mutation`` (the ``ci`` profile's examples, without shrinking). The
counts are printed per module; ``cd $MUTATION_DIR/<module> && mutmut show NAME`` shows a
surviving mutant. Surviving mutants were then read one by one: see the survivors' list in
the report of issue 13 for which are equivalent and why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHERE = Path(os.environ.get("MUTATION_DIR", "/tmp/gradlab-mutation"))

OWN_TESTS = {
    "functions": ["tests/test_functions.py", "tests/test_hostile_functions.py"],
    "numerical": ["tests/test_numerical.py", "tests/test_hostile_numerical.py"],
    "descent": ["tests/test_descent.py", "tests/test_hostile_numerical.py"],
    "nets": ["tests/test_nets.py", "tests/test_hostile_nets.py"],
    "_validation": ["tests/test_validation.py"],
}

DESELECT = [
    # asserts which file a warning names; mutmut's trampolines add frames outside gradlab,
    # so under mutmut it names the trampoline: an artefact of the tool, not a mutant
    "tests/test_numerical.py::test_precision_warning_points_at_the_user_even_from_inside_gradlab",
]


def prepare(module: str) -> Path:
    """A fresh copy of the tracked and untracked-but-not-ignored files, configured."""
    target = WHERE / module
    shutil.rmtree(target, ignore_errors=True)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True, text=True).stdout.split("\n")
    for name in filter(None, files):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    config = (
        "\n[tool.mutmut]\n"
        'source_paths = ["gradlab"]\n'
        f'only_mutate = ["gradlab/{module}.py"]\n'
        f"pytest_add_cli_args_test_selection = {json.dumps(OWN_TESTS[module])}\n"
        f"pytest_add_cli_args = {json.dumps([a for t in DESELECT for a in ('--deselect', t)])}\n"
        # the tests import JAX, whose threads make a fork of a process that has imported it
        # deadlock: fork from a server that has imported nothing, each worker imports itself
        'process_isolation = "forkserver"\n'
        'forkserver_warmup = "none"\n'
    )
    with (target / "pyproject.toml").open("a") as fh:
        fh.write(config)
    return target


def run(module: str) -> dict:
    target = prepare(module)
    env = dict(os.environ, CI="true", MPLBACKEND="Agg", HYPOTHESIS_PROFILE="mutation")
    mutmut = [sys.executable, "-m", "mutmut"]
    subprocess.run(["nice", "-n", "10", *mutmut, "run", "--max-children", "2"], cwd=target,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*mutmut, "export-cicd-stats"], cwd=target, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return json.loads((target / "mutants" / "mutmut-cicd-stats.json").read_text())


def main(modules: list[str]) -> None:
    for module in modules or list(OWN_TESTS):
        stats = run(module)
        scored = stats["killed"] + stats["survived"] + stats["timeout"] + stats["suspicious"]
        killed = stats["killed"] + stats["timeout"]
        print(f"{module}: {killed}/{scored} killed ({100 * killed / max(scored, 1):.1f}%), "
              f"{stats['survived']} survived, {stats['no_tests']} without tests, "
              f"{stats['suspicious']} suspicious", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
