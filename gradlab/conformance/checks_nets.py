"""Checks of TwoLayerNet (section 4.5) against the oracle.

Test points have non-zero biases (a wrong bias gradient is invisible at the book's
zero initialisation) and include a square batch, N = number of classes, where a
sum over the wrong axis still has the right shape.
"""

from __future__ import annotations

import numpy as np

from . import oracle
from .harness import Failed, compare, describe_exception, fmt
from .records import Outcome
from .registry import check
from .tolerances import GRADIENT_RTOL, central_difference_tolerance, parity_tolerance

KEYS = ("W1", "b1", "W2", "b2")
DELTA_NOTE = ("note: matches the book's delta-free gradient (y - t) / N; the ~3e-7 relative "
              "residual against the exact gradient of its loss is the delta = 1e-7 inside "
              "the log, not a bug")




def _params(seed=4, sizes=(4, 5, 3)):
    rng = np.random.default_rng(seed)
    n_in, n_hid, n_out = sizes
    return {"W1": rng.normal(0, 0.8, (n_in, n_hid)), "b1": rng.normal(0, 0.3, n_hid) + 0.1,
            "W2": rng.normal(0, 0.8, (n_hid, n_out)), "b2": rng.normal(0, 0.3, n_out) + 0.15}


def _batches(params):
    rng = np.random.default_rng(7)
    n_in, n_out = params["W1"].shape[0], params["W2"].shape[1]
    out = []
    for n in (2, n_out):  # a non-square batch, then a square one
        x = rng.normal(0, 1.0, (n, n_in))
        labels = rng.integers(0, n_out, n)
        out.append((x, np.eye(n_out)[labels], labels))
    return out


def make_two_layer_net(h, params):
    """Build the target's TwoLayerNet and write ``params`` into its ``params`` in place
    (in place, so that layers holding references to the arrays, as in chapter 5, see them)."""
    cls = h.fn("TwoLayerNet")
    n_in, n_hid = params["W1"].shape
    n_out = params["W2"].shape[1]
    try:
        net = cls(input_size=n_in, hidden_size=n_hid, output_size=n_out,
                  weight_init_std=0.01)
    except TypeError:
        net = cls(n_in, n_hid, n_out)
    try:
        own = h.get(net.params)
    except AttributeError:
        own = None
    if not isinstance(own, dict) or any(k not in own for k in KEYS):
        raise Failed(Outcome("fail", "TwoLayerNet has no params dict with keys W1 b1 W2 b2 "
                                     "(the book's API)"))
    for k in KEYS:
        if np.shape(own[k]) != params[k].shape:
            raise Failed(Outcome("fail", f"TwoLayerNet({n_in}, {n_hid}, {n_out}).params[{k!r}]"
                                         f" has shape {np.shape(own[k])}, expected "
                                         f"{params[k].shape}"))
        h.assign(net.params[k], params[k])
    return net


def _net_call(h, net, method, *args, restore=False):
    return h.call(f"net.{method}", getattr(net, method), *args,
                  watch={"params": net.params}, restore=restore)


def _where(params_text):
    return f"net = TwoLayerNet(4, 5, 3); net.params = {params_text}"


@check("TwoLayerNet.predict")
def net_predict(h):
    params = _params()
    net = make_two_layer_net(h, params)
    for x, _, _ in _batches(params):
        got = _net_call(h, net, "predict", x)
        want = np.asarray(oracle.value("two_layer_net_predict", params, x))
        problem = compare(got, want, parity_tolerance(want))
        if problem and _softmax_matches(got, want):
            return Outcome("pass", "note: predict returns scores before softmax (as the "
                                   "book's chapter-5 net does); their softmax matches")
        if problem:
            return Outcome("fail", f"wrong prediction on a batch of {len(x)}: {problem}",
                           f"{_where(fmt(params))}; net.predict({fmt(x)})")
    return Outcome("pass", "softmax(sigmoid(x W1 + b1) W2 + b2) on a batch and a square batch")


def _softmax_matches(scores, want) -> bool:
    try:
        scores = np.asarray(scores, dtype=float)
        shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    except (TypeError, ValueError):
        return False
    probs = shifted / shifted.sum(axis=-1, keepdims=True)
    return compare(probs, want, parity_tolerance(want, input_scale=np.max(np.abs(scores)))) \
        is None


