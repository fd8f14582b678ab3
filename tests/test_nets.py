"""SimpleNet and TwoLayerNet against the JAX oracle: values, gradients, errors, side effects."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradlab as gl
from gradlab import reference as ref
from gradlab.strategies import finite_arrays, labels, two_layer_net_params
from tests.helpers import assert_parity, assert_unchanged, snapshot

H = 1e-4
EPS64 = np.finfo(np.float64).eps

# The book's printed session of section 4.4.2 (facts quoted from the book).
BOOK_W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
BOOK_X, BOOK_T = np.array([0.6, 0.9]), np.array([0, 0, 1])
BOOK_P = np.array([1.05414809, 0.63071653, 1.1328074])
BOOK_LOSS = 0.92806853663411326
BOOK_DW = np.array([[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]])


def make_net(params):
    sizes = params["W1"].shape + params["W2"].shape[1:]
    net = gl.TwoLayerNet(*sizes, seed=0)
    net.params = {k: v.copy() for k, v in params.items()}
    return net


@st.composite
def net_batches(draw, square=False):
    """A TwoLayerNet parameter set with non-zero biases, a batch and label targets.

    Shapes come from a small fixed set so that JAX compiles each oracle once, while the
    values (where the bugs are) vary freely.
    """
    n_in, n_hid, n_out = draw(st.sampled_from([(4, 3, 3), (2, 5, 4)]))
    params = draw(two_layer_net_params(input_size=n_in, hidden_size=n_hid, output_size=n_out,
                                       scale=2.0))
    n = n_out if square else draw(st.sampled_from([1, 5]))
    x = draw(finite_arrays((n, n_in), bound=3.0))
    t = draw(labels((n,), n_out))
    return params, x, t


# --- SimpleNet ---------------------------------------------------------------------------

def test_simple_net_reproduces_the_book_session():
    net = gl.SimpleNet(W=BOOK_W)
    np.testing.assert_allclose(net.predict(BOOK_X), BOOK_P, atol=5e-9)  # printed to 8 decimals
    assert np.argmax(net.predict(BOOK_X)) == 2


def test_book_printed_loss_and_gradient_have_no_delta():
    # The book prints loss 0.92806853663411326 and dW for its simpleNet. Those are the values
    # of a cross-entropy WITHOUT delta: with the book's own delta = 1e-7 the loss is 2.5e-7
    # lower (delta / y = 1e-7 / 0.395). W is printed to 8 decimals, which moves the loss by
    # at most |dW| * 5e-9 * 6 < 1e-8 and dW by the same order: hence the tolerances.
    net = gl.SimpleNet(W=BOOK_W)
    with_delta = net.loss(BOOK_X, BOOK_T)
    without = gl.cross_entropy_error(gl.softmax(net.predict(BOOK_X)), BOOK_T, delta=0.0)
    assert abs(without - BOOK_LOSS) < 1e-8
    assert abs(with_delta - BOOK_LOSS) > 2e-7
    y_target = gl.softmax(net.predict(BOOK_X))[2]
    np.testing.assert_allclose(with_delta - without, -np.log1p(1e-7 / y_target), rtol=1e-6)
    dW_no_delta = gl.numerical_gradient(
        lambda W: gl.cross_entropy_error(gl.softmax(BOOK_X @ W), BOOK_T, delta=0.0), BOOK_W.copy())
    np.testing.assert_allclose(dW_no_delta, BOOK_DW, rtol=0, atol=1e-8)


def test_simple_net_numerical_gradient_through_the_closure_equals_jax():
    net = gl.SimpleNet(W=BOOK_W)
    dW = gl.numerical_gradient(lambda W: net.loss(BOOK_X, BOOK_T), net.W)
    exact = ref.grad(ref.simple_net_loss)(BOOK_W, BOOK_X, BOOK_T)
    # Error model: |loss| < 1, |d3 loss / dW3| <= max|x|^3 = 0.73 (softmax-CE derivatives
    # are bounded by 1 per factor of x): bound 4 * (h^2 * 0.73 / 6 + eps * 1 / h) = 5e-9.
    np.testing.assert_allclose(dW, exact, rtol=0, atol=4 * (H**2 * 0.73 / 6 + EPS64 / H))
    np.testing.assert_array_equal(net.W, BOOK_W)


def test_simple_net_default_weights_are_seeded():
    np.testing.assert_array_equal(gl.SimpleNet(seed=3).W, gl.SimpleNet(seed=3).W)
    assert gl.SimpleNet(seed=3).W.shape == (2, 3)


def test_simple_net_shape_error():
    with pytest.raises(ValueError, match="2 features"):
        gl.SimpleNet(W=BOOK_W).predict(np.ones(3))


# --- TwoLayerNet: values -----------------------------------------------------------------

@given(batch=net_batches())
def test_predict_and_loss_match_oracle(batch):
    params, x, t = batch
    net = make_net(params)
    before = snapshot(x, t, *params.values())
    assert_parity(net.predict(x), ref.two_layer_net_predict(params, x))
    assert_parity(net.loss(x, t), ref.two_layer_net_loss(params, x, t))
    assert_parity(net.loss(x, gl.one_hot(t, params["W2"].shape[1])), net.loss(x, t))
    assert_unchanged(before, x, t, *net.params.values())


@given(batch=net_batches(square=True))
def test_square_batches(batch):
    params, x, t = batch
    net = make_net(params)
    assert_parity(net.loss(x, t), ref.two_layer_net_loss(params, x, t))
    exact = ref.grad(ref.two_layer_net_loss)(params, x, t)
    ours = net.gradient(x, t)
    for k in params:
        assert_parity(ours[k], exact[k])


def test_single_sample_equals_batch_of_one():
    net = gl.TwoLayerNet(4, 3, 2, weight_init_std=1.0, seed=1)
    x = np.array([0.5, -1.0, 2.0, 0.1])
    np.testing.assert_array_equal(net.predict(x), net.predict(x[None])[0])
    assert net.loss(x, np.array([0.0, 1.0])) == net.loss(x[None], np.array([1]))


def test_accuracy_with_labels_and_one_hot():
    net = gl.TwoLayerNet(2, 3, 2, seed=0)
    net.params.update(W1=np.eye(2, 3), b1=np.zeros(3), W2=np.array([[5.0, -5.0], [-5.0, 5.0],
                                                                   [0.0, 0.0]]), b2=np.zeros(2))
    x = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])  # predicted 0, 1, 0, 1
    t = np.array([0, 1, 1, 1])
    assert net.accuracy(x, t) == 0.75
    assert net.accuracy(x, gl.one_hot(t, 2)) == 0.75


def test_seeded_init_is_reproducible_and_book_shaped():
    a, b = gl.TwoLayerNet(784, 50, 10, seed=7), gl.TwoLayerNet(784, 50, 10, seed=7)
    for k, shape in {"W1": (784, 50), "b1": (50,), "W2": (50, 10), "b2": (10,)}.items():
        assert a.params[k].shape == shape and a.params[k].dtype == np.float64
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert 0.008 < a.params["W1"].std() < 0.012  # weight_init_std = 0.01
    assert not np.any(a.params["b1"])


# --- TwoLayerNet: gradients --------------------------------------------------------------

@given(batch=net_batches())
def test_backprop_gradient_is_exact(batch):
    # Both sides compute the exact gradient in float64 (delta included): only rounding differs.
    params, x, t = batch
    exact = ref.grad(ref.two_layer_net_loss)(params, x, t)
    ours = make_net(params).gradient(x, t)
    for k in params:
        assert_parity(ours[k], exact[k])


def test_book_gradient_without_delta_differs_by_the_delta_residual():
    # The book's backprop uses (y - t) / N, the gradient of the loss with delta = 0.
    rng = np.random.default_rng(5)
    net = gl.TwoLayerNet(5, 4, 3, weight_init_std=1.0, seed=2)
    net.params["b1"] += 0.3
    x, t = rng.normal(size=(4, 5)), np.array([0, 1, 2, 1])
    book = net.gradient(x, t, delta=0.0)
    exact = ref.grad(ref.two_layer_net_loss)(net.params, x, t)
    exact_no_delta = ref.grad(ref.two_layer_net_loss)(net.params, x, t, delta=0.0)
    for k in net.params:
        assert_parity(book[k], exact_no_delta[k])
    rel = max(np.max(np.abs(book[k] - exact[k])) / np.max(np.abs(exact[k])) for k in exact)
    y_target = net.predict(x)[np.arange(4), t]
    # The residual is of order delta / y at the target class, not rounding and not O(1).
    assert 0.05 * 1e-7 / y_target.max() < rel < 10 * 1e-7 / y_target.min()


@given(batch=net_batches())
def test_numerical_gradient_agrees_with_jax_within_the_error_model(batch):
    params, x, t = batch
    net = make_net(params)
    before = snapshot(*net.params.values())
    num = net.numerical_gradient(x, t)
    exact = ref.grad(ref.two_layer_net_loss)(params, x, t)
    # Error model: truncation h^2 |f'''| / 6 with |f'''| <= (1 + max|x|)^3 (1 + max|W2|)^3
    # (each derivative brings down a factor of x or W2 times sigmoid/softmax derivatives <= 1),
    # roundoff eps |f| / h with |f| <= -log(1e-7) = 16.2; safety factor 4.
    third = (1 + np.abs(x).max()) ** 3 * (1 + np.abs(params["W2"]).max()) ** 3
    bound = 4 * (H**2 * third / 6 + EPS64 * 16.2 / H)
    for k in params:
        np.testing.assert_allclose(num[k], exact[k], rtol=0, atol=bound)
    assert_unchanged(before, *net.params.values())


@given(params=two_layer_net_params(scale=1.0))
def test_generated_parameter_sets_have_nonzero_biases(params):
    # At the book's init (b = 0) a bias-gradient bug can hide: the strategy never gives that.
    assert np.any(params["b1"] != 0) and np.any(params["b2"] != 0)


def test_unknown_numerical_gradient_method():
    net = gl.TwoLayerNet(2, 2, 2, seed=0)
    with pytest.raises(ValueError, match="method must be one of"):
        net.numerical_gradient(np.ones((1, 2)), np.array([0]), method="magic")


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "x, t, error, message",
    [
        (np.ones((2, 3)), np.array([0, 1]), ValueError, r"x has shape \(2, 3\).*\(N, 4\)"),
        (np.ones((2, 4)), np.array([0, 1, 1]), ValueError, r"t has shape \(3,\)"),
        (np.ones((2, 4)), np.array([0, 5]), ValueError, "outside 0..2"),
        (np.ones((2, 4)), np.array([0.0, 1.0]), TypeError, "labels must be integers"),
        (np.full((2, 4), np.nan), np.array([0, 1]), ValueError, r"x contains nan \(at x\[0, 0\]\)"),
        (np.ones((0, 4)), np.array([], dtype=int), ValueError, "x has shape"),
    ],
)
def test_loss_bad_input(x, t, error, message):
    net = gl.TwoLayerNet(4, 3, 3, seed=0)
    with pytest.raises(error, match=message):
        net.loss(x, t)


def test_blown_up_weights_are_named():
    net = gl.TwoLayerNet(4, 3, 3, seed=0)
    net.params["W2"][0, 0] = np.inf
    with pytest.raises(ValueError, match=r"params\['W2'\] contains inf.*learning rate"):
        net.loss(np.ones((1, 4)), np.array([0]))


@pytest.mark.parametrize("sizes", [(0, 2, 2), (2, -1, 2), (2, 2, 1.5)])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="must be a positive integer"):
        gl.TwoLayerNet(*sizes)


def test_gradient_accepts_one_hot_and_labels_equally():
    net = gl.TwoLayerNet(3, 4, 3, weight_init_std=0.5, seed=4)
    x, t = np.random.default_rng(1).normal(size=(3, 3)), np.array([2, 0, 1])
    a, b = net.gradient(x, t), net.gradient(x, gl.one_hot(t, 3))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


# --- what mutation testing found unpinned ---------------------------------------------------

def test_both_weight_matrices_have_the_requested_scale():
    net = gl.TwoLayerNet(400, 60, 50, weight_init_std=0.5, seed=3)
    # 24,000 and 3,000 draws: the sample std is within 5% of 0.5 (its own spread is ~1.3%)
    for key in ("W1", "W2"):
        assert 0.475 < net.params[key].std() < 0.525 and abs(net.params[key].mean()) < 0.05
    assert not np.any(net.params["b1"]) and not np.any(net.params["b2"])
    assert gl.TwoLayerNet(3, 2, 2, weight_init_std=0.0, seed=0).params["W1"].tolist() == \
        [[0.0, 0.0]] * 3


def test_simple_net_predicts_a_batch_row_by_row():
    net = gl.SimpleNet(W=BOOK_W)
    xs = np.array([[0.6, 0.9], [1.0, -2.0], [0.0, 0.0]])
    batch = net.predict(xs)
    assert batch.shape == (3, 3)
    for row, x in zip(batch, xs, strict=True):
        np.testing.assert_array_equal(row, net.predict(x))
    assert net.loss(xs, np.array([2, 0, 1])) == gl.cross_entropy_error(gl.softmax(batch),
                                                                        np.array([2, 0, 1]))


def test_simple_net_copies_its_weights_as_float64():
    W = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    net = gl.SimpleNet(W=W)
    assert net.W.dtype == np.float64 and not np.shares_memory(net.W, W)
    net.W[0, 0] = 99.0
    assert W[0, 0] == 1


@pytest.mark.parametrize("t", [np.int64(2), 2, np.array(2, np.uint8), np.array([0, 0, 1.0])])
def test_one_sample_with_a_label_or_one_hot_row(t):
    net = gl.TwoLayerNet(4, 3, 3, weight_init_std=1.0, seed=2)
    x = np.array([0.5, -1.0, 2.0, 0.1])
    batch = net.loss(x[None], np.array([2]))
    assert abs(net.loss(x, t) - batch) <= 4 * EPS64 * batch
    assert net.accuracy(x, t) == net.accuracy(x[None], np.array([2]))
    grads = net.gradient(x, t)
    for k, g in net.gradient(x[None], np.array([2])).items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-12, atol=1e-15)


def test_accuracy_is_the_share_of_rows_whose_argmax_is_the_label():
    net = gl.TwoLayerNet(2, 3, 3, seed=0)
    net.params.update(W1=np.eye(2, 3), b1=np.zeros(3), W2=np.diag([9.0, 9.0, 9.0]),
                      b2=np.zeros(3))
    x = np.array([[4.0, 0.0], [0.0, 4.0], [0.0, 0.0]])  # predicts 0, 1, 0 (a tie: first)
    assert net.accuracy(x, np.array([0, 1, 0])) == 1.0
    assert net.accuracy(x, np.array([0, 1, 2])) == 2 / 3
    assert net.accuracy(x, np.array([2, 2, 1])) == 0.0
    assert isinstance(net.accuracy(x, np.array([0, 1, 2])), float)


def test_simple_net_weights_are_a_c_ordered_float64_real_copy():
    for W in (np.asfortranarray(np.ones((2, 3), np.float32)), np.ones((3, 2)).T):
        net = gl.SimpleNet(W=W)
        assert net.W.dtype == np.float64 and net.W.flags.c_contiguous
    with pytest.raises(gl.GradlabTypeError, match=r"^W must be real, got dtype complex128"):
        gl.SimpleNet(W=np.ones((2, 3)) + 1j)
    with pytest.raises(gl.GradlabValueError) as info:
        gl.SimpleNet(W=np.ones(3))
    assert str(info.value) == "W must be a 2-D matrix (inputs, classes), got shape (3,)."
    with pytest.raises(gl.GradlabTypeError, match=r"^x must be a numeric array"):
        gl.SimpleNet(W=BOOK_W).predict(None)


def test_an_overflowing_hidden_layer_is_named():
    net = gl.TwoLayerNet(2, 2, 2, seed=0)
    net.params["W1"] = np.full((2, 2), 1e200)
    with pytest.raises(gl.GradlabValueError) as info, np.errstate(over="ignore"):
        net.loss(np.full((1, 2), 1e200), np.array([0]))
    assert str(info.value) == \
        "the hidden layer overflowed to inf; the weights or inputs are far too large."


def test_every_method_names_its_own_arguments():
    net = gl.TwoLayerNet(2, 2, 2, seed=0)
    x, t = np.ones((1, 2)), np.array([0])
    with pytest.raises(gl.GradlabValueError, match=r"^delta must be a finite number >= 0"):
        net.gradient(x, t, delta=-1.0)
    with pytest.raises(gl.GradlabValueError, match=r"^t has shape \(2,\) but the predictions"):
        net.accuracy(x, np.array([0, 1]))
    net.params["W1"] = net.params["W1"].tolist()
    with pytest.raises(gl.GradlabTypeError) as info:
        net.numerical_gradient(x, t)
    assert str(info.value).startswith("params['W1'] is a list; the loop perturbs each")


def test_the_structured_method_uses_the_h_it_is_given():
    net, x, t = gl.TwoLayerNet(3, 2, 2, weight_init_std=1.0, seed=0), np.ones((1, 3)), [0]
    a = net.numerical_gradient(x, np.array(t), method="structured", h=1e-2)
    b = net.numerical_gradient(x, np.array(t), method="structured")
    loop = net.numerical_gradient(x, np.array(t), h=1e-2)
    assert a["W2"].tobytes() != b["W2"].tobytes()
    np.testing.assert_allclose(a["W2"], loop["W2"], rtol=0, atol=1e-12)  # the loop's numbers
