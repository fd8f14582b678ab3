"""``gradlab bench``: time the ways to get TwoLayerNet's gradient, side by side."""

from __future__ import annotations

import argparse
import sys

from .._validation import check_memory, nonnegative_finite, one_of, positive_int
from ..bench import MIN_TIME, QUICK_MIN_TIME
from ..errors import GradlabError
from .options import number, output_file, plot_file, positive_count

EPILOG = """\
ratios: 'x book' = book loop time / this time (higher is faster); '/2P fwd' = this
time / (2P x one forward pass): 1.0 means 'costs exactly 2P forwards'. 'diff' = max
|g - g_loop| / max |g_loop| against gradlab's loop at the same size. Absolute times
vary from machine to machine and from run to run; the ratios are what to compare.

refused (exit 2, before anything runs): sizes that are not HIDDENxBATCH with whole
numbers >= 1, unknown methods, --threads or --rounds below 1, a negative or
infinite --min-time, a --json or --plot path whose folder is missing or that is a
directory, and a --plot extension matplotlib cannot write.
"""


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "bench", help="benchmark numerical gradients of TwoLayerNet",
        description="Time the book's loop, gradlab's loop, one forward pass, the structured "
        "finite differences (NumPy, JAX), backprop and jax.grad on TwoLayerNet, in one "
        "process with pinned threads.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="small nets (input 64), a run of seconds")
    parser.add_argument("--sizes", metavar="HxN", type=_parse_sizes,
                        help="comma-separated hidden x batch sizes, e.g. 50x100,10x100 "
                        "(default: hidden 10/25/50/100 at N=100, N 1/10 at hidden 50; input "
                        "784, output 10)")
    parser.add_argument("--methods", metavar="M", type=_parse_methods,
                        help="comma-separated subset of: book loop, numerical_gradient, "
                        "forward, structured, structured-jax, parallel loop, backprop, jax.grad "
                        "(default: all but parallel loop)")
    parser.add_argument("--threads", type=positive_count("--threads"), default=1,
                        help="BLAS/XLA threads (default 1: stable ratios on a shared machine)")
    parser.add_argument("--min-time", type=number(nonnegative_finite, "--min-time"),
                        default=None, metavar="S",
                        help=f"repeat each method until S seconds have passed (default "
                        f"{MIN_TIME:g}, quick {QUICK_MIN_TIME:g}); the median is reported")
    parser.add_argument("--rounds", type=positive_count("--rounds"), default=1, metavar="R",
                        help="time every method R times, interleaved (default 1; the loops "
                        "take ~2P forwards each: 40 s at 784-50-10, N=100, one thread)")
    parser.add_argument("--json", metavar="FILE", type=output_file("--json", allow_stdout=True),
                        help="write the records as JSON ('-': stdout)")
    parser.add_argument("--plot", metavar="FILE", type=plot_file("--plot"),
                        help="save time against P (log-log) to FILE (.png, .svg, .pdf, ...)")
    parser.set_defaults(handler=run)
    return parser


def _parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for item in text.split(","):
        parts = item.strip().lower().split("x")
        try:
            if len(parts) != 2:
                raise ValueError
            sizes.append((positive_int(int(parts[0]), "hidden"), positive_int(int(parts[1]),
                                                                               "batch")))
        except (ValueError, GradlabError):
            raise argparse.ArgumentTypeError(
                f"{item!r} is not HIDDENxBATCH with whole numbers >= 1, e.g. 50x100.") from None
    return sizes


def _parse_methods(text: str) -> list[str]:
    from ..bench import METHODS

    try:
        return [one_of(m.strip(), tuple(METHODS), "--methods") for m in text.split(",")]
    except GradlabError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--methods ")) from None


def _rows(records):
    return [[r["size"], r["batch"], r["P"], r["method"], r["median"], len(r["times"]),
             None if r["spread"] is None else f"{100 * r['spread']:.0f}%",
             r["ratio_book"], r["ratio_2pf"], r["max_rel_diff"]] for r in records]


def run(args) -> int:
    from .. import bench
    from ..report import format_table, write_json

    sizes = args.sizes or (bench.QUICK_SIZES if args.quick else bench.FULL_SIZES)
    methods = args.methods or bench.DEFAULT_METHODS
    n_in = bench.QUICK_INPUT if args.quick else bench.INPUT_SIZE
    for hidden, batch in sizes:  # before the first timing, not when the big size comes up
        check_memory(8 * ((n_in + 1) * hidden + (hidden + 1) * bench.OUTPUT_SIZE + batch * n_in),
                     f"--sizes {hidden}x{batch}")
    min_time = args.min_time if args.min_time is not None else (
        bench.QUICK_MIN_TIME if args.quick else bench.MIN_TIME)
    with bench.pin_threads(args.threads):
        records = bench.run_bench(
            sizes, methods, input_size=n_in,
            min_time=min_time, rounds=args.rounds, progress=sys.stderr.isatty())
    print(f"threads: {args.threads} (BLAS via threadpoolctl"
          f"{', XLA' if args.threads == 1 else ''}); float64; times in seconds")
    print(format_table(_rows(records), ["net", "N", "P", "method", "median", "runs", "spread",
                                        "x book", "/2P fwd", "diff"], align="lrrlrrrrrr"))
    slopes = []
    for method in dict.fromkeys(r["method"] for r in records):
        s_p, s_n = bench.fit_slope(records, method, "P"), bench.fit_slope(records, method,
                                                                           "batch")
        if s_p is not None or s_n is not None:
            slopes.append([method, s_p, s_n])
    if slopes:
        print("\nfitted log-log slopes of time")
        print(format_table(slopes, ["method", "vs P", "vs N"], align="lrr"))
    try:
        if args.json:
            write_json(args.json, {"threads": args.threads, "rounds": args.rounds,
                                   "records": records,
                                   "slopes": {m: {"P": p, "N": n} for m, p, n in slopes}})
        if args.plot:
            from ..plot import plot_bench

            plot_bench(records).savefig(args.plot, dpi=120)
    except OSError as exc:
        print(f"gradlab bench: error: cannot write output: {exc}", file=sys.stderr)
        return 2
    return 0
