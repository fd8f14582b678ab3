"""What every JAX twin shares: 64-bit mode, the float64 guard, ``grad`` and ``to_numpy``.

Importing this module turns on JAX's 64-bit mode (``jax_enable_x64``) for the whole
process: without it JAX silently computes in float32, and an oracle that is 1e-7 accurate
cannot judge a 1e-8 discrepancy.
"""

from __future__ import annotations

import functools
import inspect

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["float64_only", "grad", "to_numpy", "STATIC_ARGNAMES"]

STATIC_ARGNAMES = frozenset({
    "delta", "stride", "pad", "filter_h", "filter_w", "pool_h", "pool_w", "input_shape",
    "train_flg", "activation",
})
"""Arguments that fix a twin's shapes or control flow: compiled in, never traced or cast."""


def _static_of(fn) -> tuple[list[str], set[int]]:
    params = list(inspect.signature(fn).parameters.values())
    names = [p.name for p in params if p.name in STATIC_ARGNAMES]
    positions = {i for i, p in enumerate(params) if p.name in STATIC_ARGNAMES
                 and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)}
    return names, positions


def float64_only(fn):
    """Decorate a twin: jit it, make its inputs float64, and make a float32 result an error.

    Integer and boolean inputs (labels, dropout masks) are left as they are; the
    arguments named in :data:`STATIC_ARGNAMES` are static. The undecorated function is
    ``twin.__wrapped__`` (pure, for ``jax.grad``/``jax.vjp`` of one's own); the twin
    itself can be traced too.
    """
    names, positions = _static_of(fn)
    jitted = jax.jit(fn, static_argnames=names)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args = tuple(a if i in positions else _as_f64(a) for i, a in enumerate(args))
        kwargs = {k: v if k in STATIC_ARGNAMES else _as_f64(v) for k, v in kwargs.items()}
        out = jitted(*args, **kwargs)
        for leaf in jax.tree_util.tree_leaves(out):
            if jnp.issubdtype(leaf.dtype, jnp.floating) and leaf.dtype != jnp.float64:
                raise RuntimeError(
                    f"reference.{fn.__name__} computed in {leaf.dtype}, not float64: JAX's x64 "
                    f"mode was switched off after gradlab.reference was imported. Re-enable it "
                    f"with jax.config.update('jax_enable_x64', True)."
                )
        return out

    return wrapper


def _as_f64(a):
    if isinstance(a, dict):
        return {k: _as_f64(v) for k, v in a.items()}
    if isinstance(a, (tuple, list)):
        return type(a)(_as_f64(v) for v in a)
    if a is None:
        return None
    arr = jnp.asarray(a)
    if jnp.issubdtype(arr.dtype, jnp.integer) or arr.dtype == jnp.bool_:
        return arr  # labels and masks stay as they are
    return arr.astype(jnp.float64)


@functools.cache
def grad(fn, argnums=0):
    """``jax.grad`` of a twin (jitted, cached), returning NumPy float64 arrays.

    Dicts of parameters stay dicts.
    """
    raw = getattr(fn, "__wrapped__", fn)
    checked = float64_only(functools.wraps(raw)(jax.grad(raw, argnums=argnums)))

    def wrapper(*args, **kwargs):
        return to_numpy(checked(*args, **kwargs))

    return wrapper


def to_numpy(tree):
    """Convert JAX arrays (or dicts of them) to NumPy arrays."""
    if isinstance(tree, dict):
        return {k: to_numpy(v) for k, v in tree.items()}
    if isinstance(tree, tuple):
        return tuple(to_numpy(v) for v in tree)
    return np.asarray(tree)
