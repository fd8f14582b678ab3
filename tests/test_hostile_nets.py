"""Hostile input to SimpleNet and TwoLayerNet: inputs, targets and parameters."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import gradlab as gl
from gradlab.strategies import (
    HOSTILE_DTYPES,
    finite_arrays,
    labels,
    layouts_for,
    odd_numbers,
    odd_values,
    redtype,
    relayout,
)
from tests.hostile import REFUSE, SAME, check, check_refused, outcome, tolerance

SIZES = (4, 3, 3)


def make_net(seed=0):
    net = gl.TwoLayerNet(*SIZES, weight_init_std=0.5, seed=seed)
    net.params["b1"] += 0.1
    net.params["b2"] -= 0.2
    return net


def net_results(net, x, t, numerical=True):
    """What each public method returns for (x, t); the loop only where asked (it is slow)."""
    out = {"predict": net.predict(x), "loss": net.loss(x, t), "accuracy": net.accuracy(x, t),
           "gradient": net.gradient(x, t),
           "structured": net.numerical_gradient(x, t, method="structured")}
    if numerical:
        out["loop"] = net.numerical_gradient(x, t)
    return out


batches = st.sampled_from([1, 2, 5]).flatmap(
    lambda n: st.tuples(finite_arrays((n, SIZES[0]), bound=3.0), labels((n,), SIZES[2])))


@given(batch=batches, data=st.data())
def test_inputs_in_any_layout(batch, data):
    x, t = batch
    net = make_net()
    layout = data.draw(st.sampled_from(layouts_for(x)))
    check(lambda v: net_results(net, v, t), relayout(x, layout), x, "x",
          REFUSE if layout == "masked" else SAME)


@given(batch=batches, dtype=st.sampled_from(HOSTILE_DTYPES))
def test_inputs_in_any_dtype(batch, dtype):
    # The structured method works in float64 only: complex x is refused there, and with it
    # the whole call; the loop and the other methods take complex x (complex-step checks).
    x, t = batch
    net = make_net()
    hostile = redtype(x, dtype)
    clean = np.array(hostile, dtype=np.complex128 if dtype.startswith("complex") else float)
    want = net_results(net, clean.real, t, numerical=False)
    check(lambda v: net_results(net, v, t, numerical=False), hostile, clean, "x",
          REFUSE if dtype.startswith("complex") else SAME,
          atol=tolerance(dtype, want, 1 + float(np.max(np.abs(clean)))))


@given(batch=batches, data=st.data())
def test_targets_in_any_layout_and_form(batch, data):
    x, t = batch
    net = make_net()
    hot = gl.one_hot(t, SIZES[2])
    for target in (t, hot):
        layout = data.draw(st.sampled_from(layouts_for(target)))
        check(lambda v: net_results(net, x, v, numerical=False), relayout(target, layout),
              target, "t", REFUSE if layout == "masked" else SAME)
    a, b = net_results(net, x, t), net_results(net, x, hot)
    assert a["accuracy"] == b["accuracy"]
    # the two forms sum the same terms in another order: a few ulps of the loss apart
    assert abs(a["loss"] - b["loss"]) <= 4 * np.finfo(float).eps * a["loss"]


@given(batch=batches, dtype=st.sampled_from(HOSTILE_DTYPES))
def test_labels_must_be_integers_for_every_method(batch, dtype):
    x, t = batch
    net = make_net()
    hostile = redtype(t, dtype)
    check(lambda v: net_results(net, x, v, numerical=False), hostile, t, "t",
          SAME if hostile.dtype.kind in "iu" else REFUSE)


@given(batch=batches, bad=st.sampled_from([-1, 3, 10, 2**40]))
def test_out_of_range_labels_are_refused_by_every_method(batch, bad):
    # accuracy used to return 0.0 for t + 10 while loss raised for the same labels
    x, t = batch
    t = t.copy()
    t[0] = bad
    net = make_net()
    for method in (net.loss, net.accuracy, net.gradient, net.numerical_gradient,
                   lambda x, t: net.numerical_gradient(x, t, method="structured")):
        check_refused(lambda v, m=method: m(x, v), "t", t)


PARAM_LAYOUT = {"masked": REFUSE}
LOOP_LAYOUT = {"masked": REFUSE, "read-only": REFUSE, "matrix": REFUSE, "list": REFUSE}
"""The loop perturbs each parameter in place: it must be a writeable ndarray that is not an
np.matrix; everything else reads the parameters and takes any layout."""


@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
@given(batch=batches, data=st.data())
def test_parameters_in_any_layout(key, batch, data):
    x, t = batch
    net, clean_net = make_net(), make_net()
    layout = data.draw(st.sampled_from(layouts_for(clean_net.params[key])))
    net.params[key] = relayout(clean_net.params[key], layout)
    label = f"params[{key!r}]"
    check(lambda n: net_results(n, x, t, numerical=False), net, clean_net, label,
          PARAM_LAYOUT.get(layout, SAME))
    check(lambda n: n.numerical_gradient(x, t), net, clean_net, label,
          LOOP_LAYOUT.get(layout, SAME))


@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
@given(batch=batches, dtype=st.sampled_from(HOSTILE_DTYPES))
def test_parameters_in_any_dtype(key, batch, dtype):
    # Integer parameters would truncate every update and every step of h: refused. Narrow
    # and wide floats compute in their precision; the structured method wants float64.
    x, t = batch
    net, clean_net = make_net(), make_net()
    net.params[key] = redtype(clean_net.params[key], dtype)
    clean_net.params[key] = net.params[key].astype(
        np.complex128 if dtype.startswith("complex") else float)
    reads = SAME if dtype in ("float16", "float32", "longdouble", "complex128") else REFUSE
    label = f"params[{key!r}]"
    want, _ = outcome(lambda: {"loss": clean_net.loss(x, t)})
    check(lambda n: {"loss": n.loss(x, t), "gradient": n.gradient(x, t)}, net, clean_net,
          label, reads, atol=tolerance(dtype, want, 16.2))
    structured, error = outcome(net.numerical_gradient, x, t, method="structured")
    assert (error is None) == (dtype == "float64"), error
    assert error is None or "params" in str(error)


@pytest.mark.parametrize("change", ["missing", "extra", "wrong shape", "not a dict"])
def test_broken_params_dicts_are_named(change):
    net = make_net()
    if change == "missing":
        del net.params["b2"]
    elif change == "extra":
        net.params["W3"] = np.ones((3, 3))
    elif change == "wrong shape":
        net.params["W2"] = np.ones((4, 3))
    else:
        net.params = [v for v in net.params.values()]
    x, t = np.ones((2, 4)), np.array([0, 1])
    for method in (net.predict, net.loss, net.accuracy, net.gradient, net.numerical_gradient):
        _, error = outcome(method, *((x,) if method == net.predict else (x, t)))
        assert error is not None and "params" in str(error), (method, error)


@given(value=odd_values())
def test_odd_types_are_refused(value):
    net = make_net()
    x, t = np.ones((2, 4)), np.array([0, 1])
    check_refused(lambda v: net.loss(v, t), "x", value)
    check_refused(lambda v: net.accuracy(x, v), "t", value)
    if value is not None:  # SimpleNet(W=None) draws random weights, as the book does
        check_refused(lambda v: gl.SimpleNet(W=v), "W", value)
    assume(not isinstance(value, str))  # a str method is checked by name below
    check_refused(lambda v: net.numerical_gradient(x, t, method=v), "method", value)


@pytest.mark.parametrize("arg", ["input_size", "hidden_size", "output_size",
                                 "weight_init_std", "seed"])
@given(value=odd_numbers())
def test_constructor_refuses_odd_numbers(arg, value):
    assume(not (arg in ("weight_init_std", "seed") and type(value) in (int, float)
                and value == 0))
    assume(not (arg == "seed" and (value is None or type(value) is int and value > 0)))
    kwargs = dict(input_size=2, hidden_size=2, output_size=2)
    check_refused(lambda v: gl.TwoLayerNet(**{**kwargs, arg: v}), arg, value)


@given(h=odd_numbers(), method=st.sampled_from(["loop", "structured"]))
def test_numerical_gradient_refuses_odd_steps(h, method):
    # the loop used to ignore h's validity until its first element
    check_refused(lambda v: make_net().numerical_gradient(np.ones((1, 4)), np.array([0]),
                                                          method=method, h=v), "h", h)


def test_the_loop_uses_the_h_it_is_given():
    net, x, t = make_net(), np.ones((1, 4)), np.array([0])
    a, b = net.numerical_gradient(x, t, h=1e-2), net.numerical_gradient(x, t, h=1e-4)
    assert a["W1"].tobytes() != b["W1"].tobytes()  # h^2 f''' / 6 changes with h


@given(W=finite_arrays((2, 3), bound=2.0), data=st.data())
def test_simple_net_any_layout_and_never_shares_w(W, data):
    layout = data.draw(st.sampled_from(layouts_for(W)))
    hostile = relayout(W, layout)
    x, t = np.array([[0.6, 0.9], [0.1, -0.4]]), np.array([2, 0])
    check(lambda v: (lambda n: (n.W, n.predict(x), n.loss(x, t)))(gl.SimpleNet(W=v)),
          hostile, W, "W", REFUSE if layout == "masked" else SAME)
    if layout != "masked" and isinstance(hostile, np.ndarray):
        assert not np.shares_memory(gl.SimpleNet(W=hostile).W, hostile)


def test_memory_that_cannot_exist_is_refused_before_allocating():
    with pytest.raises(ValueError, match=r"TwoLayerNet\(input_size=10000000000.*GiB"):
        gl.TwoLayerNet(10**10, 50, 10)
