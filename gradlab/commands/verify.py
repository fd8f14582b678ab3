"""``gradlab verify``: run the conformance suite on gradlab or on a learner's code.

    gradlab verify                       # gradlab itself
    gradlab verify path/to/repo          # a folder laid out like the book's repository, or not
    gradlab verify my_functions.py       # one file
    gradlab verify mypackage.module      # an importable module
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "verify", help="check an implementation of the book's chapter 4 against JAX",
        description="Run the conformance checks against gradlab (no TARGET) or against "
                    "book-style code: a .py file, a folder, or an importable module. "
                    "Exit 0 if nothing fails (warnings allowed), 1 if a check fails, 2 on "
                    "usage errors.")
    parser.add_argument("targets", nargs="*", metavar="TARGET",
                        help=".py file, notebook (.ipynb), folder, or importable module "
                             "(default: gradlab)")
    parser.add_argument("--json", metavar="FILE", help="write the records as JSON ('-': stdout)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="show counterexamples, the checker's report and what was skipped")
    parser.add_argument("--quick", action="store_true",
                        help="fixed inputs only, no hypothesis search (seconds)")
    parser.add_argument("--examples", type=int, default=None, metavar="N",
                        help="hypothesis examples per search (default 20)")
    parser.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS",
                        help="time limit of one call into the checked code (default 15)")
    parser.add_argument("--require-sandbox", action="store_true",
                        help="refuse to check a target unless every protection of the OS "
                             "sandbox is in force (for graders)")
    # debugging only: measure what the sandbox ("process": an executor without it) and the
    # executor ("inline": the target's code in verify's own process) cost
    parser.add_argument("--isolation", choices=("sandbox", "process", "inline"),
                        default="sandbox", help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)
    return parser


def _resolve(target: str):
    """``(kind, path or name)`` for a TARGET, or raise ValueError with the reason."""
    from gradlab.conformance.loading import resolve_target

    return resolve_target(target)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds: every executor is stopped on the way out


def run(args) -> int:
    try:
        resolved = [_resolve(t) for t in args.targets]
        if args.examples is not None and args.examples < 0:
            raise ValueError("--examples must be >= 0")
        if args.timeout <= 0:
            raise ValueError("--timeout must be positive")
    except ValueError as exc:
        print(f"gradlab verify: error: {exc}", file=sys.stderr)
        return 2
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    from gradlab.conformance.oracle import enable_compilation_cache
    from gradlab.conformance.report import exit_code, format_report, json_records
    from gradlab.conformance.runner import run_target

    enable_compilation_cache()  # the judge compiles the oracle: keep it between runs
    options = dict(quick=args.quick, examples=args.examples, timeout=args.timeout,
                   isolation=args.isolation, require_sandbox=args.require_sandbox)
    targets = resolved or [("module", "gradlab")]
    labels = args.targets or ["gradlab"]
    records = []
    for (kind, where), label in zip(targets, labels, strict=True):
        records += run_target(kind, where, label, **options)
    # with --json -, stdout carries the JSON alone and the table goes to stderr
    out = sys.stderr if args.json == "-" else sys.stdout
    print(format_report(records, verbose=args.verbose), file=out)
    if args.json:
        from gradlab.report import write_json

        write_json(args.json, json_records(records))
    return exit_code(records)
