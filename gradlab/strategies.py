"""Hypothesis strategies for gradient tests, importable by users.

    from gradlab.strategies import finite_arrays, logits, targets

Every strategy draws float64 arrays by default; elements are bounded and kept
away from kinks (where relu and step functions have no derivative) on request.
"""

from __future__ import annotations

import warnings

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
    "smooth_problems",
    "random_smooth_problem",
    "conv_geometries",
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


# Smooth scalar functions with known derivatives, for testing gradient checkers.
_PHI = {
    "sin": (np.sin, np.cos),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "exp": (lambda z: np.exp(0.5 * z), lambda z: 0.5 * np.exp(0.5 * z)),
    "softplus": (lambda z: np.logaddexp(0, z), lambda z: 1 / (1 + np.exp(-z))),
    "cube": (lambda z: z ** 3 / 3, lambda z: z ** 2),
    "log1p2": (lambda z: np.log1p(z * z), lambda z: 2 * z / (1 + z * z)),
}


def random_smooth_problem(rng: np.random.Generator, dtype=np.float64):
    """``(f, x, grad)``: a random smooth ``f(x) = sum_j a_j phi_j(w_j . x + b_j)``.

    ``phi_j`` is drawn from sin, tanh, exp, softplus, cube, log(1 + z^2); 1-12
    inputs, 1-8 terms, coefficients spanning two decades, x in [-2, 2]. Both f
    and its exact gradient ``grad(x)`` compute in ``dtype``, as user code would.
    """
    n, m = int(rng.integers(1, 13)), int(rng.integers(1, 9))
    dt = np.dtype(dtype)
    W = rng.normal(size=(m, n)).astype(dt)
    b = rng.normal(size=m).astype(dt)
    a = (rng.normal(size=m) * 10.0 ** rng.uniform(-1, 1, m)).astype(dt)
    names = [str(k) for k in rng.choice(list(_PHI), m)]
    x = rng.uniform(-2, 2, n).astype(dt)

    def terms(x, which):
        z = W @ x + b
        return np.array([_PHI[k][which](zj) for k, zj in zip(names, z, strict=True)], dtype=dt)

    def f(x):
        return np.sum(a * terms(x, 0))

    def grad(x):
        return (a * terms(x, 1)) @ W

    return f, x, grad


@st.composite
def smooth_problems(draw, dtype=np.float64):
    """Strategy for ``(f, x, grad)`` from :func:`random_smooth_problem` (seeded by hypothesis)."""
    seed = draw(st.integers(0, 2**32 - 1))
    return random_smooth_problem(np.random.default_rng(seed), dtype)


# --- chapters 5-7: layer shapes ------------------------------------------------------------

@st.composite
def conv_geometries(draw, *, max_batch: int = 3, max_channels: int = 3, max_filters: int = 3,
                    max_filter: int = 4, max_stride: int = 3, max_pad: int = 2,
                    max_out: int = 5):
    """``(x_shape, W_shape, stride, pad)`` for a Convolution whose windows tile the padded
    input exactly: ``H = (OH - 1) * stride + FH - 2 * pad >= 1``, and the same for the width.
    Heights and widths are drawn independently, so non-square inputs are the rule."""
    fh, fw = draw(st.integers(1, max_filter)), draw(st.integers(1, max_filter))
    stride = draw(st.integers(1, max_stride))
    pad = draw(st.integers(0, min(max_pad, fh - 1, fw - 1)))
    oh, ow = draw(st.integers(1, max_out)), draw(st.integers(1, max_out))
    H, W = (oh - 1) * stride + fh - 2 * pad, (ow - 1) * stride + fw - 2 * pad
    if H < 1 or W < 1:
        H, W = H + 2 * pad, W + 2 * pad   # the same windows without padding still tile
        pad = 0
    n, c = draw(st.integers(1, max_batch)), draw(st.integers(1, max_channels))
    fn = draw(st.integers(1, max_filters))
    return (n, c, H, W), (fn, c, fh, fw), stride, pad


# --- hostile inputs: odd types, memory layouts and dtypes ---------------------------------
# For testing that a function validates its arguments: the same values in another layout
# or container must give the same result as a clean C-ordered float64 copy, or a clear
# refusal; a value of the wrong kind must be refused with a message naming the argument.

