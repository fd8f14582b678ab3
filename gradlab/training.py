"""Mini-batch SGD, the training procedure of the book's section 4.5.2.

Sample a mini-batch, compute the gradient of the loss on it, step against the
gradient, repeat; once per epoch measure loss and accuracy on the whole
training and test sets. The gradient comes from backpropagation, from the
book's per-parameter finite-difference loop, or from the structured finite
differences of ``TwoLayerNet.numerical_gradient(..., method="structured")``.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

from ._validation import (
    as_float_array,
    as_numeric_array,
    as_targets,
    check_finite,
    check_nonempty,
    check_params,
    check_seed,
    first_nonfinite,
    one_of,
    positive_finite,
    positive_int,
)
from .errors import DivergenceWarning, GradlabTypeError, GradlabValueError, user_stacklevel

__all__ = ["train", "TrainingHistory", "GRADIENTS", "NUMERICAL_MAX_EVALUATIONS",
           "DIVERGENCE_FACTOR", "ITERS_NUM", "BATCH_SIZE", "LEARNING_RATE"]

GRADIENTS = ("backprop", "numerical", "structured")
"""How :func:`train` computes each gradient."""

ITERS_NUM, BATCH_SIZE, LEARNING_RATE = 1200, 100, 2.0
""":func:`train`'s defaults: 80 epochs of the digits at batch 100, and a step that suits
them (the book uses 0.1 on MNIST)."""

DIVERGENCE_FACTOR = 4.0
"""Training stops when the training-set loss exceeds this many times
``max(initial loss, log(classes))``, the loss of guessing uniformly."""

NUMERICAL_MAX_EVALUATIONS = 1_000_000
"""Most loss evaluations ``gradient="numerical"`` may spend without ``max_evaluations=None``.

