"""The layer networks (chapter 5's TwoLayerNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet):
loss against the JAX twins, backprop against jax.grad, the book's numerical loop against the
exact gradient within its error model, held dropout masks and running statistics, shared
parameters, deliberately broken variants caught, validation messages."""

import numpy as np
import pytest

import gradlab as gl
from gradlab import layer_nets
from gradlab import reference as ref
from tests.helpers import assert_parity, assert_unchanged, snapshot
from tests.layer_helpers import assert_loop_matches_exact, check_backward_by_fd, reports_a_bug
from tests.test_conv_layers import ConvAssigningCol2im


def randomize(net, rng, scale=0.4):
    """Non-zero biases and larger weights: a wrong bias gradient hides at the book's zeros,
    and a pre-activation of exactly 0 (all biases 0, a dropped row) is a ReLU kink."""
    for v in net.params.values():
        v += rng.normal(scale=scale, size=v.shape)
    return net


def twin_kwargs(net):
    """How the twin must be called to compute ``net``'s training-mode loss."""
    if isinstance(net, gl.SimpleConvNet):
        conv = net.layers["Conv1"]
        return ref.simple_conv_net_loss, {"stride": conv.stride, "pad": conv.pad}
    if isinstance(net, gl.LayerTwoLayerNet):
        return ref.layer_two_layer_net_loss, {}
    act = "relu" if isinstance(net.layers["Activation_function1"], gl.Relu) else "sigmoid"
    masks = [v.mask for k, v in net.layers.items() if k.startswith("Dropout")] or None
    return ref.multi_layer_net_loss, {"activation": act, "dropout_masks": masks,
                                      "weight_decay_lambda": net.weight_decay_lambda}


def nets(rng):
    return {
        "ch5-two-layer": (randomize(gl.LayerTwoLayerNet(4, 5, 3, 0.5, seed=1), rng),
                          rng.normal(size=(6, 4)), rng.integers(0, 3, 6)),
        "multi-relu-decay": (randomize(gl.MultiLayerNet(4, [5, 3], 3, weight_decay_lambda=0.3,
                                                        seed=2), rng),
                             rng.normal(size=(5, 4)), gl.one_hot(rng.integers(0, 3, 5), 3)),
        "multi-sigmoid": (randomize(gl.MultiLayerNet(3, [4], 2, "sigmoid", "xavier", seed=3),
                                    rng), rng.normal(size=(4, 3)), rng.integers(0, 2, 4)),
        "extend-bn-dropout": (randomize(gl.MultiLayerNetExtend(
            4, [6, 5], 3, weight_decay_lambda=0.1, use_dropout=True, dropout_ration=0.3,
            use_batchnorm=True, seed=4), rng), rng.normal(size=(7, 4)), rng.integers(0, 3, 7)),
        "simple-convnet": (randomize(gl.SimpleConvNet(
            (2, 6, 8), {"filter_num": 3, "filter_size": 3, "pad": 1}, 5, 4, 0.3, seed=5), rng),
            rng.normal(size=(3, 2, 6, 8)), rng.integers(0, 4, 3)),
    }


NET_IDS = ["ch5-two-layer", "multi-relu-decay", "multi-sigmoid", "extend-bn-dropout",
           "simple-convnet"]


@pytest.fixture(scope="module")
def problems():
    return nets(np.random.default_rng(20261128))


@pytest.mark.parametrize("name", NET_IDS)
def test_backprop_against_jax_and_the_loop_against_exact(name, problems):
    net, x, t = problems[name]
    grads = net.gradient(x, t)                 # draws the dropout masks, in training mode
    twin, kw = twin_kwargs(net)
    loss = net.loss(x, t, train_flg=True, reuse_masks=True)   # the loss gradient() saw
    assert_parity(loss, twin(net.params, x, t, **kw))
    exact = ref.grad(twin)(net.params, x, t, **kw)
    assert grads.keys() == net.params.keys()
    for k in net.params:
        assert_parity(grads[k], exact[k], scale=max(1.0, float(np.max(np.abs(exact[k])))))
    numerical, half = net.numerical_gradient(x, t), net.numerical_gradient(x, t, h=5e-5)
    assert_loop_matches_exact(numerical, half, exact, loss)


def test_loop_error_model_catches_a_missing_weight_decay_gradient(problems):
    net, x, t = problems["multi-relu-decay"]
    grads = net.gradient(x, t)
    grads["W1"] = grads["W1"] - net.weight_decay_lambda * net.params["W1"]   # the bug
    with pytest.raises(AssertionError, match="W1"):
        assert_loop_matches_exact(net.numerical_gradient(x, t),
                                  net.numerical_gradient(x, t, h=5e-5), grads, net.loss(x, t))


