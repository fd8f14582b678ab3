"""Shared helpers for the chapter 5-7 tests: rounding bounds, inputs away from kinks, and the
two backward checks (against ``jax.vjp`` of a twin, against finite differences of our own
forward)."""

from __future__ import annotations

import numpy as np

import gradlab as gl

EPS64 = np.finfo(np.float64).eps


def gamma(k: int) -> float:
    """Higham's gamma_k = k eps / (1 - k eps): a float64 sum of k products a_i b_i is within
    gamma_k * sum |a_i b_i| of the exact sum, whatever the order of summation."""
    return k * EPS64 / (1 - k * EPS64)


def assert_within_sum_bound(ours, oracle, abs_sum, k: int, what: str = "value"):
    """Two float64 evaluations of the same sums of at most ``k`` products differ by at most
    ``2 gamma_k * sum|a_i b_i|`` elementwise (each is within gamma_k of the exact value);
    ``abs_sum`` is that sum of absolute products, computed by the same operation on |inputs|.
    A bug (a wrong index, a missing channel, an assignment instead of a sum) is an O(1)
    relative error of a whole term, far above this bound."""
    ours, oracle = np.asarray(ours), np.asarray(oracle)
    assert ours.shape == oracle.shape, f"{what}: shape {ours.shape} != oracle {oracle.shape}"
    bound = 2 * gamma(k) * np.asarray(abs_sum) + np.finfo(np.float64).tiny
    excess = np.abs(ours - oracle) / bound
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape) if excess.size else ()
    assert np.all(excess <= 1.0), (
        f"{what}: |ours - oracle| = {float(np.abs(ours - oracle)[worst]):.3e} at {worst} exceeds "
        f"the rounding bound {float(bound[worst]):.3e} (ours {ours[worst]}, oracle {oracle[worst]})"
    )


def spaced(rng, shape, gap: float = 0.05):
    """Distinct values ``(k + 1/2) * gap`` in random order, centred on 0: no element is within
    gap/2 of 0 (ReLU's kink) and no two are within ``gap`` (max pooling's ties), so a central
    difference with h ~ 1e-5 never crosses a kink."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n // 2 + 0.5) * gap).reshape(shape)


def vjp_of(twin, *args, argnums=(0,), **static):
    """``jax.vjp`` of a reference twin with respect to ``args[argnums]``: returns a function of
    the cotangent giving NumPy arrays, one per argnum."""
    import jax

    def restricted(*diff):
        full = list(args)
        for i, v in zip(argnums, diff, strict=True):
            full[i] = v
        return twin(*full, **static)

    _, pullback = jax.vjp(restricted, *(args[i] for i in argnums))

    def apply(cotangent):
        return tuple(np.asarray(v) for v in pullback(cotangent))

    return apply


def check_backward_by_fd(forward, x, dout, claimed):
    """``gl.check_gradient`` of ``sum(dout * forward(x))`` (the VJP as the gradient of a scalar)
    with the claimed ``dx``; its own error model (Richardson on h and h/2, roundoff from eps)
    sets the tolerance. Returns the GradCheckResult."""
    dout = np.asarray(dout)

    def f(z):
        return float(np.sum(dout * forward(z)))

    return gl.check_gradient(f, x, claimed)


def reports_a_bug(result) -> bool:
    """The checker's verdict is a wrong gradient (not a kink, roundoff or inconclusive)."""
    return (not result.ok) and getattr(result, "status", "fail") == "fail" \
        and getattr(result, "cause", "bug") == "bug"


def assert_backward_by_fd(forward, x, dout, claimed, what: str = "dx"):
    result = check_backward_by_fd(forward, x, dout, claimed)
    assert result.ok, f"{what} disagrees with finite differences of the forward:\n{result}"



# Shapes that expose mistakes: non-square inputs and outputs (a width computed from the
# height), stride 2 and 3, padding, several channels (a missing channel sum) and a batch of
# more than one (a missing batch axis); overlapping windows (col2im's '+=') in the first two.
CONV_CASES = [
    # x shape,      W shape,       stride, pad
    ((2, 3, 7, 8), (4, 3, 3, 2), 2, 1),   # output 4x5; windows overlap along the height
    ((2, 1, 6, 5), (3, 1, 3, 3), 1, 0),   # output 4x3; heavy overlap
    ((1, 2, 5, 8), (2, 2, 3, 3), 3, 2),   # output 3x4; no overlap, wide padding
]
CONV_IDS = ["stride2-pad1", "stride1", "stride3-pad2"]

POOL_CASES = [
    # x shape,      (pool_h, pool_w), stride, pad
    ((2, 3, 7, 8), (3, 2), 2, 1),   # output 4x5, overlapping along the height, padding
    ((2, 2, 6, 4), (2, 2), 2, 0),   # the book's SimpleConvNet pooling
    ((1, 2, 5, 6), (3, 3), 1, 0),   # output 3x4, heavy overlap
]
POOL_IDS = ["3x2-stride2-pad1", "book-2x2", "3x3-stride1"]



# One evaluation of a small network's loss is accurate to a few tens of ulps of |loss| (a few
# dozen roundings, none amplified much at these sizes); 64 ulps bounds it.
LOSS_ROUNDING_ULPS = 64


def assert_loop_matches_exact(numerical, half_step, exact, loss_value, h: float = 1e-4):
    """The book's central-difference loop (step h) against the exact gradient, within its error
    model. Truncation is c h**2 + O(h**4), so D(h) - D(h/2) = 3/4 c h**2: the truncation of
    D(h) is 4/3 |D(h) - D(h/2)|, taken twice for the O(h**4) rest. Roundoff: delta / h for
    D(h) with delta = LOSS_ROUNDING_ULPS eps |loss| per evaluation, and the 2 delta / h that
    D(h/2) adds to the estimate (times 4/3): 5 delta / h in all."""
    delta = LOSS_ROUNDING_ULPS * EPS64 * abs(float(loss_value))
    for k in exact:
        bound = 8 / 3 * np.abs(numerical[k] - half_step[k]) + 5 * delta / h
        err = np.abs(numerical[k] - exact[k])
        worst = np.unravel_index(int(np.argmax(err - bound)), err.shape)
        assert np.all(err <= bound), (
            f"{k}{list(worst)}: |numerical - exact| = {err[worst]:.3e} > FD error bound "
            f"{bound[worst]:.3e} (numerical {numerical[k][worst]}, exact {exact[k][worst]})")
