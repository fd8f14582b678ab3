"""gradlab's checker against its peers, on cases built from JAX's own gradient tests.

The functions and input distributions are those of JAX's ``tests/lax_autodiff_test.py``
(LAX_GRAD_OPS, the special values, reductions, cumulative reductions, sort) and
``tests/lax_numpy_test.py`` (GRAD_TEST_RECORDS and its special values), re-expressed
here (no code of theirs is copied): each case is ``L(x) = sum_k w_k . fun(x)_k`` with
fixed random ``w``, exact gradient by ``jax.grad`` in float64. Every checker judges,
in the same run, the exact gradient (a failure is a false alarm) and the exact gradient
with one element off by ``size x max|g|`` (a pass is a miss):

* gradlab ``check_gradient``, full and fast mode (defaults);
* ``jax.test_util.check_grads`` (defaults: eps 1e-4, tolerances 1e-5 / 2e-3), the claim
  installed as the function's ``custom_jvp``;
* SciPy ``check_grad`` (forward differences, sqrt(eps) step), failing above 1e-6;
* torch-style: central differences with eps = 1e-6 per element, ``allclose`` with
  torch.autograd.gradcheck's rtol = 1e-3, atol = 1e-5.

    python benchmarks/peer_comparison.py            # the full table (a few minutes)
    python benchmarks/peer_comparison.py --limit 20 # a quick look
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings

import numpy as np

SIZES = (1e-2, 1e-4, 1e-6)
UNARY_SHAPES = [(), (3,), (3, 4), (2, 3, 4)]
BINARY_SHAPES = [((3,), (3,)), ((3, 4), (3, 4)), ((3, 4), (3, 1)), ((), (3, 4)),
                 ((2, 3, 4), (2, 1, 4))]


def sampler(kind: str):
    """JAX's test input distributions (test_util.rand_*), by name."""
    if kind == "default":
        return lambda rng, s: 3 * rng.standard_normal(s)
    if kind == "small":
        return lambda rng, s: 1e-3 * rng.standard_normal(s)
    if kind == "positive":
        return lambda rng, s: 1 + 2 * rng.random(s)
    if kind == "not_small":
        return lambda rng, s: (lambda v: v + np.where(v > 0, 10.0, -10.0))(
            3 * rng.standard_normal(s))
    if kind == "unique_int":
        return lambda rng, s: rng.permutation(int(np.prod(s)) or 1)[:int(np.prod(s))]\
            .reshape(s).astype(float)
    lo, hi = (float(v) for v in kind.split(":"))
    return lambda rng, s: lo + (hi - lo) * rng.random(s)


