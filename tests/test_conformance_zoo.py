"""The bug zoo: every mutant of gradlab is flagged against the right function, and
gradlab itself passes. Runs in process (isolation is not the point here)."""

from __future__ import annotations

import numpy as np
import pytest
from bug_zoo import MUTANTS

import gradlab
from gradlab.conformance import gradlab_implementation, run_checks, worst


@pytest.fixture(scope="module")
def gradlab_impl():
    return gradlab_implementation()


def test_the_zoo_is_big_enough_and_covers_every_kind_of_bug():
    assert len(MUTANTS) >= 30
    assert len({m.id for m in MUTANTS}) == len(MUTANTS)
    kinds = {m.function for m in MUTANTS}
    assert {"softmax", "cross_entropy_error", "numerical_gradient", "gradient_descent",
            "TwoLayerNet", "SimpleNet", "numerical_diff"} <= kinds
    assert {m.status for m in MUTANTS} == {"fail", "warn"}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_is_flagged_against_its_function(mutant, gradlab_impl):
    records = run_checks(mutant.apply(gradlab_impl), quick=mutant.quick,
                         functions={mutant.function}, examples=5)
    assert records and all(r.function == mutant.function for r in records)
    assert worst(r.status for r in records) == mutant.status, \
        [(r.check, r.status, r.message) for r in records]
    flagged = [r for r in records if r.status == mutant.status]
    assert all(r.message and r.counterexample for r in flagged if r.status == "fail")


@pytest.mark.parametrize("mutant_id", ["softmax-chapter3-batch", "grad-perturbs-copy",
                                       "net-bias-grad-wrong-axis", "descent-mutates-init-x"])
def test_a_mutant_flags_no_other_function(mutant_id, gradlab_impl):
    mutant = next(m for m in MUTANTS if m.id == mutant_id)
    records = run_checks(mutant.apply(gradlab_impl), quick=True)
    flagged = {r.function for r in records if r.status != "pass"}
    assert flagged == {mutant.function}


def test_gradlab_itself_passes_every_check(gradlab_impl):
    records = run_checks(gradlab_impl, examples=5)
    assert {r.status for r in records} == {"pass"}, \
        [(r.check, r.status, r.message) for r in records if r.status != "pass"]
    assert len({r.function for r in records}) >= 14


def test_hypothesis_reports_the_shrunk_input():
    """The chapter-3 softmax passes every 1-D input; the search must find a batch and
    shrink it to the smallest one that shows the bug: two rows of one zero logit."""
    mutant = next(m for m in MUTANTS if m.id == "softmax-chapter3-batch")
    records = run_checks(mutant.apply(gradlab_implementation()), functions={"softmax"},
                         examples=20)
    search = next(r for r in records if r.check == "softmax.search")
    assert search.status == "fail"
    assert search.counterexample == "softmax(np.array([[0.0], [0.0]]))"


def test_book_delta_free_gradient_passes_with_its_explanation(gradlab_impl):
    class BookGradient(gradlab_impl.get("TwoLayerNet")):
        def gradient(self, x, t):
            return super().gradient(x, t, delta=0.0)

    records = run_checks(gradlab_impl.replace(TwoLayerNet=BookGradient), quick=True,
                         functions={"TwoLayerNet"})
    gradient = next(r for r in records if r.check == "TwoLayerNet.gradient")
    assert gradient.status == "pass" and "delta" in gradient.message


def test_a_gradient_off_by_the_delta_residual_alone_is_not_excused(gradlab_impl):
    """delta = 1e-6 is neither the book's loss nor its delta-free gradient: fail."""
    class OtherDelta(gradlab_impl.get("TwoLayerNet")):
        def gradient(self, x, t):
            return super().gradient(x, t, delta=1e-6)

    records = run_checks(gradlab_impl.replace(TwoLayerNet=OtherDelta), quick=True,
                         functions={"TwoLayerNet"})
    assert next(r for r in records if r.check == "TwoLayerNet.gradient").status == "fail"


def test_missing_functions_are_skipped_not_failed(gradlab_impl):
    impl = gradlab_impl.replace()
    del impl.objects["softmax"]
    records = run_checks(impl, quick=True, functions={"softmax"})
    assert [(r.check, r.status) for r in records] == [("softmax.defined", "skip")]


def test_predict_returning_scores_passes_with_a_note(gradlab_impl):
    """The book's chapter-5 net returns scores from predict and applies softmax in its
    loss layer; that is an API choice, not a wrong number."""
    base = gradlab_impl.get("TwoLayerNet")

    class Scores(base):
        def predict(self, x):
            p = self.params
            return gradlab.sigmoid(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]

        def loss(self, x, t):
            return gradlab.cross_entropy_error(gradlab.softmax(self.predict(x)), t)

    records = run_checks(gradlab_impl.replace(TwoLayerNet=Scores), quick=True,
                         functions={"TwoLayerNet"})
    predict = next(r for r in records if r.check == "TwoLayerNet.predict")
    assert predict.status == "pass" and "predict returns scores" in predict.message
    assert worst(r.status for r in records) == "pass"


def test_a_different_model_is_judged_on_its_own_terms(gradlab_impl):
    """A ReLU hidden layer with its own correct backprop: its gradient is the gradient of
    its own loss and its predictions are the ReLU model's, so nothing fails."""
    base = gradlab_impl.get("TwoLayerNet")

    class Relu(base):
        def predict(self, x):
            p = self.params
            return gradlab.softmax(np.maximum(x @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"])

        def gradient(self, x, t):
            p = self.params
            a1 = x @ p["W1"] + p["b1"]
            z1 = np.maximum(a1, 0)
            dy = (gradlab.softmax(z1 @ p["W2"] + p["b2"]) - t) / len(x)
            da1 = (dy @ p["W2"].T) * (a1 > 0)
            return {"W1": x.T @ da1, "b1": da1.sum(0), "W2": z1.T @ dy, "b2": dy.sum(0)}

    records = run_checks(gradlab_impl.replace(TwoLayerNet=Relu), quick=True,
                         functions={"TwoLayerNet"})
    by_check = {r.check: r for r in records}
    assert by_check["TwoLayerNet.gradient"].status == "pass"
    assert "delta" in by_check["TwoLayerNet.gradient"].message
    assert by_check["TwoLayerNet.predict"].status == "pass"
    assert "ReLU hidden layer, softmax in predict" in by_check["TwoLayerNet.predict"].message