def test_a_first_layer_col2im_bug_is_invisible_to_the_network_gradient(problems):
    # Conv1's dx feeds no parameter, so an assigning col2im there leaves every parameter
    # gradient right: only a check of the layer's own dx can see it (as verify must).
    net, x, t = problems["simple-convnet"]
    conv = net.layers["Conv1"]
    broken = ConvAssigningCol2im(conv.W, conv.b, conv.stride, conv.pad)
    net.layers["Conv1"] = broken
    try:
        grads, exact = net.gradient(x, t), ref.grad(ref.simple_conv_net_loss)(net.params, x, t,
                                                                                pad=1)
    finally:
        net.layers["Conv1"] = conv
    for k in grads:
        assert_parity(grads[k], exact[k], scale=max(1.0, float(np.max(np.abs(exact[k])))))
    dout = np.random.default_rng(0).normal(size=broken.forward(x).shape)
    result = check_backward_by_fd(gl.Convolution(conv.W, conv.b, 1, 1).forward, x, dout,
                                  broken.backward(dout))
    assert reports_a_bug(result), str(result)


def test_numerical_gradient_holds_masks_and_restores_running_statistics(problems):
    net, x, t = problems["extend-bn-dropout"]
    net.gradient(x, t)
    masks = {k: v.mask.copy() for k, v in net.layers.items() if k.startswith("Dropout")}
    stats = {k: (v.running_mean.copy(), v.running_var.copy()) for k, v in net.layers.items()
             if k.startswith("BatchNorm")}
    net.numerical_gradient(x, t)
    for k, m in masks.items():
        np.testing.assert_array_equal(net.layers[k].mask, m)
    for k, (mean, var) in stats.items():
        np.testing.assert_array_equal(net.layers[k].running_mean, mean)
        np.testing.assert_array_equal(net.layers[k].running_var, var)
    net.gradient(x, t)                       # a new training step draws new masks
    assert any(not np.array_equal(net.layers[k].mask, m) for k, m in masks.items())


def test_numerical_gradient_of_a_fresh_dropout_net_draws_masks_once():
    net = gl.MultiLayerNetExtend(3, [4], 2, use_dropout=True, seed=0)
    x, t = np.random.default_rng(1).normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    num = net.numerical_gradient(x, t)          # no earlier forward: masks drawn here
    grads = net.gradient(x, t)                  # new masks: in general a different gradient
    assert num.keys() == grads.keys()
    np.testing.assert_allclose(net.numerical_gradient(x, t)["W2"], grads["W2"], atol=1e-7)


def test_test_mode_predict_against_the_twin(problems):
    net, x, t = problems["extend-bn-dropout"]
    net.gradient(x, t)
    stats = [(v.running_mean, v.running_var) for k, v in net.layers.items()
             if k.startswith("BatchNorm")]
    oracle = ref.multi_layer_net_predict(net.params, x, dropout_ratio=0.3, running_stats=stats,
                                         train_flg=False)
    assert_parity(net.predict(x), oracle)


def test_parameters_are_shared_with_the_layers_and_an_optimizer_moves_them(problems):
    net, x, t = problems["simple-convnet"]
    assert net.params["W1"] is net.layers["Conv1"].W and net.params["W3"] is net.layers[
        "Affine2"].W
    before_x, before_t = snapshot(x, t)
    y0 = net.predict(x)
    gl.SGD(lr=0.5).update(net.params, net.gradient(x, t))
    assert not np.allclose(net.predict(x), y0)
    assert_unchanged([before_x, before_t], x, t)
    assert net.params["W1"] is net.layers["Conv1"].W


def test_accuracy_counts_every_sample():
    net = gl.SimpleConvNet((1, 6, 6), {"filter_num": 2, "filter_size": 3}, 4, 2, seed=0)
    x = np.random.default_rng(0).normal(size=(5, 1, 6, 6))
    labels = np.argmax(net.predict(x), axis=1)
    assert net.accuracy(x, labels) == 1.0                   # the book's gives 0.0 here
    assert net.accuracy(x, gl.one_hot(labels, 2), batch_size=2) == 1.0
    assert net.accuracy(x, 1 - labels, batch_size=3) == 0.0
    mlp = gl.MultiLayerNet(3, [4], 3, seed=0)
    xm = np.random.default_rng(1).normal(size=(4, 3))
    lab = np.argmax(mlp.predict(xm), axis=1)
    assert mlp.accuracy(xm, lab) == 1.0 and mlp.accuracy(xm, gl.one_hot(lab, 3)) == 1.0


