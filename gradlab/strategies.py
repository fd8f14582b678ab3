"""Hypothesis strategies for gradient tests, importable by users.

    from gradlab.strategies import finite_arrays, logits, targets

Every strategy draws float64 arrays by default; elements are bounded and kept
away from kinks (where relu and step functions have no derivative) on request.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "shapes",
    "finite_arrays",
    "logits",
    "probability_rows",
    "labels",
    "one_hot_targets",
    "classification_batches",
    "two_layer_net_params",
]


def shapes(*, min_dims: int = 0, max_dims: int = 3, max_side: int = 5):
    """Array shapes, the scalar shape ``()`` included when ``min_dims`` is 0."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def finite_arrays(shape=None, *, dtype=np.float64, bound: float = 10.0,
                  away_from: float | None = None, margin: float = 1e-2):
    """Finite arrays with elements in ``[-bound, bound]``.

    Parameters
    ----------
    shape : tuple or strategy, optional
        Default: any shape from :func:`shapes`.
    dtype : dtype, optional
        float64 by default.
    bound : float, optional
        Largest magnitude of an element.
    away_from : float, optional
        A kink to avoid: elements lie at least ``margin`` from it.
    margin : float, optional
        Distance kept from ``away_from``.
    """
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                         width=np.dtype(dtype).itemsize * 8)
    if away_from is not None:
        elements = elements.filter(lambda v: abs(v - away_from) >= margin)
    return hnp.arrays(dtype, shape if shape is not None else shapes(), elements=elements)


@st.composite
def logits(draw, *, max_batch: int = 6, max_classes: int = 6, large: bool = True):
    """Logit arrays ``(C,)`` or ``(N, C)``: ordinary values, huge ones (±1000) and rows of
    very different scale, to test softmax's stability."""
    classes = draw(st.integers(1, max_classes))
    shape = draw(st.sampled_from([(classes,), (draw(st.integers(1, max_batch)), classes)]))
    base = draw(finite_arrays(shape, bound=5.0))
    if not large:
        return base
    scale = draw(finite_arrays(shape[:-1] + (1,), bound=3.0)) if len(shape) == 2 else 1.0
    offset = draw(st.sampled_from([0.0, 1000.0, -1000.0, 300.0]))
    return base * (10.0 ** np.abs(scale)) + offset


@st.composite
def probability_rows(draw, shape=None, *, allow_zero: bool = True):
    """Rows that sum to 1 (softmax of logits); with ``allow_zero`` some entries are exactly 0."""
    shape = shape if shape is not None else draw(st.sampled_from([(3,), (4, 3), (3, 3), (1, 5)]))
    y = np.exp(draw(finite_arrays(shape, bound=4.0)))
    if allow_zero and draw(st.booleans()):
        y[..., 0] = 0.0
    return y / y.sum(axis=-1, keepdims=True)


def labels(batch_shape, num_classes: int):
    """Integer class labels of shape ``batch_shape`` in ``0 .. num_classes-1``."""
    return hnp.arrays(np.int64, batch_shape, elements=st.integers(0, num_classes - 1))


@st.composite
def one_hot_targets(draw, batch_shape, num_classes: int):
    """One-hot rows of length ``num_classes``."""
    idx = draw(labels(batch_shape, num_classes))
    return np.eye(num_classes)[idx]


@st.composite
def classification_batches(draw, *, max_batch: int = 6, max_classes: int = 6, square=None):
    """``(y, t_labels, t_one_hot)``: probabilities and the same targets in both forms.

    ``square=True`` forces N == C, where axis mix-ups hide.
    """
    classes = draw(st.integers(2, max_classes))
    batch = classes if square else draw(st.integers(1, max_batch))
    y = draw(probability_rows((batch, classes)))
    t = draw(labels((batch,), classes))
    return y, t, np.eye(classes)[t]


@st.composite
def two_layer_net_params(draw, *, input_size=None, hidden_size=None, output_size=None,
                         scale: float = 1.0):
    """Parameter dicts W1 b1 W2 b2 with non-zero biases (a wrong bias gradient is
    invisible at the book's zero initialisation)."""
    n_in = input_size or draw(st.integers(1, 6))
    n_hid = hidden_size or draw(st.integers(1, 6))
    n_out = output_size or draw(st.integers(2, 5))
    draw_arr = lambda shape: draw(finite_arrays(shape, bound=scale))  # noqa: E731
    params = {"W1": draw_arr((n_in, n_hid)), "b1": draw_arr((n_hid,)),
              "W2": draw_arr((n_hid, n_out)), "b2": draw_arr((n_out,))}
    params["b1"] = params["b1"] + draw(st.sampled_from([0.1, -0.2, 0.3]))
    params["b2"] = params["b2"] + draw(st.sampled_from([0.15, -0.25]))
    return params
