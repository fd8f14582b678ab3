"""Mini-batch SGD: reproducible, the gradient methods agree, divergence stops training."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.errors import DivergenceWarning
from gradlab.training import GRADIENTS, train

H = 1e-4  # the step TwoLayerNet.numerical_gradient uses by default
EPS = np.finfo(np.float64).eps


@pytest.fixture
def blobs(rng):
    """Three well separated Gaussian classes in 4-D: 60 train, 30 test samples."""
    centres = rng.normal(scale=3.0, size=(3, 4))
    t = rng.integers(0, 3, size=90)
    x = centres[t] + rng.normal(size=(90, 4))
    return x[:60], t[:60], x[60:], t[60:]


def tiny_net(seed=0):
    return gl.TwoLayerNet(4, 3, 3, weight_init_std=0.5, seed=seed)


def test_history_bookkeeping_and_learning(blobs):
    history = train(tiny_net(), *blobs, iters_num=50, batch_size=20, learning_rate=1.0,
                    seed=0, quiet=True)
    assert history.iters_per_epoch == 3
    assert history.iteration == [0, *range(3, 49, 3), 50]
    assert history.epoch[:2] == [0, 1] and history.epoch[-1] == round(50 / 3, 3)
    assert len(history.loss) == len(history.train_acc) == len(history.test_acc) == 18
    assert len(history.iteration_loss) == 50 and not history.diverged
    assert history.loss[-1] < 0.5 * history.loss[0] and history.test_acc[-1] > 0.9
    assert history.rows()[0] == (0, 0, history.loss[0], history.train_acc[0],
                                 history.test_acc[0])


def test_seeded_runs_are_reproducible(blobs):
    def run(seed):
        return train(tiny_net(), *blobs, iters_num=20, batch_size=10, seed=seed, quiet=True)

    a, b, c = run(5), run(5), run(6)
    assert a.iteration_loss == b.iteration_loss and a.test_acc == b.test_acc
    assert a.iteration_loss != c.iteration_loss


def test_training_does_not_touch_data_but_updates_params_in_place(blobs):
    before = [v.copy() for v in blobs]
    net = tiny_net()
    w1 = net.params["W1"]
    train(net, *blobs, iters_num=5, batch_size=10, seed=0, quiet=True)
    assert all(np.array_equal(a, b) for a, b in zip(before, blobs, strict=True))
    assert net.params["W1"] is w1 and not np.array_equal(w1, tiny_net().params["W1"])


def _max_third_derivative(net, x, t, k=1e-3):
    """max_i |d^3 loss / d theta_i^3|: second differences of the exact backprop gradient.

    Backprop is exact to rounding (tests elsewhere compare it with JAX), so the estimate
    is good to O(k^2) + eps/k^2 ~ 1e-6 relative, plenty for sizing a tolerance.
    """
    third = 0.0
    for key, value in net.params.items():
        for i in np.ndindex(value.shape):
            original = value[i]
            grads = []
            for step in (k, 0.0, -k):
                value[i] = original + step
                grads.append(net.gradient(x, t)[key][i])
            value[i] = original
            third = max(third, abs(grads[0] - 2 * grads[1] + grads[2]) / k**2)
    return third


@pytest.mark.parametrize("method", [m for m in GRADIENTS if m != "backprop"])
def test_finite_difference_gradients_give_the_backprop_first_update(blobs, method):
    lr = 0.5
    runs = {}
    for gradient in ("backprop", method):
        net = tiny_net()
        train(net, *blobs, iters_num=1, batch_size=20, learning_rate=lr, gradient=gradient,
              seed=3, quiet=True)
        runs[gradient] = net.params
    # Replay the batch the seeded sampler drew, to size the error model on it.
    idx = np.random.default_rng(3).choice(60, 20, replace=False)
    x, t = blobs[0][idx], blobs[1][idx]
    loss = tiny_net().loss(x, t)
    # Central-difference error per partial derivative: truncation h^2 |f'''| / 6, with the
    # largest third derivative of this loss, plus roundoff delta / h, where delta bounds the
    # rounding error of one loss evaluation. The loss is a mean of N = 20 positive terms, so
    # the worst-case summation bound is (N - 1) eps |f|, plus a few ulps per term for the
    # sigmoid, softmax and log: delta = 2 N eps |f|. The update multiplies it by lr.
    # Backprop is exact to rounding (it keeps the delta inside the log; the book's
    # (y - t) / N version is off by ~3e-8 here, 15x this tolerance).
    tol = lr * (H**2 * _max_third_derivative(tiny_net(), x, t) / 6 + 2 * len(x) * EPS * loss / H)
    initial = tiny_net().params
    for k in initial:
        assert np.max(np.abs(runs[method][k] - runs["backprop"][k])) <= tol, k
        assert np.max(np.abs(runs["backprop"][k] - initial[k])) > 1e3 * tol  # it did move


def test_numerical_gradient_refuses_big_runs_and_says_why():
    x, t = np.zeros((100, 64)), np.zeros(100, dtype=int)
    net = gl.TwoLayerNet(64, 50, 10, seed=0)
    with pytest.raises(ValueError, match=r"2 x 3760 parameters x 1200 iterations = 9e\+06 "
                                         r"evaluations .*Use gradient='backprop'"):
        train(net, x, t, x, t, iters_num=1200, gradient="numerical", quiet=True)


class BookDeltaFreeNet(gl.TwoLayerNet):
    """The loss without the book's delta: log(0) = -inf once the softmax saturates."""

    def loss(self, x, t):
        return gl.cross_entropy_error(self.predict(x), t, delta=0.0)

    def gradient(self, x, t):
        return super().gradient(x, t, delta=0.0)