class NDArraySubclass(np.ndarray):
    """A trivial ndarray subclass, as third-party array types are."""


LAYOUTS = ("C", "F", "transposed", "strided", "sliced", "read-only", "subclass", "matrix",
           "masked", "list", "scalar")
"""Containers and memory layouts :func:`relayout` produces (``matrix`` only in 2-D,
``scalar`` only in 0-d, ``F``/``transposed`` change something only from 2-D on)."""

HOSTILE_DTYPES = ("bool", "int64", "uint8", "float16", "float32", "longdouble", "complex128")
"""dtypes :func:`redtype` produces."""


def relayout(arr: np.ndarray, layout: str):
    """The values of ``arr`` in another memory layout or container (see :data:`LAYOUTS`).

    Examples
    --------
    >>> a = np.arange(6.0).reshape(2, 3)
    >>> v = relayout(a, "sliced")
    >>> np.array_equal(v, a) and not v.flags.c_contiguous
    True
    """
    arr = np.array(arr, order="C")
    if layout == "C":
        return arr
    if layout == "F":
        return np.array(arr, order="F")
    if layout == "transposed":  # axes rotated in memory: a view that is neither C nor F in 3-D
        perm = tuple(range(1, arr.ndim)) + (0,) if arr.ndim else ()
        return np.transpose(np.array(np.transpose(arr, perm), order="C"), np.argsort(perm))
    if layout in ("strided", "sliced"):
        if arr.ndim == 0:
            return np.array([arr[()], 0.0], dtype=arr.dtype)[0:1].reshape(())
        wide = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1] + 1,), dtype=arr.dtype)
        view = wide[..., ::2][..., :arr.shape[-1]] if layout == "strided" else \
            wide[..., :arr.shape[-1]]
        view[...] = arr
        return view
    if layout == "read-only":
        arr.flags.writeable = False
        return arr
    if layout == "subclass":
        return arr.view(NDArraySubclass)
    if layout == "matrix":
        with warnings.catch_warnings():  # "not the recommended way": exactly why it is here
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return np.matrix(arr)
    if layout == "masked":
        return np.ma.array(arr, mask=np.zeros(arr.shape, dtype=bool))
    if layout == "list":
        return arr.tolist()
    if layout == "scalar":
        return arr[()].item()
    raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}.")


def layouts_for(arr: np.ndarray) -> tuple[str, ...]:
    """The layouts of :data:`LAYOUTS` that apply to ``arr``'s number of dimensions."""
    skip = {"matrix"} if arr.ndim != 2 else set()
    skip |= {"scalar"} if arr.ndim else set()
    return tuple(name for name in LAYOUTS if name not in skip)


def redtype(arr: np.ndarray, dtype: str) -> np.ndarray:
    """``arr`` cast to one of :data:`HOSTILE_DTYPES` (bool: ``arr > 0``; unsigned: ``|arr|``)."""
    arr = np.asarray(arr)
    if dtype == "bool":
        return np.asarray(arr > 0)
    if dtype == "uint8":
        return np.asarray(np.round(np.abs(arr)).astype(np.uint8))
    if dtype == "int64":
        return np.asarray(np.round(arr).astype(np.int64))
    return arr.astype(dtype)


def odd_values():
    """Values of the wrong kind for an array or number argument: None, text, containers,
    object and text arrays, ragged lists, complex numbers, booleans and huge integers."""
    return st.sampled_from([
        None, "1.0", b"1", {"a": 1.0}, {1.0, 2.0}, object(), [1.0, "a"], [[1.0], [1.0, 2.0]],
        np.array([None, 1.0], dtype=object), np.array(["1.0"]),
        np.array(["2024-01-01"], dtype="datetime64[D]"), lambda v: v,
    ])


def odd_numbers():
    """Values a number argument (a step, a rate, a size, a seed) must refuse."""
    return st.sampled_from([None, "1", [1.0], np.array([1.0, 2.0]), {}, True, 1j,
                            float("nan"), float("inf"), -float("inf"), -1.0, -1, 0, 10**400])
