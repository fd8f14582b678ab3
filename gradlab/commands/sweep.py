"""``gradlab sweep``: derivative error against the step h, and the V-curve plot."""

from __future__ import annotations

import argparse
import sys

from ..sweep import DTYPES, FUNCTIONS
from .options import output_file, plot_file, seed

DESCRIPTION = """\
Measure how the error of a finite-difference derivative depends on the step
h, for forward, central, Richardson and complex-step differences, against the
exact derivative from JAX (float64). Large h: truncation error; small h: the
subtraction f(x+h) - f(x-h) loses eps*|f|/h to rounding. Their sum is the
V-curve. It shows why the book's h = 1e-4 is fine in float64 (central error
~1e-9) but costs ~1e-3 relative error in float32, and that the complex step
has no V at all.

The error is the root-mean-square over the sample points of
|numeric - exact| / |gradient|. The table lists, per dtype and method, the
best measured h, the error there, the error at h = 1e-4 and the model
optimum (eps^(1/2) forward, eps^(1/3) central, eps^(1/5) Richardson).

refused (exit 2, before anything runs): a --seed below 0 (NumPy seeds are
non-negative), --plot and --json paths whose folder is missing or that are
directories, and a --plot without an extension matplotlib writes.

exit status: 0 done, 2 usage error."""

EPILOG = """\
examples:
  gradlab sweep
  gradlab sweep --function two-layer-net --plot docs/vcurve.png
  gradlab sweep --function softmax-ce --dtype float32 --json sweep.json"""


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sweep", help="derivative error vs step h (the V-curve)",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--function", default="sigmoid",
                        choices=FUNCTIONS,
                        help="sigmoid at 16 points (default); softmax + cross-entropy or the "
                             "TwoLayerNet loss along 8 random unit directions")
    parser.add_argument("--dtype", nargs="+", default=["float64", "float32"],
                        choices=DTYPES, dest="dtypes",
                        help="precision(s) to evaluate the function in (default both)")
    parser.add_argument("--seed", type=seed("--seed"), default=0,
                        help="seed of the sample points and directions (default 0)")
    parser.add_argument("--plot", metavar="FILE", type=plot_file("--plot"),
                        help="save the log-log V-curves (.png, .svg, .pdf, ...)")
    parser.add_argument("--json", metavar="FILE", type=output_file("--json", allow_stdout=True),
                        help="write steps, errors and the table as JSON ('-': stdout, the "
                             "table then goes to stderr)")
    parser.set_defaults(handler=run)
    return parser


def run(args) -> int:
    from gradlab.report import format_table, write_json
    from gradlab.sweep import sweep

    result = sweep(args.function, dtypes=list(dict.fromkeys(args.dtypes)), seed=args.seed)
    out = sys.stderr if args.json == "-" else sys.stdout  # keep stdout pure JSON
    print(f"derivative error of {args.function} against the step h "
          f"({result.hs[0]:.0e} .. {result.hs[-1]:.0e}, {len(result.hs)} steps)", file=out)
    print(format_table(result.table(), ["dtype", "method", "best h", "error there",
                                        "error at h=1e-4", "model h"]), file=out)
    try:
        if args.json:
            write_json(args.json, result.to_dict())
        if args.plot:
            from gradlab.plot import plot_sweep

            plot_sweep(result).savefig(args.plot, dpi=100)
    except OSError as exc:
        print(f"gradlab sweep: error: cannot write output: {exc}", file=sys.stderr)
        return 2
    return 0
