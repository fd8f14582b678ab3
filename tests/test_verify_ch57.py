"""gradlab verify on chapters 5-7 (fixtures/ch57): correct learner-style code and every correct
alternative formulation pass; one mutant per bug kind fails at the right check with a message
that says what is wrong; gradlab's own layers, optimizers and nets pass every check."""

from __future__ import annotations

from pathlib import Path

import pytest
from terms_support import verify

import gradlab as gl
from gradlab.conformance import gradlab_implementation, run_checks

CH57 = Path(__file__).parent / "fixtures" / "ch57"
CHAPTER_5_7 = {"Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "SGD", "Momentum", "Nesterov",
               "AdaGrad", "RMSprop", "Adam", "BatchNormalization", "Dropout", "MultiLayerNet",
               "MultiLayerNetExtend", "im2col", "col2im", "Convolution", "Pooling",
               "SimpleConvNet"}


@pytest.fixture(scope="module", autouse=True)
def cold_oracle_afterwards():
    """The in-process checks below compile the oracle's chapter 5-7 programs; drop them
    afterwards, so that a later test of the on-disk compilation cache in the same worker
    still sees them compiled (and written) by its own run."""
    yield
    import jax

    jax.clear_caches()


@pytest.fixture(scope="module")
def ch57():
    return verify(CH57, examples=2)


def test_the_correct_common_code_passes_every_check(ch57):
    for where in ("common/", "ch07/"):
        bad = [(r.check, r.definition, r.message) for r in ch57.records
               if r.definition.startswith(where) and r.status not in ("pass", "skip")]
        assert not bad, bad
    passed = {r.check for r in ch57.records if r.definition.startswith(("common/", "ch07/"))
              and r.status == "pass"}
    assert {"Convolution.backward", "col2im.adjoint", "Adam.trajectory",
            "BatchNormalization.running_stats", "SimpleConvNet.gradient",
            "MultiLayerNet.gradient", "Dropout.train_test"} <= passed


@pytest.mark.parametrize("where, check, words", [
    ("alternatives/nesterov_pre_update.py", "Nesterov.trajectory", "pre-update-velocity"),
    ("alternatives/adam_paper.py", "Adam.trajectory", "'paper'"),
    ("alternatives/adam_uncorrected.py", "Adam.trajectory", "no-bias-correction"),
    ("alternatives/dropout_inverted.py", "Dropout.train_test", "inverted dropout"),
    ("common/optimizer.py", "Nesterov.trajectory", "the book's formulation"),
    ("common/layers.py", "SoftmaxWithLoss.backward", "delta-free gradient"),
])
def test_every_correct_alternative_passes_and_is_named(ch57, where, check, words):
    record = ch57.of(check, where)
    assert record.status == "pass" and words in record.message, record.message


MUTANTS = [
    ("col2im_assign.py", "col2im.adjoint", ["not the adjoint of im2col", "+= not ="]),
    ("col2im_assign.py", "Convolution.backward", ["own forward", "dx["]),
    ("col2im_assign.py", "Pooling.backward", ["own forward", "dx["]),
    ("conv_width_from_height.py", "Convolution.forward", ["width computed from the height"]),
    ("conv_width_from_height.py", "Pooling.forward", ["width computed from the height"]),
    ("conv_no_cache.py", "Convolution.backward", ["self.col before anything assigned"]),
    ("conv_colw_no_transpose.py", "Convolution.backward", ["crashed", "matmul"]),
    ("conv_no_channel_sum.py", "Convolution.forward", ["wrong forward", "channels"]),
    ("softmax_precedence.py", "SoftmaxWithLoss.backward", ["own forward", "dx[0, 0]"]),
    ("im2col_true_division.py", "im2col.values", ["TypeError", "float"]),
    ("dropout_no_switch.py", "Dropout.train_test", ["still drops units", "train_flg"]),
    ("dropout_no_test_scaling.py", "Dropout.train_test", ["without test-time scaling"]),
    ("dropout_no_flag.py", "Dropout.train_test", ["takes no train_flg", "no test mode"]),
    ("backword_typo.py", "Relu.backward", ["'backword': a typo"]),
    ("abstract_backword.py", "Sigmoid.forward", ["cannot be instantiated", "'backword'"]),
    ("faccuracy_typo.py", "MultiLayerNet.accuracy", ["'faccuracy': a typo"]),
    ("batchnorm_annotated.py", "BatchNormalization.forward", ["self.running_mean before",
                                                              "annotation"]),
    ("momentum_annotated.py", "Momentum.trajectory", ["self.v before anything assigned"]),
    ("momentum_annotated.py", "AdaGrad.trajectory", ["self.h before anything assigned"]),
    ("affine_no_transpose.py", "Affine.backward", ["crashed", "matmul"]),
    ("relu_no_mask.py", "Relu.backward", ["own forward", "slope 0"]),
]


