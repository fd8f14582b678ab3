"""Mutation testing (mutmut 3.x) of the core modules and the checker, each against its own tests.

    .venv/bin/pip install -e ".[mutation]"
    CI=true .venv/bin/python .ci/mutation.py [module ...]      # default: the five core modules
    CI=true .venv/bin/python .ci/mutation.py check --sample 200 --seed 1 --record run.json
    CI=true .venv/bin/python .ci/mutation.py check --rerun-survivors --record run.json

``module`` is one of ``functions``, ``numerical``, ``descent``, ``nets``, ``_validation`` (each
mutated alone, against the test files in ``OWN_TESTS``) or ``check`` (the ``gradlab/check/``
package, against the selection in pyproject's ``[tool.mutmut]``, the one home of that list).

For each module, a copy of the working tree goes to $MUTATION_DIR/<module> (default
/tmp/gradlab-mutation), its pyproject's ``[tool.mutmut]`` section is replaced by one that
mutates that module (operators, comparisons, constants and strings included: mutmut's
defaults) and selects its tests, and ``mutmut run`` executes there under ``nice -n 10``, with
the hypothesis profile ``mutation`` (the ``ci`` profile's examples, without shrinking).
``--sample N`` runs a uniform random sample of N of the generated mutants (``--seed``), for a
package too large to run whole; the score is then given with a 95% Wilson interval.
``--resume`` keeps an earlier copy (its tests and results) and runs what is not yet checked.
``--rerun-survivors`` runs the survivors listed in ``--record`` again in a fresh copy of
today's tree (with the tests written since) and adds the score after them to the record.
The script runs mutmut under ``nice -n 10`` itself: do not wrap it in another ``nice``.

The counts are printed per module and written to ``--record`` (JSON, small: counts and the
surviving mutants' names); ``cd $MUTATION_DIR/<module> && mutmut show NAME`` shows a
survivor. Survivors were then read one by one; which are equivalent, and why, is in
.ci/mutation-record.json's ``equivalent`` notes and the README's Development section.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHERE = Path(os.environ.get("MUTATION_DIR", "/tmp/gradlab-mutation"))

OWN_TESTS = {
    "functions": ["tests/test_functions.py", "tests/test_hostile_functions.py",
                  "tests/test_killers_functions.py"],
    "numerical": ["tests/test_numerical.py", "tests/test_hostile_numerical.py",
                  "tests/test_killers_numerical.py"],
    "descent": ["tests/test_descent.py", "tests/test_hostile_numerical.py",
                "tests/test_killers_descent.py"],
    "nets": ["tests/test_nets.py", "tests/test_hostile_nets.py", "tests/test_killers_nets.py"],
    "_validation": ["tests/test_validation.py", "tests/test_killers_validation.py"],
}
CORE = list(OWN_TESTS)

DESELECT = [
    # asserts which file a warning names; mutmut's trampolines add frames outside gradlab,
    # so under mutmut it names the trampoline: an artefact of the tool, not a mutant
    "tests/test_numerical.py::test_precision_warning_points_at_the_user_even_from_inside_gradlab",
]

# mutmut's exit codes (mutmut.stats.status_by_exit_code), counted as mutmut counts them
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no_tests", 33: "no_tests",
          34: "skipped", 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout",
          255: "timeout", -11: "segfault", -9: "segfault", None: "not_checked"}


def selection(module: str) -> tuple[str, list[str]]:
    """(the glob mutmut mutates, the test files that judge it)."""
    if module == "check":
        config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
        return "gradlab/check/*", list(config["pytest_add_cli_args_test_selection"])
    tests = [t for t in OWN_TESTS[module] if (ROOT / t).exists()]
    return f"gradlab/{module}.py", tests


def prepare(module: str, target: Path | None = None) -> Path:
    """A fresh copy of the tracked and untracked-but-not-ignored files, configured."""
    target = target or WHERE / module
    shutil.rmtree(target, ignore_errors=True)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True, text=True).stdout.split("\n")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    configure(target, module)
    return target


# Tests whose collection imports nothing that starts threads (JAX does: a fork of a process
# that has imported it deadlocks) let the fork server collect them once; the others get a
# fork server that has imported only these, and each worker imports the rest itself.
COLLECT_SAFE = {"_validation", "descent"}
PRELOAD = ["numpy", "pytest", "hypothesis", "hypothesis.extra.numpy", "gradlab",
           "gradlab.functions", "gradlab.numerical", "gradlab.nets", "gradlab.descent",
           "gradlab.check", "gradlab.strategies"]


def configure(target: Path, module: str) -> None:
    """Write the copy's [tool.mutmut] (replacing the repository's) and its tests."""
    for test in (ROOT / "tests").rglob("*.py"):  # a resumed copy gets today's tests
        shutil.copy2(test, target / test.relative_to(ROOT))
    mutate, tests = selection(module)
    preload = target / "mutmut-preload.txt"
    preload.write_text("\n".join(PRELOAD) + "\n")
    warmup = ('forkserver_warmup = "collect"\n' if module in COLLECT_SAFE else
              f'forkserver_warmup = "import"\npreload_modules_file = "{preload}"\n')
    config = (
        "[tool.mutmut]\n"
        'source_paths = ["gradlab"]\n'
        f"only_mutate = {json.dumps([mutate])}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        f"pytest_add_cli_args = {json.dumps([a for t in DESELECT for a in ('--deselect', t)])}\n"
        'process_isolation = "forkserver"\n' + warmup
    )
    pyproject = target / "pyproject.toml"
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", pyproject.read_text())
    pyproject.write_text(text.rstrip("\n") + "\n\n" + config)


def exit_codes(target: Path) -> dict[str, int | None]:
    """Every generated mutant's name and mutmut's exit code for it (None: not run)."""
    codes: dict[str, int | None] = {}
    for meta in sorted((target / "mutants").rglob("*.meta")):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def mutmut(target: Path, *args: str, nice: bool = True, check: bool = True, quiet: bool = True):
    env = dict(os.environ, CI="true", MPLBACKEND="Agg", HYPOTHESIS_PROFILE="mutation")
    command = [sys.executable, "-m", "mutmut", *args]
    if nice:
        command = ["nice", "-n", "10", *command]
    return subprocess.run(command, cwd=target, env=env, check=check,
                          stdout=subprocess.DEVNULL if quiet else None)


def rerun(module: str, children: int, survivors: list[str], resume: bool) -> dict:
    """The first run's survivors again, in a fresh copy of today's tree (new tests included):
    a changed test selection makes mutmut drop every cached result, so the first run's copy
    is left as it was. ``resume`` reuses that second copy, running only what it lacks."""
    target = WHERE / f"{module}-after"
    if not (resume and (target / "mutants").exists()):
        target = prepare(module, target)
    done = exit_codes(target)
    todo = [n for n in survivors if done.get(n) is None]
    if todo:
        mutmut(target, "run", "--max-children", str(children), *todo)
    codes = {k: v for k, v in exit_codes(target).items() if k in set(survivors)}
    return summarise(module, codes, generated=len(exit_codes(target)), sample=None, seed=0)


def run(module: str, children: int, sample: int | None, seed: int, resume: bool,
        report_only: bool = False) -> dict:
    target = WHERE / module
    if not ((resume or report_only) and (target / "mutants").exists()):
        target = prepare(module)  # (a resumed copy keeps its tests: new ones would reset it)
    names: list[str] = []
    if sample is not None:
        if not exit_codes(target):
            # generate the mutants and collect which tests cover what, run none: a pattern
            # that matches no mutant makes mutmut stop right after generation
            mutmut(target, "run", "--max-children", str(children), "no-such-mutant-*",
                   check=False)
        # the first N of one random permutation: a larger N later extends the same sample
        names = sorted(exit_codes(target))
        random.Random(seed).shuffle(names)
        names = names[:sample]
    codes = exit_codes(target)
    todo = [n for n in names if codes[n] is None]
    if not report_only and (todo or not names):
        mutmut(target, "run", "--max-children", str(children), *sorted(todo))
    codes = exit_codes(target)
    if names:
        codes = {k: codes[k] for k in names}
    return summarise(module, codes, generated=len(exit_codes(target)), sample=sample, seed=seed)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def summarise(module: str, codes: dict, *, generated: int, sample: int | None, seed: int):
    counts: dict[str, int] = {}
    for code in codes.values():
        status = STATUS.get(code, "suspicious")
        counts[status] = counts.get(status, 0) + 1
    killed = counts.get("killed", 0) + counts.get("timeout", 0) + counts.get("segfault", 0)
    # a mutant that no selected test runs survives too: it counts against the score
    scored = killed + sum(counts.get(k, 0) for k in ("survived", "no_tests", "suspicious"))
    low, high = wilson(killed, scored)
    return {
        "module": module, "generated": generated, "run": len(codes),
        "sample": {"size": sample, "seed": seed} if sample is not None else None,
        "counts": counts, "killed_incl_timeout": killed, "scored": scored,
        "score": round(killed / max(scored, 1), 4), "wilson95": [round(low, 4), round(high, 4)],
        "survivors": sorted(k for k, c in codes.items() if STATUS.get(c, "suspicious")
                            in ("survived", "no_tests", "suspicious")),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", choices=[*CORE, "check"], default=None)
    parser.add_argument("--max-children", type=int, default=1,
                        help="parallel mutmut workers (default 1: the machine is shared)")
    parser.add_argument("--sample", type=int, default=None, help="run N random mutants")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed")
    parser.add_argument("--resume", action="store_true", help="keep an earlier copy's results")
    parser.add_argument("--report-only", action="store_true",
                        help="summarise an earlier copy's results, run nothing")
    parser.add_argument("--record", type=Path, default=None,
                        help="write the summaries (JSON) to this file, merged by module")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="run the survivors listed in --record again, in a fresh copy")
    args = parser.parse_args(argv)
    if args.rerun_survivors:
        record = json.loads(args.record.read_text())
        for module in args.modules or CORE:
            after = rerun(module, args.max_children, record[module]["survivors"],
                          args.resume)
            first = record[module]
            killed = first["killed_incl_timeout"] + after["killed_incl_timeout"]
            first["after"] = {"rerun": after["run"], "killed": after["killed_incl_timeout"],
                              "survivors": after["survivors"], "score": round(
                                  killed / max(first["scored"], 1), 4),
                              "wilson95": [round(b, 4) for b in wilson(killed, first["scored"])]}
            print(f"{module}: after the new tests {killed}/{first['scored']} killed "
                  f"({100 * first['after']['score']:.1f}%); still surviving: "
                  f"{len(after['survivors'])}", flush=True)
            args.record.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        return
    for module in args.modules or CORE:
        stats = run(module, args.max_children, args.sample, args.seed, args.resume,
                    args.report_only)
        c = stats["counts"]
        print(f"{module}: {stats['killed_incl_timeout']}/{stats['scored']} killed "
              f"({100 * stats['score']:.1f}%, 95% CI {100 * stats['wilson95'][0]:.1f}-"
              f"{100 * stats['wilson95'][1]:.1f}%), {c.get('survived', 0)} survived, "
              f"{c.get('timeout', 0)} timeout, {c.get('no_tests', 0)} without tests; "
              f"{stats['run']} run of {stats['generated']} generated", flush=True)
        if args.record:
            record = json.loads(args.record.read_text()) if args.record.exists() else {}
            record[module] = {**record.get(module, {}), **stats}
            args.record.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