def test_nan_loss_stops_with_the_message_and_keeps_finite_weights(blobs):
    net = BookDeltaFreeNet(4, 3, 3, weight_init_std=0.5, seed=0)
    with pytest.warns(DivergenceWarning, match=r"training diverged at iteration \d+ "
                                               r"\(epoch 1\): .* is not finite with "
                                               r"learning_rate=1e\+300.*try 1e\+299") as caught:
        history = train(net, *blobs, iters_num=30, batch_size=20, learning_rate=1e300,
                        seed=0, quiet=True)
    assert caught[0].filename == __file__
    assert history.diverged and "not finite" in history.message
    assert len(history.iteration_loss) < 30
    assert all(np.isfinite(v).all() for v in net.params.values())


def test_saturated_garbage_counts_as_divergence(blobs):
    # gradlab's loss keeps the book's delta, so it cannot be nan: at lr = 1e4 the net
    # saturates, the loss jumps towards -log(1e-7) ~ 16 and the gradient vanishes.
    with pytest.warns(DivergenceWarning,
                      match=r"training loss rose to .* more than 4 x max\(initial loss") as caught:
        history = train(tiny_net(), *blobs, iters_num=30, batch_size=20, learning_rate=1e4,
                        seed=0, quiet=True)
    assert caught[0].filename == __file__  # the warning points at the caller, not gradlab
    assert history.diverged and history.loss[-1] > 4 * max(history.loss[0], np.log(3))


def test_progress_bar_only_when_asked_or_on_a_terminal(blobs, capsys):
    train(tiny_net(), *blobs, iters_num=3, batch_size=10, quiet=None)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal
    train(tiny_net(), *blobs, iters_num=3, batch_size=10, quiet=False)
    assert "train" in capsys.readouterr().err


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(learning_rate=0.0), "learning_rate must be a positive finite number"),
    (dict(learning_rate=np.nan), "learning_rate must be a positive finite number"),
    (dict(batch_size=61), "batch_size=61 exceeds the 60 training samples"),
    (dict(iters_num=2.5), "iters_num must be a positive integer"),
    (dict(gradient="adam"), "gradient must be one of 'backprop', 'numerical'"),
])
def test_bad_arguments_are_named(blobs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train(tiny_net(), *blobs, quiet=True, **{"batch_size": 20, **kwargs})


def test_bad_data_is_named(blobs):
    x, t, xt, tt = blobs
    with pytest.raises(ValueError, match="x_test has 30 samples but t_test has 29"):
        train(tiny_net(), x, t, xt, tt[:-1], quiet=True)
    x_nan = x.copy()
    x_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"x_train contains a non-finite value \(nan at x_train"):
        train(tiny_net(), x_nan, t, xt, tt, quiet=True)


def test_one_hot_targets_train_exactly_like_labels(blobs):
    x, t, xt, tt = blobs
    by_label = train(tiny_net(), x, t, xt, tt, iters_num=9, batch_size=20, seed=1, quiet=True)
    by_hot = train(tiny_net(), x, gl.one_hot(t, 3), xt, gl.one_hot(tt, 3), iters_num=9,
                   batch_size=20, seed=1, quiet=True)
    # Same batches, same arithmetic up to summation order (the one-hot loss also adds the
    # zero terms), so the two agree to rounding: ~1e-16 relative per loss, growing at most
    # a few-fold over 9 updates; 1e-12 leaves that margin and catches any real mismatch.
    assert np.allclose(by_hot.iteration_loss, by_label.iteration_loss, rtol=1e-12, atol=0)
    assert np.allclose(by_hot.loss, by_label.loss, rtol=1e-12, atol=0)
    assert by_hot.test_acc == by_label.test_acc
