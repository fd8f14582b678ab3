"""Shared test helpers: parity against the JAX oracle in one line."""

from __future__ import annotations

import numpy as np

from gradlab.bench import max_rel_diff  # noqa: F401  (one home: the bench table's 'diff')

# Two float64 computations of the same smooth expression in a different order
# agree to a few ulps of the result's magnitude; 64 ulps leaves room for the
# longest reductions in these tests (a few hundred terms) without hiding a bug,
# which shows up as an O(1) relative error.
PARITY_RTOL = 64 * np.finfo(np.float64).eps


def assert_parity(ours, oracle, *, scale=None, rtol: float = PARITY_RTOL):
    """Assert that a gradlab result equals the JAX oracle's to rounding.

    The tolerance is ``rtol * scale`` where ``scale`` defaults to
    ``max(1, max|oracle|)``: absolute near 0, relative for large values.
    """
    ours, oracle = np.asarray(ours), np.asarray(oracle)
    assert ours.shape == oracle.shape, f"shape {ours.shape} != oracle shape {oracle.shape}"
    if scale is None:
        scale = max(1.0, float(np.max(np.abs(oracle)))) if oracle.size else 1.0
    err = float(np.max(np.abs(ours - oracle))) if ours.size else 0.0
    assert err <= rtol * scale, f"max abs error {err:.3e} > {rtol * scale:.3e} (scale {scale:.3g})"
    return err


def snapshot(*arrays):
    """Copies of arrays, to assert later that a call left them bit-identical."""
    return [np.array(a, copy=True) for a in arrays]


def assert_unchanged(before, *after):
    for b, a in zip(before, after, strict=True):
        assert b.dtype == a.dtype and b.shape == a.shape
        assert np.array_equal(b, a, equal_nan=True) and b.tobytes() == np.asarray(a).tobytes(), \
            "a caller's array was modified"


# --- fast finite differences against the book loop --------------------------------------

# Each partial derivative of the loop carries rounding noise of about eps * |loss| / h: two
# loss evaluations, each good to a few ulps of |loss|, over a step of 2h. A fast method has
# noise of the same size of its own; 8 eps |loss| / h bounds the two with room for the
# few-ulp constants. A wrong perturbation, step or target term is O(1) relative, and a
# truncated exp series of degree 1 or 2 already misses by 25-50x this bound.
LOOP_NOISE_FACTOR = 8


def assert_same_as_loop(fast: dict, loop: dict, loss: float, h: float = 1e-4):
    """Assert a fast finite-difference gradient equals the loop's, up to the loop's noise."""
    bound = LOOP_NOISE_FACTOR * np.finfo(np.float64).eps * abs(float(loss)) / h
    assert fast.keys() == loop.keys()
    for k in loop:
        assert fast[k].shape == loop[k].shape, k
        err = float(np.max(np.abs(fast[k] - loop[k])))
        assert err <= bound, f"{k}: max |fast - loop| = {err:.3g} > {bound:.3g}"


def random_net(rng, sizes, std=0.5):
    """A TwoLayerNet with random weights and non-zero biases."""
    import gradlab as gl

    net = gl.TwoLayerNet(*sizes, weight_init_std=std, seed=rng)
    for v in net.params.values():
        v += rng.normal(scale=0.3, size=v.shape)
    return net


def targets(kind, rng, n, c):
    """Labels, one-hot rows or soft targets (every class carries weight) for n samples."""
    import gradlab as gl

    labels = rng.integers(0, c, size=n)
    if kind == "labels":
        return labels
    if kind == "one-hot":
        return gl.one_hot(labels, c)
    return rng.dirichlet(np.ones(c), size=n)


# --- the command line --------------------------------------------------------------------

def run_main(argv) -> tuple[int, str, str]:
    """``gradlab ARGV`` in this process: (exit status, stdout, stderr).

    argparse exits (SystemExit 2) on a bad option, the handlers return their status;
    both count as the exit status here, as they do for the ``gradlab`` script.
    """
    import contextlib
    import io

    from gradlab.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()
