"""``gradlab train``: the book's mini-batch SGD on offline digits or local MNIST files."""

from __future__ import annotations

import argparse
import math
import sys

from .._validation import nonnegative_finite, positive_finite
from ..training import BATCH_SIZE, GRADIENTS, ITERS_NUM, LEARNING_RATE
from .options import number, output_file, plot_file, positive_count, seed

DESCRIPTION = """\
Train the chapter-4 TwoLayerNet (sigmoid hidden layer, softmax output) by
mini-batch SGD, as in section 4.5 of 'Deep Learning from Scratch', and print
loss and accuracy per epoch. Nothing is downloaded: the default data are the
1797 8x8 digits bundled with scikit-learn (80/20 stratified split); pass
--data PATH for MNIST files you already have. The defaults reach about 97%
test accuracy in a few seconds.

refused (exit 2, before training starts): sizes, --batch-size, --iterations,
--threads and --every that are not whole numbers >= 1; a --learning-rate that is
not positive and finite; a negative or infinite --weight-init-std; a --seed below 0
(NumPy seeds are non-negative); --plot and --json paths whose folder is missing or
that are directories, and a --plot without an extension matplotlib writes (it
would silently write FILE.png); data files that are missing, truncated or hold
pixels outside 0..255 or labels outside 0..9.

exit status: 0 trained, 1 training diverged (learning rate too large),
2 usage error (bad option, missing or broken data file)."""

EPILOG = """\
examples:
  gradlab train
  gradlab train --plot docs/training.png --json train.json
  gradlab train --data ~/mnist --hidden-size 50 --learning-rate 0.1 --iterations 10000
  gradlab train --gradient numerical --hidden-size 5 --iterations 20"""


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train", help="train TwoLayerNet by mini-batch SGD on offline data",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    data = parser.add_argument_group("data and model")
    data.add_argument("--data", default="digits", metavar="digits|PATH",
                      help="'digits' (default, scikit-learn's bundled 8x8 digits) or a local "
                           "MNIST directory of IDX files (.gz or not) or the book's mnist.pkl")
    data.add_argument("--hidden-size", type=positive_count("--hidden-size"), default=50,
                      metavar="N",
                      help="hidden units (default 50, as in the book)")
    data.add_argument("--weight-init-std", type=number(nonnegative_finite, "--weight-init-std"),
                      default=None, metavar="S",
                      help="std of the initial weights (default 1/sqrt(inputs): 0.125 for the "
                           "64-pixel digits; the book's 0.01 also trains, but its tiny first "
                           "layer leaves the net on a plateau: 11 epochs to pass 90%% test "
                           "accuracy instead of 6 (seed 0))")
    sgd = parser.add_argument_group("training")
    sgd.add_argument("--learning-rate", "--lr", type=number(positive_finite, "--learning-rate"),
                     default=LEARNING_RATE, metavar="LR",
                     help=f"SGD step size (default {LEARNING_RATE:g}; the book uses 0.1 on "
                          f"MNIST)")
    sgd.add_argument("--batch-size", type=positive_count("--batch-size"), default=BATCH_SIZE,
                     metavar="N",
                     help=f"samples per mini-batch (default {BATCH_SIZE})")
    sgd.add_argument("--iterations", type=positive_count("--iterations"), default=ITERS_NUM,
                     metavar="N",
                     help=f"number of updates (default {ITERS_NUM} = 80 epochs of the digits)")
    sgd.add_argument("--gradient", default="backprop",
                     choices=GRADIENTS,
                     help="backprop (default); numerical: the book's per-parameter loop, "
                          "2 loss evaluations per parameter per update, refused above 1e6 "
                          "evaluations unless --allow-slow; structured: the fast finite "
                          "differences of TwoLayerNet.numerical_gradient(method='structured')")
    sgd.add_argument("--allow-slow", action="store_true",
                     help="run --gradient numerical even when it would take very long")
    sgd.add_argument("--seed", type=seed("--seed"), default=0,
                     help="seed of the split, the initial weights and the batches (default 0)")
    sgd.add_argument("--threads", type=positive_count("--threads"), default=1, metavar="N",
                     help="BLAS threads (default 1: fastest for matrices this small)")
    out = parser.add_argument_group("output")
    out.add_argument("--plot", metavar="FILE", type=plot_file("--plot"),
                     help="save loss and accuracy curves (.png, .svg, .pdf, ...)")
    out.add_argument("--json", metavar="FILE", type=output_file("--json", allow_stdout=True),
                     help="write the full history as JSON ('-': stdout, the table then goes "
                          "to stderr)")
    out.add_argument("--every", type=positive_count("--every"), default=None, metavar="K",
                     help="print every K-th epoch (default: about 20 rows)")
    out.add_argument("--quiet", "-q", action="store_true",
                     help="no progress bar (it only shows on a terminal anyway)")
    parser.set_defaults(handler=run)
    return parser