def _own_loss_hint(h, net, x, t, grads) -> str:
    """Whether a wrong gradient is at least the gradient of the net's own loss (then the
    model differs from chapter 4's, e.g. ReLU instead of sigmoid, rather than backprop)."""
    from gradlab import numerical_gradient

    own = {}
    try:
        for k in KEYS:
            w, loss_of = h.perturbing(net.params[k], lambda: net.loss(x, t))
            own[k] = numerical_gradient(loss_of, w)
            h.assign(net.params[k], w)
    except Exception:
        return ""
    scale = max(float(np.max(np.abs(v))) for v in own.values())
    # a hint, not a verdict: h = 1e-4 central differences of an O(1) loss err by ~1e-8
    if all(compare(grads[k], own[k], 1e-6 * scale) is None for k in KEYS):
        return ("; it is the gradient of the net's own loss, so the model itself differs "
                "from chapter 4's (sigmoid hidden layer, softmax output): see TwoLayerNet.loss")
    return ""


@check("TwoLayerNet.loss")
def net_loss(h):
    params, note = _params(), ""
    net = make_two_layer_net(h, params)
    for x, t, _ in _batches(params):
        got = _net_call(h, net, "loss", x, t)
        want = np.asarray(oracle.value("two_layer_net_loss", params, x, t))
        problem = compare(got, want, parity_tolerance(want))
        if problem:
            plain = np.asarray(oracle.value("two_layer_net_loss", params, x, t, delta=0.0))
            if compare(got, plain, parity_tolerance(plain)) is None:
                note = "note: no delta in the log; "
                continue
            return Outcome("fail", f"wrong loss on a batch of {len(x)}: {problem}",
                           f"{_where(fmt(params))}; net.loss({fmt(x)}, {fmt(t)})")
    return Outcome("pass", f"{note}mean cross-entropy of the prediction")


@check("TwoLayerNet.accuracy")
def net_accuracy(h):
    params = _params()
    net = make_two_layer_net(h, params)
    for x, _, _ in _batches(params):
        labels = np.argmax(np.asarray(oracle.value("two_layer_net_predict", params, x)), axis=1)
        labels[0] = (labels[0] + 1) % params["W2"].shape[1]  # one wrong row of N
        t = np.eye(params["W2"].shape[1])[labels]
        got = _net_call(h, net, "accuracy", x, t)
        problem = compare(got, (len(x) - 1) / len(x), 1e-12)
        if problem:
            return Outcome("fail", f"wrong accuracy with one-hot t: {problem}",
                           f"{_where(fmt(params))}; net.accuracy({fmt(x)}, {fmt(t)})")
    return Outcome("pass", "fraction of rows whose arg-max matches (one-hot t)")


def _grad_mismatch(got, exact):
    """``(message, how far off)`` for ``got`` against ``exact``, or None if they match to
    GRADIENT_RTOL of the largest entry; how far off is the worst error / tolerance."""
    if not isinstance(got, dict) or any(k not in got for k in exact):
        return f"returned {type(got).__name__} without the keys {list(exact)}", np.inf
    scale = max(float(np.max(np.abs(v))) for v in exact.values())
    tol = GRADIENT_RTOL * scale
    worst = None
    for k in exact:
        problem = compare(got[k], exact[k], tol)
        if problem:
            try:
                ratio = float(np.max(np.abs(np.asarray(got[k], float) - exact[k]))) / tol
            except (TypeError, ValueError):
                ratio = np.inf
            if worst is None or not ratio <= worst[1]:
                worst = (f"grads[{k!r}] {problem}", ratio)
    return worst


def _compare_grads(got, exact) -> str | None:
    found = _grad_mismatch(got, exact)
    return found and found[0]


def _checker_report(params, x, t, grads) -> str:
    """The checker's report on a wrong gradient, when gradlab.check is available."""
    try:
        from gradlab.check import check_gradient
        from gradlab.nets import TwoLayerNet
    except ImportError:
        return ""
    net = TwoLayerNet(*params["W1"].shape, params["W2"].shape[1])
    net.params = {k: np.array(v, dtype=float) for k, v in params.items()}
    try:
        result = check_gradient(lambda p: net.loss(x, t), net.params,
                                {k: np.asarray(grads[k], dtype=float) for k in KEYS})
    except Exception as exc:  # the checker is another module's job; never let it break verify
        return f"(gradlab.check could not run: {type(exc).__name__}: {exc})"
    return str(result)


def judge_gradient(h, params, x, t, grads, call_text) -> Outcome:
    exact = oracle.grad("two_layer_net_loss", params, x, t)
    problem = _compare_grads(grads, exact)
    if problem is None:
        return Outcome("pass", "exact gradient of the loss (delta included)")
    if _compare_grads(grads, oracle.grad("two_layer_net_loss", params, x, t, delta=0.0)) is None:
        return Outcome("pass", DELTA_NOTE)
    details = _checker_report(params, x, t, grads) if isinstance(grads, dict) else ""
    return Outcome("fail", f"wrong gradient on a batch of {len(x)}: {problem}",
                   call_text, details=details)


