"""``gradlab check``: check a model's analytic gradient with the gradient checker."""

from __future__ import annotations

import argparse
import re
import sys
import warnings

import numpy as np

from .._validation import at_least, check_memory, nonnegative_finite
from ..check import METHODS, MODES, SAFETY, K, full_mode_evaluations
from ..nets import WEIGHT_INIT_STD
from .options import number, output_file, positive_count, seed

DESCRIPTION = """\
Check TwoLayerNet.gradient (backpropagation) against finite differences with
gradlab's checker and print its report: what failed and where, the worst
elements, and the most likely cause. The batch is random inputs in [0, 1)
with random labels; biases are made non-zero so that bias bugs are visible.

examples:
  gradlab check                               fast mode, 784-50-10, batch 100
  gradlab check --mode full --input-size 20   every element of a small net
  gradlab check --gradient book               the book's (y - t)/N gradient: the
                                              1e-7 delta residual, explained
  gradlab check --inject W1:3,4               a wrong element, found by bisection

refused (exit 2, before anything runs): sizes, --batch and -k that are not
whole numbers >= 1, or whose arrays would not fit in memory; --weight-init-std
below 0 or not finite; --seed below 0 (NumPy seeds are non-negative); --safety
below 1 or infinite (a factor below 1 fails correct gradients, an infinite one
passes every gradient); a --json path whose folder is missing or that is a
directory.

exit status: 0 the gradient passed, 1 it failed, 2 usage error.
"""


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check", help="check a model's analytic gradient with the error-model checker",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_argument_group("model and batch")
    for option, default in (("--input-size", 784), ("--hidden-size", 50),
                            ("--output-size", 10), ("--batch", 100)):
        size.add_argument(option, type=positive_count(option), default=default, metavar="N",
                          help=f"default {default}")
    size.add_argument("--weight-init-std", type=number(nonnegative_finite, "--weight-init-std"),
                      default=WEIGHT_INIT_STD, metavar="S",
                      help=f"initial weight scale >= 0, default {WEIGHT_INIT_STD:g} as in the "
                           f"book")
    size.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    size.add_argument("--seed", type=seed("--seed"), default=0,
                      help="seed (>= 0) of weights, batch, directions; default 0")
    what = parser.add_argument_group("what to check")
    what.add_argument("--gradient", choices=("exact", "book"), default="exact",
                      help="'exact': TwoLayerNet.gradient (default); 'book': the book's "
                           "(y - t)/N, which ignores the loss's delta = 1e-7")
    what.add_argument("--inject", metavar="PARAM:I,J", default=None,
                      help="add an error to one element, e.g. W1:3,4, to see the checker "
                           "find it: 1e-3 x max|grad| in float64, 2.4e-2 x max|grad| in "
                           "float32 (100x what float32 can resolve). On a large float32 net "
                           "fast mode can still miss it; --mode full will not")
    how = parser.add_argument_group("checker")
    how.add_argument("--mode", choices=MODES, default="fast",
                     help="'fast' (default): random directions, then bisection; 'full': "
                          "every element (4 loss evaluations each: slow for large nets)")
    how.add_argument("--method", choices=METHODS,
                     default="central")
    how.add_argument("--safety", type=number(at_least, "--safety", minimum=1.0), default=SAFETY,
                     help=f"finite factor >= 1 by which a mismatch must exceed the estimated "
                          f"error, default {SAFETY:g}")
    how.add_argument("-k", "--directions", type=positive_count("--directions"),
                     default=K, help=f"fast mode, default {K}")
    parser.add_argument("--json", metavar="FILE",
                        type=output_file("--json", allow_stdout=True),
                        help="also write the result as JSON ('-' for standard output); "
                             "checked before the run")
    parser.set_defaults(handler=run)
    return parser


def _parse_inject(spec: str, params: dict):
    match = re.fullmatch(r"(\w+):([\d,\s]+)", spec or "")
    if not match or match.group(1) not in params:
        raise ValueError(f"--inject must look like W1:3,4 with a parameter among "
                         f"{sorted(params)}, got {spec!r}.")
    name = match.group(1)
    index = tuple(int(i) for i in match.group(2).split(",") if i.strip())
    shape = params[name].shape
    if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape,
                                                                        strict=True)):
        raise ValueError(f"--inject index {index} does not fit {name} of shape {shape}.")
    return name, index


def run(args) -> int:
    import gradlab as gl
    from gradlab.report import write_json

    sizes = (args.input_size, args.hidden_size, args.output_size, args.batch)
    n_params = (args.input_size + 1) * args.hidden_size + (args.hidden_size + 1) * \
        args.output_size
    # parameters, their gradient and the checker's copies, the batch and its hidden layer
    check_memory(np.dtype(args.dtype).itemsize * (4 * n_params + args.batch * (
        args.input_size + args.hidden_size)), f"--input-size {args.input_size} --hidden-size "
        f"{args.hidden_size} --output-size {args.output_size} --batch {args.batch}")
    rng = np.random.default_rng(args.seed)
    net = gl.TwoLayerNet(args.input_size, args.hidden_size, args.output_size,
                         weight_init_std=args.weight_init_std, seed=rng)
    dtype = np.dtype(args.dtype)
    for name in ("b1", "b2"):
        net.params[name] += rng.normal(scale=0.1, size=net.params[name].shape)
    for name in net.params:
        net.params[name] = net.params[name].astype(dtype)
    x = rng.random((args.batch, args.input_size)).astype(dtype)
    t = rng.integers(0, args.output_size, args.batch)
    grads = net.gradient(x, t, **({"delta": 0.0} if args.gradient == "book" else {}))
    if args.inject:
        try:
            name, index = _parse_inject(args.inject, net.params)
        except ValueError as exc:
            print(f"gradlab check: {exc}", file=sys.stderr)
            return 2
        # 100x above what the check can see in this dtype (safety * eps**(2/3), as its
        # precision warning says), and at least 1e-3: a planted bug the check must find.
        size = max(1e-3, 100 * args.safety * float(np.finfo(dtype).eps) ** (2 / 3))
        planted = size * max(float(np.max(np.abs(g))) for g in grads.values())
        grads[name][index] += planted
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gl.PrecisionWarning)
        result = gl.check_gradient(lambda params: net.loss(x, t), net.params, grads,
                                   mode=args.mode, method=args.method, safety=args.safety,
                                   k=args.directions, seed=args.seed)
    p = sum(v.size for v in net.params.values())
    print(f"TwoLayerNet({args.input_size}, {args.hidden_size}, {args.output_size}), batch "
          f"{args.batch}, {args.dtype}, {p} parameters, {args.gradient} gradient"
          + (f", injected +{planted:.2e} at {args.inject}" if args.inject else ""))
    for w in caught:
        print(f"warning: {w.message}")
    print(result)
    full = full_mode_evaluations(p, args.method)
    print(f"cost: {result.evaluations} loss evaluations (full mode needs about {full})")
    if args.json:
        record = result.to_dict()
        record.update(model="TwoLayerNet", sizes=list(sizes), parameters=p,
                      dtype=args.dtype, gradient=args.gradient, inject=args.inject)
        try:
            write_json(args.json, record)
        except OSError as exc:
            print(f"gradlab check: error: cannot write {args.json}: {exc}", file=sys.stderr)
            return 2
    return 0 if result.ok else 1
