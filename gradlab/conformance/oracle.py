"""The JAX oracle as the checks use it: ``gradlab.reference``'s twins (jitted there, float64
checked) called by name, plus the exact third derivatives that bound a finite difference's
truncation error, and the on-disk compilation cache of ``gradlab verify``."""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["value", "grad", "third_derivatives", "enable_compilation_cache"]

CACHE_ENV = "GRADLAB_JAX_CACHE"
"""Environment variable: folder of JAX's persistent compilation cache for ``gradlab verify``
(default ``$XDG_CACHE_HOME/gradlab/jax``, i.e. ``~/.cache/gradlab/jax``); ``0`` turns it off."""


def enable_compilation_cache() -> str | None:
    """Keep the oracle's compiled XLA programs on disk between runs of ``gradlab verify``.

    Compiling the oracle for each shape is most of a ``--quick`` run (about 60% here);
    with the cache a second run skips it. Returns the folder, or None when turned off.
    """
    import os

    folder = os.environ.get(CACHE_ENV)
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                ".cache")
        folder = os.path.join(base, "gradlab", "jax")
    if folder in ("", "0"):
        return None
    import jax

    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


ELEMENTWISE = frozenset({"step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad",
                         "identity_function"})
"""Twins that act on each element alone: evaluated on a padded array (see :func:`value`)."""


def _bucket(n: int, least: int) -> int:
    """A power of two, at least ``least`` (most inputs of the checks fit the least one, so
    that a run compiles one program per twin)."""
    return max(least, 1 << max(0, int(n) - 1).bit_length())


def _padded(name: str, x):
    """``name``'s twin at ``x`` through an array padded to power-of-two sizes, so that a
    hypothesis search over many shapes compiles a handful of programs, not one per shape.
    Padding elements never meet the real ones (an elementwise function: bit for bit the
    same), or add ``exp(-inf) = 0`` to each row's sum and never win its max (softmax: the
    same up to the order of the row sum, a few ulps, far inside the parity tolerance)."""
    from gradlab import reference

    x = np.asarray(x, dtype=float)
    if name in ELEMENTWISE:
        flat = np.zeros(_bucket(x.size, 128))
        flat[:x.size] = x.reshape(-1)
        out = reference.to_numpy(getattr(reference, name)(flat))
        return out[:x.size].reshape(x.shape)
    rows = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
    block = np.zeros((_bucket(rows.shape[0], 8), _bucket(rows.shape[1], 8)))
    block[:, rows.shape[1]:] = -np.inf
    block[:rows.shape[0], :rows.shape[1]] = rows
    out = reference.to_numpy(reference.softmax(block))
    return out[:rows.shape[0], :rows.shape[1]].reshape(x.shape)


def value(name: str, *args, **kwargs):
    """``gradlab.reference.<name>(*args, **kwargs)`` as a NumPy float64 array."""
    from gradlab import reference

    if (name in ELEMENTWISE or name == "softmax") and len(args) == 1 and not kwargs \
            and np.ndim(args[0]) >= (name == "softmax"):
        return _padded(name, args[0])
    return reference.to_numpy(getattr(reference, name)(*args, **kwargs))


def grad(name: str, *args, **kwargs):
    """Gradient of ``gradlab.reference.<name>`` with respect to its first argument."""
    from gradlab import reference

    return reference.grad(getattr(reference, name))(*args, **kwargs)


def third_derivatives(name: str, *args, **static):
    """``d^3 f / d p_i^3`` for every scalar ``p_i`` of the first argument, exactly.

    Same structure as the first argument (an array or a dict of arrays). ``static`` are
    keyword arguments of the twin that fix its structure (``activation="sigmoid"``).
    """
    from gradlab import reference

    return reference.to_numpy(_third_of(name, tuple(sorted(static.items())))(*args))


@functools.cache
def _third_of(name: str, static: tuple = ()):
    """The jitted, float64-checked third derivatives of one reference twin."""
    from gradlab import reference

    twin = getattr(reference, name).__wrapped__
    pure = functools.partial(twin, **dict(static)) if static else twin

    def third(first, *rest):
        return _third(pure, first, *rest)

    third.__name__ = f"third_derivatives_of_{name}"
    return reference.float64_only(third)


def _third(pure, first, *rest):
    """Forward mode three times along each unit vector (2.5x cheaper to compile than
    reverse mode three times)."""
    import jax
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    flat, unravel = ravel_pytree(first)

    def along(e):
        def d1(s):
            return jax.jvp(lambda u: pure(unravel(flat + u * e), *rest), (s,), (1.0,))[1]

        def d2(s):
            return jax.jvp(d1, (s,), (1.0,))[1]

        return jax.jvp(d2, (0.0,), (1.0,))[1]

    return unravel(jax.vmap(along)(jnp.eye(flat.size, dtype=flat.dtype)))
