"""A network is judged by its own loss and the model its structure implements: a chapter-5
net is never failed for being one; a real backprop bug is (fixtures/terms/chapter5)."""

from __future__ import annotations

import numpy as np
import pytest
from terms_support import TERMS, verify

import gradlab
from gradlab.conformance import gradlab_implementation, run_checks


@pytest.fixture(scope="module")
def chapter5():
    return verify(TERMS / "chapter5")


def test_the_chapter5_net_passes_every_check_and_its_model_is_named(chapter5):
    statuses = chapter5.statuses("TwoLayerNet", "ch05/two_layer_net.py")
    assert set(statuses.values()) == {"pass"} and len(statuses) == 7
    predict = chapter5.of("TwoLayerNet.predict", "ch05/two_layer_net.py").message
    assert "ReLU hidden layer" in predict and "predict returns scores" in predict
    assert "OrderedDict" in predict and "chapter-5 model" in predict
    gradient = chapter5.of("TwoLayerNet.gradient", "ch05/two_layer_net.py").message
    assert "delta-free gradient" in gradient


def test_a_backward_pass_that_skips_the_relu_fails_against_its_own_loss(chapter5):
    record = chapter5.of("TwoLayerNet.gradient", "ch05/first_try.py")
    assert record.status == "fail" and "its own loss" in record.message
    assert record.counterexample.startswith("net = TwoLayerNet(")
    assert chapter5.of("TwoLayerNet.search", "ch05/first_try.py").status == "skip"
    assert chapter5.of("TwoLayerNet.accuracy", "ch05/first_try.py").status == "skip"
    assert {c for c, _, _ in chapter5.failures()} == {"numerical_gradient.integer_input",
                                                      "TwoLayerNet.gradient"}


@pytest.fixture(scope="module")
def impl():
    return gradlab_implementation()


def _net(impl, **methods):
    return impl.replace(TwoLayerNet=type("TwoLayerNet", (impl.get("TwoLayerNet"),), methods))


def _tanh_predict(self, x):
    p = self.params
    return gradlab.softmax(np.tanh(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])


def _tanh_gradient(self, x, t):
    p = self.params
    z1 = np.tanh(x @ p["W1"] + p["b1"])
    dy = (gradlab.softmax(z1 @ p["W2"] + p["b2"]) - t) / len(x)
    da1 = (dy @ p["W2"].T) * (1 - z1**2)
    return {"W1": x.T @ da1, "b1": da1.sum(0), "W2": z1.T @ dy, "b2": dy.sum(0)}


def test_a_model_no_family_matches_is_a_warning_and_its_gradient_is_still_judged(impl):
    """A tanh hidden layer: predict is "model not recognised" (warn), never a fail; its
    correct backprop passes against finite differences of its own loss."""
    records = run_checks(_net(impl, predict=_tanh_predict, gradient=_tanh_gradient),
                         functions={"TwoLayerNet"}, examples=3)
    by = {r.check: r for r in records}
    assert by["TwoLayerNet.predict"].status == "warn"
    assert by["TwoLayerNet.predict"].message.startswith("model not recognised")
    assert by["TwoLayerNet.gradient"].status == "pass"
    assert by["TwoLayerNet.numerical_gradient"].status == "pass"
    assert "fail" not in {r.status for r in records}


def test_a_wrong_gradient_of_an_unrecognised_model_fails(impl):
    def wrong(self, x, t):
        grads = _tanh_gradient(self, x, t)
        grads["b1"] = 2 * grads["b1"]
        return grads

    records = run_checks(_net(impl, predict=_tanh_predict, gradient=wrong),
                         functions={"TwoLayerNet"}, quick=True)
    gradient = next(r for r in records if r.check == "TwoLayerNet.gradient")
    assert gradient.status == "fail" and "b1[" in gradient.message
    assert "most likely cause" in gradient.details


def test_the_books_label_hazard_is_a_warning_with_its_explanation(impl):
    def one_hot_only(self, x, t):  # the book's chapter-4 backprop: y - t with one-hot t
        p = self.params
        z1 = gradlab.sigmoid(x @ p["W1"] + p["b1"])
        dy = (gradlab.softmax(z1 @ p["W2"] + p["b2"]) - t) / x.shape[0]
        da1 = (dy @ p["W2"].T) * z1 * (1 - z1)
        return {"W1": x.T @ da1, "b1": da1.sum(0), "W2": z1.T @ dy, "b2": dy.sum(0)}

    records = run_checks(_net(impl, gradient=one_hot_only), functions={"TwoLayerNet"},
                         examples=3)
    labels = next(r for r in records if r.check == "TwoLayerNet.labels")
    assert labels.status == "warn"
    assert "y - t broadcasts" in labels.message and "one_hot_label=True" in labels.message
    assert {r.status for r in records if r.check != "TwoLayerNet.labels"} == {"pass"}


def test_a_sigmoid_output_layer_fails_predict_but_its_loss_is_its_own(impl):
    """predict ends in a sigmoid while backprop assumes softmax: predict fails (the
    chapter-4 model its structure implements), its loss is the cross-entropy of its own
    output, and its gradient fails against that loss."""
    def predict(self, x):
        p = self.params
        return gradlab.sigmoid(gradlab.sigmoid(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])

    records = run_checks(_net(impl, predict=predict), functions={"TwoLayerNet"}, quick=True)
    by = {r.check: r.status for r in records}
    assert by["TwoLayerNet.loss"] == "pass"
    assert by["TwoLayerNet.gradient"] == "fail"
    assert by["TwoLayerNet.predict"] in ("fail", "warn")


def test_a_float32_net_is_judged_in_its_own_dtype(chapter5):
    """verify's values are written in the net's dtype, so float32 storage is no error."""
    assert set(chapter5.statuses("TwoLayerNet", "ch05/float32_net.py").values()) == {"pass"}


def test_an_accuracy_for_integer_labels_warns_and_names_it(chapter5):
    record = chapter5.of("TwoLayerNet.accuracy", "ch05/labels_net.py")
    assert record.status == "warn" and record.message.startswith("labels t only")
