"""Faster ways to the book loop's finite-difference numbers.

* :mod:`~gradlab.fastfd.setup`: the validated TwoLayerNet setup both structured
  kernels start from.
* :mod:`~gradlab.fastfd.structured`: the NumPy kernel
  (``net.numerical_gradient(x, t, method="structured")``).
* :mod:`~gradlab.fastfd.jax_kernel`: the same numbers, jitted by JAX (imported on use).
* :mod:`~gradlab.fastfd.chunked`: batched and Executor-parallel loops for any function.

Importing this package loads NumPy only.
"""

from .chunked import batched_numerical_gradient, parallel_numerical_gradient
from .structured import structured_numerical_gradient

__all__ = ["structured_numerical_gradient", "jax_numerical_gradient",
           "batched_numerical_gradient", "parallel_numerical_gradient"]


def jax_numerical_gradient(params, x, t, **options):
    """:func:`gradlab.fastfd.jax_kernel.jax_numerical_gradient`, importing JAX on first use."""
    from .jax_kernel import jax_numerical_gradient as kernel

    return kernel(params, x, t, **options)
