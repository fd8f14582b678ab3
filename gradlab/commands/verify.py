"""``gradlab verify``: run the conformance suite on gradlab or on a learner's code.

    gradlab verify                       # gradlab itself
    gradlab verify path/to/repo          # a folder laid out like the book's repository, or not
    gradlab verify my_functions.py       # one file
    gradlab verify mypackage.module      # an importable module
    gradlab verify submissions/*/ --jobs 2 --summary-csv class.csv     # a class
    gradlab verify code/ --junit report.xml --format github            # in CI
"""

from __future__ import annotations

import argparse
import sys

CLI_NAMES = {"jobs": "--jobs", "examples": "--examples", "timeout": "--timeout",
             "target_timeout": "--target-timeout", "executor": "--executor",
             "scheduler": "--scheduler"}
"""The options' names in messages (the checks are shared with ``gradlab.verify``)."""


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
    reports = parser.add_argument_group("reports for CI and courses")
    reports.add_argument("--format", default="text", metavar="FORMAT",
                         help="{text,github,gradescope}: what goes to stdout: the report "
                              "(text, in colour on a "
                              "terminal unless NO_COLOR is set), GitHub Actions annotations "
                              "after it (github), or a Gradescope results.json (gradescope; "
                              "the report then goes to stderr)")
    reports.add_argument("--junit", metavar="FILE", help="write JUnit XML (a test per check)")
    many = parser.add_argument_group("many targets (a class of submissions)")
    many.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                      help="targets checked at once, each by a judge process (default 1)")
    many.add_argument("--target-timeout", type=float, default=None, metavar="SECONDS",
                      help="wall-clock limit per target; past it the target is one error "
                           "row (default 900 with several targets, none for one)")
    many.add_argument("--summary-csv", metavar="FILE",
                      help="write the summary (a row per target, a column per book name)")
    many.add_argument("--executor", default="process", metavar="{process,dask}",
                      help="run the judges in a local process pool (default) or on dask")
    many.add_argument("--scheduler", metavar="ADDRESS",
                      help="a running dask scheduler (implies --executor dask; the targets "
                           "must be at the same paths on its workers)")
    # debugging only: measure what the sandbox ("process": an executor without it) and the
    # executor ("inline": the target's code in verify's own process) cost
    parser.add_argument("--isolation", choices=("sandbox", "process", "inline"),
                        default="sandbox", help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)
    return parser


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds: every executor is stopped on the way out


def _check_args(args):
    """The jobs and options of ``args``, or ValueError saying what is wrong."""
    from gradlab.conformance.api import jobs_for
    from gradlab.conformance.formats import FORMATS
    from gradlab.conformance.options import check_options, writable_file

    if args.format not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got "
                         f"{args.format!r}")

    opts = check_options(names=CLI_NAMES, quick=args.quick, examples=args.examples,
                         timeout=args.timeout, require_sandbox=args.require_sandbox,
                         isolation=args.isolation, jobs=args.jobs, executor=args.executor,
                         scheduler=args.scheduler, target_timeout=args.target_timeout)
    for option, path in (("--junit", args.junit), ("--summary-csv", args.summary_csv),
                         ("--json", None if args.json == "-" else args.json)):
        if path is not None:
            writable_file(path, option)
    if args.format == "gradescope" and args.json == "-":
        raise ValueError("--format gradescope and --json - both write to stdout: give "
                         "--json a file name")
    return jobs_for(args.targets or [None], opts, []), opts


def run(args) -> int:
    try:
        jobs, opts = _check_args(args)
    except ValueError as exc:
        print(f"gradlab verify: error: {exc}", file=sys.stderr)
        return 2
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    from gradlab.conformance.report import exit_code

    if len(jobs) == 1 and not opts.parallel and args.target_timeout is None:
        from gradlab.conformance.batch import check_one
        from gradlab.conformance.oracle import enable_compilation_cache

        enable_compilation_cache()  # the judge compiles the oracle: keep it between runs
        results = [check_one(jobs[0])]
    else:
        from gradlab.conformance.many import DEFAULT_TARGET_TIMEOUT, check_many

        limit = args.target_timeout or DEFAULT_TARGET_TIMEOUT
        results = check_many(jobs, workers=opts.jobs, executor=opts.executor,
                             scheduler=opts.scheduler, target_timeout=limit,
                             on_result=_progress if len(jobs) > 1 else None)
    _write(results, args)
    return exit_code([r for result in results for r in result.records])


def _progress(done: int, total: int, result) -> None:
    from gradlab.conformance.report import exit_code

    verdict = "ok" if exit_code(result.records) == 0 else "FAIL"
    print(f"[{done}/{total}] {result.label}: {verdict} ({result.seconds:.1f} s)",
          file=sys.stderr, flush=True)


def _write(results, args) -> None:
    """The report on stdout (or stderr when stdout carries JSON), and the files asked for."""
    from gradlab.conformance.formats.terminal import print_report, use_colour
    from gradlab.conformance.report import format_report, json_records

    records = [r for result in results for r in result.records]
    out = sys.stderr if args.json == "-" or args.format == "gradescope" else sys.stdout
    if use_colour(out):
        print_report(results, verbose=args.verbose, file=out)
    else:
        print(format_report(records, verbose=args.verbose), file=out)
        if len(results) > 1:
            from gradlab.conformance.formats.summary import format_summary

            print("\n" + format_summary(results), file=out)
    if args.format == "github":
        from gradlab.conformance.formats.github import to_github

        annotations = to_github(results)
        if annotations:
            print(annotations)
    elif args.format == "gradescope":
        import json

        from gradlab.conformance.formats.gradescope import to_gradescope

        print(json.dumps(to_gradescope(results), indent=1))
    if args.junit:
        from gradlab.conformance.formats.junit import write_junit

        write_junit(args.junit, results)
    if args.summary_csv:
        from gradlab.conformance.formats.summary import write_summary_csv

        write_summary_csv(args.summary_csv, results)
    if args.json:
        from gradlab.report import write_json

        write_json(args.json, json_records(records))
