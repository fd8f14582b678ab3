"""Shared test helpers: parity against the JAX oracle in one line."""

from __future__ import annotations

import numpy as np

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