@check("TwoLayerNet.gradient")
def net_gradient(h):
    params = _params()
    net = make_two_layer_net(h, params)
    messages = set()
    for x, t, _ in _batches(params):
        grads = _net_call(h, net, "gradient", x, t)
        outcome = judge_gradient(h, params, x, t, grads,
                                 f"{_where(fmt(params))}; net.gradient({fmt(x)}, {fmt(t)})")
        if outcome.status != "pass":
            if len(x) == t.shape[1]:
                outcome.message += " (square batch N = C: is a sum over the wrong axis?)"
            if isinstance(grads, dict) and all(k in grads for k in KEYS):
                outcome.message += _own_loss_hint(h, net, x, t, grads)
            return outcome
        messages.add(outcome.message)
    return Outcome("pass", "; ".join(sorted(messages)) + " (non-zero biases, square batch)")


@check("TwoLayerNet.numerical_gradient", quick=False)
def net_numerical_gradient(h):
    params = _params()
    net = make_two_layer_net(h, params)
    x, t, _ = _batches(params)[0]
    got = _net_call(h, net, "numerical_gradient", x, t, restore=True)
    exact = oracle.grad("two_layer_net_loss", params, x, t)
    third = oracle.third_derivatives("two_layer_net_loss", params, x, t)
    loss = float(oracle.value("two_layer_net_loss", params, x, t))
    if not isinstance(got, dict) or any(k not in got for k in KEYS):
        return Outcome("fail", f"returned {type(got).__name__}, expected a dict W1 b1 W2 b2")
    for k in KEYS:
        problem = compare(got[k], exact[k], central_difference_tolerance(loss, third[k]))
        if problem:
            return Outcome("fail", f"grads[{k!r}] {problem} (beyond the central-difference "
                                   f"error h^2|f'''|/6 + eps|f|/h)",
                           f"{_where(fmt(params))}; net.numerical_gradient({fmt(x)}, {fmt(t)})")
    return Outcome("pass", "within the central-difference error of the exact gradient")


@check("TwoLayerNet.labels", quick=False)
def net_labels(h):
    """Integer labels instead of one-hot t: optional (the book's chapter-4 net takes
    one-hot only), but a silently wrong number is a failure."""
    params = _params()
    net = make_two_layer_net(h, params)
    x, t_hot, labels = _batches(params)[1]  # square: (y - labels) broadcasts silently there
    call = f"{_where(fmt(params))}; net.gradient({fmt(x)}, {fmt(labels)})"
    try:
        grads = _net_call(h, net, "gradient", x, labels)
    except Exception as exc:
        return Outcome("warn", f"integer labels are not supported "
                               f"({describe_exception(exc)[:100]}); one-hot t works (the "
                               f"book's chapter-4 net is the same)", call)
    outcome = judge_gradient(h, params, x, labels, grads, call)
    if outcome.status == "fail":
        outcome.message = (
            "integer labels t give a silently wrong gradient (one-hot t is right): "
            + outcome.message + "; with labels, y - t broadcasts t of shape (N,) across the "
            "classes when N = C. Convert labels to one-hot inside gradient, or raise an error "
            "(the book's chapter-4 net takes one-hot t only, while its loss takes both)")
    return outcome


@check("TwoLayerNet.search", quick=False)
def net_search(h):
    from hypothesis import strategies as st

    from gradlab.strategies import two_layer_net_params


    def prop(case):
        params, x, labels = case
        t = np.eye(3)[labels]
        net = make_two_layer_net(h, params)
        grads = _net_call(h, net, "gradient", x, t)
        exact = _grad_mismatch(grads, oracle.grad("two_layer_net_loss", params, x, t))
        plain = exact and _grad_mismatch(
            grads, oracle.grad("two_layer_net_loss", params, x, t, delta=0.0))
        if not exact or not plain:
            return None
        return min(exact, plain, key=lambda m: m[1])[0]  # the explanation that fits better

    strategy = st.tuples(two_layer_net_params(input_size=4, hidden_size=5, output_size=3),
                         st.just(np.random.default_rng(3).normal(size=(2, 4))),
                         st.lists(st.integers(0, 2), min_size=2, max_size=2).map(np.array))
    found = h.search(strategy, prop)
    if found is None:
        return Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
    (params, x, labels), message = found
    return Outcome("fail", f"hypothesis found a wrong gradient: {message}",
                   f"{_where(fmt(params))}; net.gradient({fmt(x)}, {fmt(np.eye(3)[labels])})")