@pytest.mark.parametrize("name, check, words", MUTANTS,
                         ids=[f"{n[:-3]}-{c}" for n, c, _ in MUTANTS])
def test_each_mutant_fails_at_the_right_check_saying_why(ch57, name, check, words):
    record = ch57.of(check, f"mutants/{name}")
    assert record.status == "fail", (record.status, record.message)
    for word in words:
        assert word in record.message, (word, record.message)


def test_a_mutant_fails_only_where_its_bug_is(ch57):
    """The other checks of a mutant's file pass (or skip): the bug is named at its layer."""
    expected = {(f"mutants/{n}", c) for n, c, _ in MUTANTS} | {
        ("mutants/conv_width_from_height.py", "Pooling.backward"),  # its forward is wrong too
        ("mutants/abstract_backword.py", "Sigmoid.backward"),
        ("mutants/affine_no_transpose.py", "Affine.images"),  # crashes on any shape
        ("mutants/batchnorm_annotated.py", "BatchNormalization.backward"),
        ("mutants/batchnorm_annotated.py", "BatchNormalization.running_stats"),
        ("mutants/conv_no_channel_sum.py", "Convolution.backward")}
    failing = {(r.definition.split(":")[0], r.check) for r in ch57.records
               if r.status == "fail"}
    assert failing == expected


def test_an_optimizer_that_changes_the_callers_grads_warns(ch57):
    record = ch57.of("AdaGrad.trajectory", "mutants/adagrad_touches_grads.py")
    assert record.status == "warn" and "modified the caller's grads" in record.message


def test_the_channel_mutant_names_the_channels_in_its_case(ch57):
    record = ch57.of("Convolution.forward", "mutants/conv_no_channel_sum.py")
    assert "images (2, 3, 7, 6)" in record.message


@pytest.fixture(scope="module")
def own():
    return run_checks(gradlab_implementation(), functions=CHAPTER_5_7, examples=2)


def test_gradlab_passes_every_chapter_5_7_check(own):
    assert {r.function for r in own} == CHAPTER_5_7
    bad = [(r.check, r.status, r.message) for r in own if r.status != "pass"]
    assert not bad, bad


def test_the_readme_table_names_every_check():
    from gradlab.conformance.suite import all_checks

    rows = [line for line in (Path(__file__).parent.parent / "README.md").read_text()
            .splitlines() if line.startswith("| ") and "`." in line]
    missing = [c.name for c in all_checks() if not any(
        f"`{c.function}`" in row and c.name.split(".", 1)[1] in row for row in rows)]
    assert not missing, missing


class _ForwardOnly:
    def forward(self, x):
        return x * 2.0


class _NoUpdate:
    def __init__(self, lr=0.01):
        self.lr = lr


class _NetWithoutGradient:
    def __init__(self, input_size, hidden_size_list, output_size, weight_decay_lambda=0):
        import numpy as np

        self.params = {"W1": np.ones((input_size, output_size))}

    def loss(self, x, t):
        return 0.0


def test_a_class_that_lacks_a_method_is_a_skip_never_a_crash():
    impl = gradlab_implementation().replace(Relu=_ForwardOnly, Momentum=_NoUpdate,
                                            MultiLayerNet=_NetWithoutGradient)
    records = run_checks(impl, functions={"Relu", "Momentum", "MultiLayerNet"}, examples=0)
    by_check = {r.check: r for r in records}
    assert by_check["Relu.backward"].status == "skip"
    assert "backward is not defined" in by_check["Relu.backward"].message
    assert by_check["Relu.forward"].status == "fail"  # 2x is not ReLU: its values are judged
    assert by_check["Momentum.trajectory"].status == "skip"
    assert by_check["MultiLayerNet.gradient"].status == "skip"
    assert by_check["MultiLayerNet.accuracy"].status == "skip"


def _forgets_weight_decay(self, x, t):
    grads = gl.MultiLayerNet.gradient(self, x, t)
    return {k: g - self.weight_decay_lambda * self.params[k] if k.startswith("W") else g
            for k, g in grads.items()}


def _half_conv_gradient(self, x, t):
    grads = gl.SimpleConvNet.gradient(self, x, t)
    return {**grads, "W1": 0.5 * grads["W1"]}


@pytest.mark.parametrize("name, method, key", [
    ("MultiLayerNet", _forgets_weight_decay, "'W"),
    ("SimpleConvNet", _half_conv_gradient, "'W1'"),
], ids=["no-weight-decay", "conv-dW-halved"])
def test_a_wrong_network_gradient_fails_against_its_own_loss(name, method, key):
    base = getattr(gl, name)
    impl = gradlab_implementation().replace(**{name: type(name, (base,), {"gradient": method})})
    record = next(r for r in run_checks(impl, functions={name}, examples=0)
                  if r.check == f"{name}.gradient")
    assert record.status == "fail" and "its own loss" in record.message, record.message
    assert f"grads[{key}" in record.message