def test_initial_weights_follow_he_xavier_and_numbers():
    net = gl.MultiLayerNet(8, [6], 2, weight_init_std="he", seed=3)
    draws = np.random.default_rng(3)
    np.testing.assert_array_equal(net.params["W1"],
                                  np.sqrt(2 / 8) * draws.standard_normal((8, 6)))
    np.testing.assert_array_equal(net.params["W2"],
                                  np.sqrt(2 / 6) * draws.standard_normal((6, 2)))
    xav = gl.MultiLayerNet(8, [6], 2, activation="sigmoid", weight_init_std="sigmoid", seed=3)
    np.testing.assert_array_equal(xav.params["W1"], np.sqrt(1 / 8) * np.random.default_rng(
        3).standard_normal((8, 6)))
    assert all(np.all(v == 0) for k, v in net.params.items() if k.startswith("b"))


def test_chapter5_two_layer_net_is_not_chapter4s():
    assert gl.LayerTwoLayerNet is layer_nets.TwoLayerNet and gl.TwoLayerNet is not \
        gl.LayerTwoLayerNet
    net = gl.LayerTwoLayerNet(3, 4, 2, seed=0)
    assert net.lastLayer is net.last_layer and list(net.layers) == ["Affine1", "Relu1",
                                                                    "Affine2"]
    ext = gl.MultiLayerNetExtend(3, [4, 4], 2, use_batchnorm=True, use_dropout=True)
    assert list(ext.layers) == ["Affine1", "BatchNorm1", "Activation_function1", "Dropout1",
                                "Affine2", "BatchNorm2", "Activation_function2", "Dropout2",
                                "Affine3"]


NET_ERRORS = [
    (lambda: gl.MultiLayerNet(3, [4], 2, activation="tanh"), ValueError,
     r"activation must be 'relu' or 'sigmoid', got 'tanh'"),
    (lambda: gl.MultiLayerNet(3, [4], 2, weight_init_std="kaiming"), ValueError,
     r"weight_init_std must be a number or one of 'relu', 'he', 'sigmoid', 'xavier'"),
    (lambda: gl.MultiLayerNet(3, [4], 2, weight_init_std=-1.0), ValueError,
     r"weight_init_std must be finite and >= 0"),
    (lambda: gl.MultiLayerNet(3, 4, 2), TypeError,
     r"hidden_size_list must be a list of layer widths, e.g. \[100, 100\], got 4"),
    (lambda: gl.MultiLayerNet(3, [4, 0], 2), ValueError,
     r"hidden_size_list entries must be a positive integer, got 0"),
    (lambda: gl.MultiLayerNet(3, [4], 2, weight_decay_lambda=-0.1), ValueError,
     r"weight_decay_lambda must be finite and >= 0"),
    (lambda: gl.LayerTwoLayerNet(0, 4, 2), ValueError, r"input_size must be a positive integer"),
    (lambda: gl.SimpleConvNet(conv_param={"filter_nums": 3}), ValueError,
     r"conv_param has unknown keys \['filter_nums'\]"),
    (lambda: gl.SimpleConvNet((1, 28)), ValueError, r"input_dim must be \(C, H, W\)"),
    (lambda: gl.SimpleConvNet((1, 7, 7), {"filter_size": 3}), ValueError,
     r"the convolution's output is 5x5, but the 2x2 pooling with stride 2 needs even sizes"),
    (lambda: gl.SimpleConvNet((1, 8, 8), {"filter_size": 3, "stride": 2}), ValueError,
     r"do not tile an input of height 8"),
    (lambda: gl.SimpleConvNet(weight_init_std="he"), ValueError,
     r"weight_init_std must be a number for SimpleConvNet"),
    (lambda: gl.MultiLayerNet(3, [4], 2).accuracy(np.ones((2, 3)), np.array([0.0, 1.0])),
     ValueError, r"accuracy needs one-hot targets of shape \(2, 2\) or integer labels"),
    (lambda: gl.MultiLayerNet(3, [4], 2).loss(np.ones((2, 4)), np.array([0, 1])), ValueError,
     r"x has shape \(2, 4\), but W has shape \(3, 4\)"),
    (lambda: gl.SimpleConvNet((1, 6, 6), {"filter_size": 3}).accuracy(np.ones((0, 1, 6, 6)),
                                                                      np.zeros(0, int)),
     ValueError, r"accuracy takes a non-empty batch of images"),
]


@pytest.mark.parametrize("call, error, message", NET_ERRORS)
def test_validation_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()