At about 30 microseconds per evaluation (a small net, batch 100) this is half a minute."""

SLOW_NUMERICAL = (
    "gradient='numerical' runs the book's loop: 2 loss evaluations per parameter per "
    "iteration, here 2 x {params} parameters x {iters} iterations = {evals:.2g} evaluations "
    "(the limit is max_evaluations={limit:.2g}). Backprop computes the same gradient for the "
    "cost of about 3 evaluations per iteration, so the loop is only sensible for tiny nets "
    "or a few iterations (the book's 784-50-10 net needs ~9 s per iteration). Use "
    "gradient='backprop' or 'structured', fewer iterations or a smaller net, or pass "
    "max_evaluations=None to wait anyway."
)


@dataclass
class TrainingHistory:
    """What :func:`train` measured, epoch by epoch (entry 0 is before training).

    Attributes
    ----------
    epoch, iteration : list
        When each record was taken (epochs may end in a fraction for a last,
        partial epoch).
    loss, train_acc, test_acc : list of float
        Loss and accuracy on the whole training set and accuracy on the test set.
    iteration_loss : list of float
        Loss of every mini-batch, before its update (the book's ``train_loss_list``).
    diverged : bool
        True when training stopped because the loss or the weights became nan/inf.
    """

    iters_per_epoch: int
    learning_rate: float
    batch_size: int
    gradient: str
    epoch: list[float] = field(default_factory=list)
    iteration: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    iteration_loss: list[float] = field(default_factory=list)
    diverged: bool = False
    message: str = ""
    seconds: float = 0.0

    def rows(self) -> list[tuple]:
        """One ``(epoch, iteration, loss, train_acc, test_acc)`` tuple per record."""
        return list(zip(self.epoch, self.iteration, self.loss, self.train_acc, self.test_acc,
                        strict=True))

    def to_dict(self) -> dict:
        """Plain lists and numbers, ready for ``json``."""
        return asdict(self)


def _check_inputs(x_train, t_train, x_test, t_test):
    """The four arrays, numeric, non-empty and finite; x as floats, t as given (labels)."""
    arrays = []
    for name, value in (("x_train", x_train), ("t_train", t_train), ("x_test", x_test),
                        ("t_test", t_test)):
        arr = as_float_array(value, name) if name[0] == "x" else as_numeric_array(value, name)
        check_nonempty(arr, name)
        check_finite(arr, name)
        if arr.ndim == 0:
            raise GradlabValueError(f"{name} is a scalar; pass one row (or label) per sample.")
        arrays.append(arr)
    for part, x, t in (("train", arrays[0], arrays[1]), ("test", arrays[2], arrays[3])):
        if len(x) != len(t):
            raise GradlabValueError(f"x_{part} has {len(x)} samples but t_{part} has {len(t)}; "
                                    f"they must match.")
    return arrays


def _check_net(net) -> None:
    """A network train can update in place: ``params`` a dict of float ndarrays, and methods."""
    missing = [m for m in ("params", "predict", "loss") if not hasattr(net, m)]
    if missing:
        raise GradlabTypeError(f"net has no {', '.join(missing)}; train needs a network such "
                               f"as gradlab.TwoLayerNet (params, predict, loss, gradient).")
    params = check_params(net.params, {k: np.shape(v) for k, v in dict(net.params).items()},
                          "net.params")
    for key, value in params.items():
        if not isinstance(value, np.ndarray) or not value.flags.writeable:
            raise GradlabTypeError(f"net.params[{key!r}] must be a writeable NumPy array: train "
                                   f"updates it in place.")


def _check_grads(grads, params: dict):
    """What a gradient method returned, as a dict of arrays of the parameters' shapes."""
    return check_params(grads, {k: v.shape for k, v in params.items()}, "the gradient")


def _gradient_function(net, gradient: str):
    method = "gradient" if gradient == "backprop" else "numerical_gradient"
    if not callable(getattr(net, method, None)):
        raise GradlabTypeError(f"net has no {method} method, which gradient={gradient!r} "
                               f"calls; choose another gradient.")
    if gradient == "backprop":
        return net.gradient
    if gradient == "numerical":
        return net.numerical_gradient
    return lambda x, t: net.numerical_gradient(x, t, method="structured")


def _evaluate(net, x, t) -> tuple[float, float]:
    """The net's own loss on a whole set, and its accuracy (arg-max of ``predict``)."""
    y = np.asarray(net.predict(x))
    target = as_targets(t, y.shape, "t")
    labels = target.labels if target.one_hot is None else np.argmax(target.one_hot, axis=-1)
    return float(net.loss(x, t)), float(np.mean(np.argmax(y, axis=-1) == labels))


def _nonfinite(values: dict) -> str | None:
    for key, value in values.items():
        if first_nonfinite(np.asarray(value)) is not None:
            return key
    return None


def train(net, x_train, t_train, x_test, t_test, *, iters_num: int = ITERS_NUM,
          batch_size: int = BATCH_SIZE, learning_rate: float = LEARNING_RATE,
          gradient: str = "backprop",
          seed=None, quiet: bool | None = None,
          max_evaluations: float | None = NUMERICAL_MAX_EVALUATIONS) -> TrainingHistory:
    """Train ``net`` in place by mini-batch SGD and record loss and accuracy per epoch.

    Parameters
    ----------
    net : TwoLayerNet or a book-style network
        Anything with ``params`` (dict of float arrays, updated in place),
        ``predict``, ``loss``, ``gradient`` and ``numerical_gradient``.
    x_train, t_train, x_test, t_test : ndarray
        Data and targets (integer labels or one-hot rows).
    iters_num : int, optional
        Number of updates, default 1200 (80 epochs of the digits at batch 100).
    batch_size : int, optional
        Samples per mini-batch, default 100 (drawn without replacement within a batch).
    learning_rate : float, optional
        Step size, default 2.0 (suits the digits; the book uses 0.1 on MNIST).
    gradient : {"backprop", "numerical", "structured"}
        ``"backprop"``: ``net.gradient``. ``"numerical"``: ``net.numerical_gradient``,
        the book's per-parameter loop. ``"structured"``:
        ``net.numerical_gradient(x, t, method="structured")``.
    seed : int or None
        Seeds the mini-batch sampling; with a seeded net, training is reproducible.
    quiet : bool or None
        Hide the progress bar. Default: show it only when stderr is a terminal.
    max_evaluations : float or None
        Refuse ``gradient="numerical"`` runs that would need more loss
        evaluations than this (default 1e6); None means no limit.

    Returns
    -------
    TrainingHistory
        Record 0 is the untrained net; then one record per epoch of
        ``ceil(len(x_train) / batch_size)`` iterations, and one at the end.

    Raises
    ------
    ValueError
        For bad arguments or data, an unknown gradient method, or a numerical
        run over ``max_evaluations`` (the message gives the count and the fix).

    Warns
    -----
    DivergenceWarning
        When the loss, a gradient or the updated weights become nan/inf, or
        the training-set loss at an epoch exceeds four times
        ``max(initial loss, log(classes))``: training stops there and
        ``history.diverged`` is set. Non-finite updates are not applied.

    Notes
    -----
    Follows section 4.5.2: random mini-batch, gradient, ``W -= lr * grad``.
    With the book's ``delta = 1e-7`` the loss of ``TwoLayerNet`` can never
    be nan: at most ``-log(1e-7)`` = 16.1. A learning rate that is far too
    large saturates the sigmoids and softmax instead, and the loss jumps to
    ~14 with chance accuracy while the gradient vanishes (it does not
    recover); that is why a loss above four times the uniform-guess loss
    ``log(classes)`` also counts as divergence.
    Unlike the book's script, the loss is recorded *before* each update (the
    loss the gradient belongs to), and per-epoch loss is measured on the
    whole training set alongside the accuracies.

    Examples
    --------
    >>> from gradlab import TwoLayerNet
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(40, 2)); t = (x[:, 0] > 0).astype(int)
    >>> net = TwoLayerNet(2, 8, 2, weight_init_std=0.5, seed=0)
    >>> h = train(net, x, t, x, t, iters_num=200, batch_size=20, learning_rate=1.0,
    ...           seed=0, quiet=True)
    >>> h.test_acc[-1] > 0.9 and np.allclose(h.iteration, [0] + list(range(2, 201, 2)))
    True
    """
    x_train, t_train, x_test, t_test = _check_inputs(x_train, t_train, x_test, t_test)
    _check_net(net)
    iters_num = positive_int(iters_num, "iters_num")
    batch_size = positive_int(batch_size, "batch_size")
    train_size = len(x_train)
    if batch_size > train_size:
        raise GradlabValueError(f"batch_size={batch_size} exceeds the {train_size} training "
                                f"samples; pass batch_size <= {train_size}.")
    learning_rate = positive_finite(learning_rate, "learning_rate")
    grad_fn = _gradient_function(net, one_of(gradient, GRADIENTS, "gradient"))
    seed = check_seed(seed)
    if max_evaluations is not None:
        max_evaluations = positive_finite(max_evaluations, "max_evaluations")
    n_params = sum(np.size(v) for v in net.params.values())
    evals = 2.0 * n_params * iters_num
    if gradient == "numerical" and max_evaluations is not None and evals > max_evaluations:
        raise GradlabValueError(SLOW_NUMERICAL.format(params=n_params, iters=iters_num, evals=evals,
                                               limit=max_evaluations))

    ipe = max(math.ceil(train_size / batch_size), 1)
    n_classes = np.atleast_2d(net.predict(x_train[:1])).shape[1]
    hist = TrainingHistory(ipe, learning_rate, batch_size, gradient)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()

    def record(i) -> bool:
        """Append a record; return False when the loss shows that training diverged."""
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                loss, train_acc = _evaluate(net, x_train, t_train)
        except ValueError as exc:
            if i == 0:
                raise
            return _diverge(hist, i, f"the forward pass failed ({exc})", kept=i)
        hist.epoch.append(round(i / ipe, 3))
        hist.iteration.append(i)
        hist.loss.append(loss)
        hist.train_acc.append(train_acc)
        hist.test_acc.append(_evaluate(net, x_test, t_test)[1])
        limit = DIVERGENCE_FACTOR * max(hist.loss[0], math.log(n_classes))
        if loss > limit:
            return _diverge(hist, i, f"the training loss rose to {loss:.3g}, more than "
                                     f"{DIVERGENCE_FACTOR:g} x max(initial loss, loss of a "
                                     f"uniform guess) = {limit:.3g}", kept=i)
        return True

    record(0)
    from tqdm.auto import tqdm

    quiet = not sys.stderr.isatty() if quiet is None else quiet
    with tqdm(total=iters_num, desc="train", unit="it", disable=quiet, leave=False,
              file=sys.stderr) as bar:
        for i in range(1, iters_num + 1):
            idx = rng.choice(train_size, batch_size, replace=False)
            x_batch, t_batch = x_train[idx], t_train[idx]
            try:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    loss = float(net.loss(x_batch, t_batch))
                    grads = grad_fn(x_batch, t_batch)
            except (ValueError, FloatingPointError) as exc:
                if i == 1:
                    raise
                _diverge(hist, i, f"the forward pass failed ({exc})", kept=i - 1)
                break
            grads = _check_grads(grads, net.params)  # a bug in the net, not a divergence
            with np.errstate(over="ignore", invalid="ignore"):
                new = {k: net.params[k] - learning_rate * grads[k] for k in net.params}
            bad = _nonfinite({"the loss": loss, **{f"grad[{k!r}]": g for k, g in grads.items()},
                              **{f"the updated params[{k!r}]": v for k, v in new.items()}})
            if bad:
                _diverge(hist, i, f"{bad} is not finite", kept=i - 1)
                break
            for k, value in new.items():
                net.params[k][...] = value
            hist.iteration_loss.append(loss)
            bar.update(1)
            if i % ipe == 0 or i == iters_num:
                if not record(i):
                    break
                bar.set_postfix(loss=f"{hist.loss[-1]:.3f}", test_acc=f"{hist.test_acc[-1]:.3f}")
    hist.seconds = time.perf_counter() - start
    return hist


def _diverge(hist: TrainingHistory, i: int, what: str, *, kept: int) -> bool:
    """Mark the history as diverged and warn at ``train``'s caller; return False (stop)."""
    hist.diverged = True
    hist.message = (
        f"training diverged at iteration {i} (epoch {(i - 1) // hist.iters_per_epoch + 1}): "
        f"{what} with learning_rate={hist.learning_rate:g}. The updates overshoot and the "
        f"weights blew up; lower the learning rate (try {hist.learning_rate / 10:g}). "
        f"Training stopped; the network keeps the weights of iteration {kept}."
    )
    warnings.warn(hist.message, DivergenceWarning, stacklevel=user_stacklevel())
    return False