def cases():
    """(name, fun, [(shape, sampler kind), ...]) for every case."""
    import jax.numpy as jnp
    from jax import lax

    unary = [
        ("neg", lax.neg, "default"), ("floor", lax.floor, "0.1:0.4"),
        ("ceil", lax.ceil, "0.1:0.4"), ("round", lax.round, "0.1:0.4"),
        ("exp", lax.exp, "small"), ("exp2", lax.exp2, "small"),
        ("expm1", lax.expm1, "default"), ("log", lax.log, "positive"),
        ("log1p", lax.log1p, "positive"), ("sinh", lax.sinh, "default"),
        ("cosh", lax.cosh, "default"), ("tanh", lax.tanh, "default"),
        ("sin", lax.sin, "default"), ("cos", lax.cos, "default"),
        ("tan", lax.tan, "-1.3:1.3"), ("asin", lax.asin, "-1.3:1.3"),
        ("acos", lax.acos, "-1.3:1.3"), ("erf", lax.erf, "small"),
        ("erfc", lax.erfc, "small"), ("erf_inv", lax.erf_inv, "small"),
        ("bessel_i0e", lax.bessel_i0e, "default"), ("bessel_i1e", lax.bessel_i1e, "default"),
        ("abs", lax.abs, "positive"), ("sqrt", lax.sqrt, "positive"),
        ("rsqrt", lax.rsqrt, "positive"), ("cbrt", lax.cbrt, "not_small"),
        ("logistic", lax.logistic, "default"), ("arcsinh", jnp.arcsinh, "positive"),
        ("arccosh", jnp.arccosh, "positive"), ("arctanh", jnp.arctanh, "-0.9:0.9"),
    ]
    binary = [
        ("atan2", lax.atan2, "default"), ("pow", lax.pow, "positive"),
        ("add", lax.add, "default"), ("sub", lax.sub, "default"),
        ("mul", lax.mul, "default"), ("div", lax.div, "not_small"),
        ("max", lax.max, "default"), ("min", lax.min, "default"),
        ("logaddexp", jnp.logaddexp, "-0.9:0.9"), ("logaddexp2", jnp.logaddexp2, "-0.9:0.9"),
    ]
    out = [(f"{n}{s}", f, [(s, k)]) for n, f, k in unary for s in UNARY_SHAPES]
    for n, f, k in binary:
        for a, b in BINARY_SHAPES:
            bf = (lambda g: lambda u, v: g(*jnp.broadcast_arrays(u, v)))(f) \
                if n not in ("logaddexp", "logaddexp2") else f
            out.append((f"{n}{a}{b}", bf, [(a, k), (b, k)]))
    special = [("sinh", lax.sinh, [0.0]), ("cosh", lax.cosh, [0.0]),
               ("tanh", lax.tanh, [0.0, 1000.0]),
               ("sin", lax.sin, [0.0, np.pi, np.pi / 2, np.pi / 4]),
               ("cos", lax.cos, [0.0, np.pi, np.pi / 2, np.pi / 4]), ("tan", lax.tan, [0.0]),
               ("asin", lax.asin, [0.0]), ("acos", lax.acos, [0.0]),
               ("atan", lax.atan, [0.0, 1000.0]), ("erf", lax.erf, [0.0, 10.0]),
               ("erfc", lax.erfc, [0.0, 10.0]), ("arcsinh", jnp.arcsinh, [0.0, 1000.0]),
               ("arccosh", jnp.arccosh, [1000.0]), ("arctanh", jnp.arctanh, [0.0]),
               ("sinc", jnp.sinc, [0.0])]
    out += [(f"{n}@{v:g}", f, [((), f"{v}:{v}")]) for n, f, vs in special for v in vs]
    for (n, op, k), dims in itertools.product(
            [("reduce_sum", jnp.sum, "default"), ("reduce_prod", jnp.prod, "default"),
             ("reduce_max", jnp.max, "unique_int"), ("reduce_min", jnp.min, "unique_int")],
            [(0,), (1, 2), (0, 2), (0, 1, 2)]):
        out.append((f"{n}{dims}", (lambda o, d: lambda v: o(v, axis=d))(op, dims),
                    [((3, 4, 5), k)]))
    for (n, op), (shape, axis), rev in itertools.product(
            [("cumsum", lax.cumsum), ("cumprod", lax.cumprod), ("cummax", lax.cummax),
             ("cummin", lax.cummin)], [((10,), 0), ((3, 4, 5), 1)], [False, True]):
        kind = "unique_int" if n in ("cummax", "cummin") else "small"
        out.append((f"{n}{shape}@{axis}{'r' if rev else ''}",
                    (lambda o, a, r: lambda v: o(v, axis=a, reverse=r))(op, axis, rev),
                    [(shape, kind)]))
    out += [(f"sort{s}", lambda v: jnp.sort(v, axis=-1), [(s, "unique_int")])
            for s in [(5,), (5, 7), (4, 9, 3)]]
    return out


class Case:
    """One function at one point: L(*x) = sum w . fun(*x), its exact gradient."""

    def __init__(self, name, fun, specs, rng):
        import jax
        import jax.numpy as jnp

        self.name = name
        self.x = tuple(np.asarray(sampler(k)(rng, s), dtype=np.float64) for s, k in specs)
        out_shape = jax.eval_shape(fun, *self.x).shape
        self.w = rng.standard_normal(out_shape)

        def loss(*args):
            return jnp.sum(jnp.asarray(self.w, dtype=args[0].dtype) * fun(*args))

        self.loss = jax.jit(loss)
        self.grad = jax.jit(jax.grad(loss, argnums=tuple(range(len(self.x)))))
        self.exact = tuple(np.asarray(g, dtype=np.float64) for g in self.grad(*self.x))
        self.valid = bool(np.isfinite(float(self.loss(*self.x))) and all(
            np.isfinite(g).all() for g in self.exact))

    def point(self, dtype):
        return tuple(np.array(v, dtype=dtype) for v in self.x)

    def claim(self, size: float, rng, dtype):
        """The exact gradient (as dtype) with one element off by size * max|g|."""
        flat = np.concatenate([g.ravel() for g in self.exact])
        if size:
            flat[rng.integers(flat.size)] += rng.choice([-1.0, 1.0]) * size * np.max(
                np.abs(flat))
        return self.unflat(flat, dtype)

    def unflat(self, flat, dtype):
        parts, k = [], 0
        for v in self.x:
            parts.append(np.asarray(flat[k:k + v.size].reshape(v.shape), dtype=dtype))
            k += v.size
        return tuple(parts)

    def f(self, dtype):
        """L for NumPy callers, in dtype (float32 cases compute in float32)."""
        cast = np.float32 if dtype == np.float32 else float
        return lambda *args: cast(self.loss(*args))

    def flat_f(self, dtype):
        f = self.f(dtype)
        return lambda v: float(f(*self.unflat(np.asarray(v), dtype)))


def gradlab(mode):
    def run(case, dtype, claim):
        import gradlab as gl

        return gl.check_gradient(case.f(dtype), case.point(dtype), claim, mode=mode).status
    return run


