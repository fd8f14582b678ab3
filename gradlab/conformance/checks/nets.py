"""Checks of TwoLayerNet (section 4.5, and chapter 5's of the same name), on its own terms.

Its ``gradient`` and ``numerical_gradient`` are judged against finite differences of
*its own* ``loss`` (:mod:`..ownloss`), whatever model it implements; its ``predict``
against the model family its structure implements (:mod:`..networks`: sigmoid or ReLU
hidden layer, softmax in predict or only in the loss), and its ``loss`` as the
cross-entropy of its own prediction, under the convention its values follow. Test points
have non-zero biases (a wrong bias gradient is invisible at the book's zero
initialisation) and include a square batch, N = number of classes, where a sum over the
wrong axis still has the right shape.
"""

from __future__ import annotations

import numpy as np

from .. import oracle
from ..harness import Skipped, compare, describe_exception, fmt
from ..networks import KEYS, write
from ..ownloss import as_grads, own_gradient
from ..records import Outcome
from ..registry import check
from ..session import RemoteError
from ..tolerances import GRADIENT_RTOL, H_RANGE, central_difference_tolerance
from ..twolayer import LARGE, Setup, judge_gradient, loss_convention, model


@check("TwoLayerNet.predict")
def net_predict(h):
    s = Setup(h)
    m = model(h, s)
    if m.reason:
        return Outcome("warn", f"model not recognised: {m.reason}; its predict and loss "
                               f"values are not judged (its gradients are, against its own "
                               f"loss)")
    if m.family is not None:
        book = m.family.hidden == "sigmoid" and m.family.output == "probabilities"
        return Outcome("pass", ("" if book else "note: ") + f"{m.family.name}: matches the "
                       f"JAX oracle on a batch and a square batch")
    problem, fam, x = m.problem
    hidden = {f.hidden for f in m.allowed}
    if len(hidden) > 1:
        return Outcome("warn", f"model not recognised: its predictions match neither the "
                               f"sigmoid nor the ReLU two-layer model (e.g. {problem}); its "
                               f"gradients are still judged against its own loss",
                       s.where(f"net.predict({fmt(x)})"))
    return Outcome("fail", f"wrong prediction on a batch of {len(x)}: {problem} [assuming "
                           f"{fam.name}, which its structure implements]",
                   s.where(f"net.predict({fmt(x)})"))


@check("TwoLayerNet.loss")
def net_loss(h):
    s = Setup(h)
    m = model(h, s)
    conv, bad = loss_convention(s, m)
    if conv is None:
        x, t, why = bad
        return Outcome("fail", f"wrong loss on a batch of {len(x)}: {why} [assuming the "
                               f"cross-entropy of its own predict output (softmax of it when "
                               f"it returns scores), delta = 1e-7]",
                       s.where(f"net.loss({fmt(x)}, {fmt(t)})"))
    note = "" if conv.book else f"note: {conv.unseen_name}; "
    return Outcome("pass", f"{note}mean cross-entropy of its own prediction")


@check("TwoLayerNet.accuracy")
def net_accuracy(h):
    s = Setup(h)
    m = model(h, s)
    wrong = {}
    for form in ("one-hot", "labels"):
        if form == "labels" and "one-hot" not in wrong:
            break  # one-hot t is the book's API: labels are tried only to explain a failure
        for (x, _, _), out in zip(s.batches, m.outputs, strict=True):
            labels = np.argmax(out, axis=1)
            labels[0] = (labels[0] + 1) % s.classes  # one wrong row of N
            t = np.eye(s.classes)[labels] if form == "one-hot" else labels
            try:
                got = s.call("accuracy", x, t)
            except (TypeError, ValueError, IndexError, AttributeError, RemoteError) as exc:
                if getattr(exc, "type_name", "") == "NameError":
                    raise
                wrong[form] = (f"crashed: {describe_exception(exc)[:120]}", x, t)
                break
            problem = compare(got, (len(x) - 1) / len(x), 1e-12)
            if problem:
                wrong[form] = (problem, x, t)
                break
    if "one-hot" not in wrong:
        return Outcome("pass", "fraction of rows whose arg-max matches (one-hot t)")
    problem, x, t = wrong["one-hot"]
    call = s.where(f"net.accuracy({fmt(x)}, {fmt(t)})")
    if "labels" not in wrong:
        return Outcome("warn", f"labels t only: with one-hot t it {problem}; with integer "
                               f"labels it is right. The book's chapter-4 accuracy takes "
                               f"one-hot t (argmax of t), chapter 5's both", call)
    return Outcome("fail", f"wrong accuracy with one-hot t: {problem} [one row of "
                           f"{len(x)} misclassified by its own predict; labels fail too]",
                   call)


@check("TwoLayerNet.gradient")
def net_gradient(h):
    s = Setup(h)
    m = model(h, s)
    messages = set()
    for x, t, _ in s.batches:
        outcome = judge_gradient(s, m, x, t, s.call("gradient", x, t))
        if outcome.status != "pass":
            h.memo("gradient failed", lambda: True)
            return outcome
        messages.add(outcome.message)
    return Outcome("pass", "; ".join(sorted(messages)) + " (non-zero biases, square batch)")