def _load(spec: str, seed: int):
    from gradlab import data

    if spec == "digits":
        return "digits", data.load_digits(seed=seed)
    return spec, data.load_mnist(spec)


def _error(message: str) -> int:
    print(f"gradlab train: error: {message}", file=sys.stderr)
    return 2


def run(args) -> int:
    import warnings

    from threadpoolctl import threadpool_limits

    import gradlab as gl
    from gradlab.errors import DivergenceWarning
    from gradlab.report import format_table, write_json
    from gradlab.training import train

    try:
        name, ((x, t), (x_test, t_test)) = _load(args.data, args.seed)
    except (OSError, ValueError) as exc:
        return _error(f"--data: {exc}")
    inputs = x.shape[1]
    std = args.weight_init_std if args.weight_init_std is not None else 1 / math.sqrt(inputs)
    try:
        net = gl.TwoLayerNet(inputs, args.hidden_size, 10, weight_init_std=std, seed=args.seed)
        with threadpool_limits(limits=args.threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # reported below instead
            history = train(net, x, t, x_test, t_test, iters_num=args.iterations,
                            batch_size=args.batch_size, learning_rate=args.learning_rate,
                            gradient=args.gradient, seed=args.seed, quiet=args.quiet or None,
                            max_evaluations=None if args.allow_slow else
                            gl.training.NUMERICAL_MAX_EVALUATIONS)
    except ValueError as exc:
        hint = " On the command line: --allow-slow." if "max_evaluations" in str(exc) else ""
        return _error(f"{exc}{hint}")

    out = sys.stderr if args.json == "-" else sys.stdout  # keep stdout pure JSON
    print(f"TwoLayerNet {inputs}-{args.hidden_size}-10 on {name} ({len(x)} train, "
          f"{len(x_test)} test), {args.gradient}, lr {args.learning_rate:g}, batch "
          f"{args.batch_size}, {history.iters_per_epoch} iterations per epoch", file=out)
    rows = history.rows()
    every = args.every or max(1, math.ceil((len(rows) - 1) / 20))
    shown = [r for i, r in enumerate(rows) if i % every == 0 or i == len(rows) - 1]
    print(format_table(shown, ["epoch", "iteration", "loss", "train acc", "test acc"]), file=out)
    if every > 1:
        print(f"(every {every}th epoch shown; --every 1 or --json for all)", file=out)
    print(f"trained in {history.seconds:.2f} s; test accuracy {history.test_acc[-1]:.4f}",
          file=out)
    try:
        if args.json:
            write_json(args.json, {"data": name, "hidden_size": args.hidden_size,
                                   "weight_init_std": std, "seed": args.seed,
                                   "history": history.to_dict()})
        if args.plot:
            from gradlab.plot import plot_training

            plot_training(history).savefig(args.plot, dpi=100)
    except OSError as exc:
        return _error(f"cannot write output: {exc}")
    if history.diverged:
        print(f"gradlab train: {history.message}", file=sys.stderr)
        return 1
    return 0