def jax_check_grads(case, dtype, claim):
    import jax
    import jax.numpy as jnp
    from jax.test_util import check_grads

    error = tuple(jnp.asarray(c, dtype=dtype) - jnp.asarray(g, dtype=dtype)
                  for c, g in zip(claim, case.exact, strict=True))

    @jax.custom_jvp
    def claimed(*args):
        return case.loss(*args)

    @claimed.defjvp
    def _(primals, tangents):
        grads = jax.grad(case.loss, argnums=tuple(range(len(primals))))(*primals)
        slope = sum(jnp.vdot(g + e, t) for g, e, t in zip(grads, error, tangents,
                                                            strict=True))
        return case.loss(*primals), slope.astype(dtype)

    try:
        check_grads(claimed, case.point(dtype), order=1)
    except AssertionError:
        return "fail"
    return "pass"


def scipy_check_grad(case, dtype, claim):
    from scipy.optimize import check_grad

    flat = np.concatenate([np.ravel(c) for c in claim]).astype(np.float64)
    x0 = np.concatenate([v.ravel() for v in case.point(dtype)]).astype(np.float64)
    err = check_grad(case.flat_f(dtype), lambda v: flat, x0)
    return "fail" if not err <= 1e-6 else "pass"


def torch_style(case, dtype, claim):
    f = case.flat_f(dtype)
    x0 = np.concatenate([v.ravel() for v in case.point(dtype)]).astype(np.float64)
    flat = np.concatenate([np.ravel(c) for c in claim]).astype(np.float64)
    numeric = np.empty_like(x0)
    for i in range(x0.size):
        up, down = x0.copy(), x0.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        numeric[i] = (f(up) - f(down)) / 2e-6
    return "pass" if np.allclose(flat, numeric, rtol=1e-3, atol=1e-5) else "fail"


CHECKERS = {"gradlab full": gradlab("full"), "gradlab fast": gradlab("fast"),
            "jax check_grads": jax_check_grads, "scipy check_grad (thr 1e-6)": scipy_check_grad,
            "torch-style (1e-3/1e-5)": torch_style}


def judge(checker, case, dtype, claim):
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return checker(case, dtype, claim)
    except Exception as exc:  # a checker that raises is a crash, counted
        return f"crash: {type(exc).__name__}"


def measure(limit=None, seed=2026):
    """Counts per checker: false alarms, inconclusive, crashes, caught per size and dtype."""
    import jax

    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(seed)
    built = [Case(n, f, s, rng) for n, f, s in cases()[:limit]]
    built = [c for c in built if c.valid]
    counts = {name: {} for name in CHECKERS}
    notable = []  # gradlab's non-passes of exact gradients and passes of wrong ones
    claims = []
    for case in built:
        for dtype, sizes in ((np.float64, SIZES), (np.float32, (1e-2,))):
            exact_zero = not any(np.any(g) for g in case.exact)
            for size in (0.0,) + (() if exact_zero else sizes):
                claims.append((case, dtype, size, case.claim(size, rng, dtype)))
    for name, checker in CHECKERS.items():
        for case, dtype, size, claim in claims:
            key = (np.dtype(dtype).name, size)
            status = judge(checker, case, dtype, claim)
            bucket = counts[name].setdefault(key, {})
            bucket[status] = bucket.get(status, 0) + 1
            if name.startswith("gradlab") and (status == "pass") == bool(size):
                notable.append((name, key[0], size, case.name, status))
    return len(built), counts, notable


def table(n, counts) -> str:
    """The markdown table README shows."""
    head = ("| checker | f64 false alarms (inconcl.) | f64 caught at 1e-2 / 1e-4 / 1e-6 "
            "x max\\|g\\| | f32 false alarms (inconcl., crashes) | f32 caught at 1e-2 |\n"
            "|---|---|---|---|---|")
    rows = []
    for name, c in counts.items():
        fa64 = f"{_get(c, 'float64', 0.0, 'fail')} ({_get(c, 'float64', 0.0, 'inconclusive')})"
        fa32 = (f"{_get(c, 'float32', 0.0, 'fail')} ({_get(c, 'float32', 0.0, 'inconclusive')}, "
                f"{_get(c, 'float32', 0.0, 'crash')})")
        rows.append(f"| {name} | {fa64} | "
                    + " / ".join(_caught(c, "float64", s) for s in SIZES)
                    + f" | {fa32} | {_caught(c, 'float32', 1e-2)} |")
    return f"{n} cases\n\n" + head + "\n" + "\n".join(rows)


def _get(c, dt, size, what):
    b = c.get((dt, size), {})
    if what == "crash":
        return sum(v for k, v in b.items() if k.startswith("crash"))
    return b.get(what, 0)


def _caught(c, dt, size):
    b = c.get((dt, size), {})
    total = sum(b.values())
    return f"{total - b.get('pass', 0)}/{total}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N cases only")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    n, counts, notable = measure(args.limit)
    print(table(n, counts))
    print("\ngradlab's non-passes of exact gradients, and passes of wrong ones:")
    for name, dtype, size, case, status in notable:
        print(f"  {name}, {dtype}, error {size:g} x max|g|: {case}: {status}")
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