@check("TwoLayerNet.numerical_gradient", quick=False)
def net_numerical_gradient(h):
    s = Setup(h)
    m = model(h, s)
    x, t, _ = s.batches[0]
    got, how = as_grads(s.call("numerical_gradient", x, t, restore=True), KEYS)
    call = s.where(f"net.numerical_gradient({fmt(x)}, {fmt(t)})")
    if got is None:
        return Outcome("fail", how, call)
    conv, _ = loss_convention(s, m)
    if m.family is not None and conv is not None and s.size <= LARGE:
        delta = conv.floor if conv.mode == "add" else 0.0
        args = (s.params, x, t)
        exact = oracle.grad("multi_layer_net_loss", *args, activation=m.family.hidden,
                            delta=delta)
        third = oracle.third_derivatives("multi_layer_net_loss", *args,
                                         activation=m.family.hidden)
        loss = abs(float(oracle.value("multi_layer_net_loss", *args,
                                      activation=m.family.hidden, delta=delta)))
        # plus the rounding of the step itself in the net's arrays (x + h is stored in
        # their dtype: an error of eps |x| in h, eps |x| |g| / h in the derivative)
        tol = {k: central_difference_tolerance(loss, third[k], eps=s.eps)
               + s.eps * float(np.max(np.abs(s.params[k]))) * np.abs(exact[k]) / H_RANGE[0]
               for k in KEYS}
        basis = f"the exact gradient of its loss ({m.family.name})"
    else:
        exact, tol = own_gradient(s.loss_of(x, t), s.params)
        s.restore()
        basis = "finite differences of its own loss"
    for k in KEYS:
        seen = ~np.isnan(exact[k])
        mine = np.asarray(got[k], dtype=float)
        if mine.shape != exact[k].shape:
            return Outcome("fail", f"grads[{k!r}] has shape {mine.shape}, expected "
                                   f"{exact[k].shape}", call)
        problem = compare(mine[seen], exact[k][seen], np.broadcast_to(tol[k], seen.shape)[seen])
        if problem:
            return Outcome("fail", f"grads[{k!r}] {problem} (against {basis}; beyond the "
                                   f"central-difference error h^2|f'''|/6 + eps|f|/h)", call)
    return Outcome("pass", f"within the central-difference error of {basis}")


@check("TwoLayerNet.labels", quick=False)
def net_labels(h):
    """Integer labels instead of one-hot t: optional (the book's chapter-4 net takes
    one-hot only, as MNIST is loaded with one_hot_label=True); a silently different
    gradient is a hazard of that restriction, reported as a warning."""
    s = Setup(h)
    x, t_hot, labels = s.batches[1]  # square: (y - labels) broadcasts silently there
    hot = s.call("gradient", x, t_hot)
    try:
        got = s.call("gradient", x, labels)
    except (TypeError, ValueError, IndexError, AttributeError) as exc:
        what = getattr(exc, "type_name", type(exc).__name__)
        return Outcome("pass", f"note: integer labels are refused ({what}); one-hot t "
                               f"works, as the book's chapter-4 net")
    grads, _ = as_grads(got, KEYS)
    reference, _ = as_grads(hot, KEYS)
    if grads is not None and reference is not None and all(
            np.shape(grads[k]) == np.shape(reference[k]) and
            compare(grads[k], reference[k], GRADIENT_RTOL * 1e3) is None for k in KEYS):
        return Outcome("pass", "integer labels t give the same gradient as one-hot t")
    differs = next((k for k in KEYS if grads is None or reference is None or
                    np.shape(grads[k]) != np.shape(reference[k]) or
                    compare(grads[k], reference[k], GRADIENT_RTOL * 1e3)), "W1")
    return Outcome("warn", f"integer labels t give a silently different gradient on a square "
                           f"batch (grads[{differs!r}] differs from the one-hot result): with "
                           f"labels, y - t broadcasts t of shape (N,) across the classes when "
                           f"N = C. The book's chapter-4 net has this hazard too (it takes "
                           f"one-hot t only, loaded with one_hot_label=True); convert labels "
                           f"to one-hot inside gradient, or refuse them",
                   s.where(f"net.gradient({fmt(x)}, {fmt(labels)})"))


@check("TwoLayerNet.search", quick=False)
def net_search(h):
    from hypothesis import strategies as st

    from gradlab.strategies import two_layer_net_params

    if h.memo("gradient failed", lambda: False):
        raise Skipped("its gradient already fails on the fixed inputs (TwoLayerNet.gradient);"
                      " a search would only shrink the same bug")
    s = Setup(h)
    m = model(h, s)
    shapes = s.net.shapes
    if s.size > LARGE:
        raise Skipped(f"{s.net.how} has {s.size} parameters: the search is for small nets")

    def prop(case):
        params, x, labels = case
        # in the net's own dtype, as Setup's values are: a float32 net would round float64
        # values on the way in, and the check would see a float64 x whose f rounds it
        s.params = {k: np.asarray(params[k], dtype=s.params[k].dtype).reshape(shapes[k])
                    for k in KEYS}
        write(h, s.net, s.params)
        t = np.eye(s.classes)[labels]
        outcome = judge_gradient(s, m, x, t, s.call("gradient", x, t), mode="fast")
        return None if outcome.status != "fail" else outcome.message

    n_in, n_hid = shapes["W1"]
    strategy = st.tuples(two_layer_net_params(input_size=n_in, hidden_size=n_hid,
                                              output_size=s.classes),
                         st.just(np.random.default_rng(3).normal(size=(2, n_in))),
                         st.lists(st.integers(0, s.classes - 1), min_size=2,
                                  max_size=2).map(np.array))
    found = h.search(strategy, prop)
    if found is None:
        return Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
    (params, x, labels), message = found
    return Outcome("fail", f"hypothesis found: {message}",
                   s.where(f"net.gradient({fmt(x)}, {fmt(np.eye(s.classes)[labels])})"))
