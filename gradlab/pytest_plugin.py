"""gradlab's pytest plugin (entry point ``pytest11``); imports only NumPy at load time.

Provides the ``gradcheck`` fixture::

    def test_my_layer(gradcheck):
        gradcheck(lambda W: net.loss(x, t), net.params, net.gradient(x, t))
        gradcheck.vjp(layer.forward, x, layer.backward)   # also .jvp, .jacobian

and command-line options for its defaults: ``--gradcheck-mode {full,fast}``,
``--gradcheck-method {central,richardson,complex}``, ``--gradcheck-safety S``.
A check that fails, or that is inconclusive (it could not have seen an error
as large as the gradient), raises ``GradCheckError`` whose message is the
checker's report, with the reason and what to try; the checker's own frames
are hidden from the traceback.
"""

from __future__ import annotations

import pytest

from gradlab.check import (
    METHODS,
    MODES,
    SAFETY,
    check_gradient,
    check_jacobian,
    check_jvp,
    check_vjp,
)
from gradlab.check.gradient import require

# --- the gradcheck fixture -------------------------------------------------------------

_DEFAULTS = {"mode": "full", "method": "central", "safety": SAFETY}


def pytest_addoption(parser):
    group = parser.getgroup("gradlab", "gradient checking (gradlab)")
    group.addoption("--gradcheck-mode", choices=MODES, default=None,
                    help="default mode of the gradcheck fixture: 'full' checks every "
                         "element, 'fast' random directions then bisection (default: full)")
    group.addoption("--gradcheck-method", choices=METHODS,
                    default=None, help="finite-difference method (default: central)")
    group.addoption("--gradcheck-safety", type=float, default=None,
                    help="factor by which a mismatch must exceed the estimated "
                         f"finite-difference error to count (default: {SAFETY:g})")


def _defaults(config) -> dict:
    opts = dict(_DEFAULTS)
    for key in opts:
        value = config.getoption(f"--gradcheck-{key}", default=None)
        if value is not None:
            opts[key] = value
    return opts


class GradChecker:
    """Callable returned by the ``gradcheck`` fixture.

    ``gradcheck(f, x, grad, **opts)`` asserts (raises GradCheckError with the
    report unless the check passes: a failure or an inconclusive check) and
    returns the GradCheckResult; ``gradcheck.vjp``, ``.jvp`` and ``.jacobian``
    do the same for vector-valued f; ``gradcheck.check(...)`` returns the
    result without raising. ``gradcheck.defaults`` holds the options taken
    from the command line; keyword arguments override them.
    """

    def __init__(self, defaults: dict):
        self.defaults = defaults

    def check(self, f, x, grad, **opts):
        return check_gradient(f, x, grad, **{**self.defaults, **opts})

    def __call__(self, f, x, grad, **opts):
        __tracebackhide__ = True
        return require(self.check(f, x, grad, **opts))

    def vjp(self, f, x, vjp, **opts):
        __tracebackhide__ = True
        return require(check_vjp(f, x, vjp, **{**self.defaults, **opts}))

    def jvp(self, f, x, jvp, **opts):
        __tracebackhide__ = True
        return require(check_jvp(f, x, jvp, **{**self.defaults, **opts}))

    def jacobian(self, f, x, jac, **opts):
        __tracebackhide__ = True
        return require(check_jacobian(f, x, jac, **{**self.defaults, **opts}))


@pytest.fixture
def gradcheck(request) -> GradChecker:
    """The gradient checker with the session's defaults (see ``--gradcheck-*`` options)."""
    return GradChecker(_defaults(request.config))


def pytest_report_header(config):
    opts = _defaults(config)
    if opts == _DEFAULTS:
        return None
    return "gradlab gradcheck: " + ", ".join(f"{k}={v}" for k, v in opts.items())


# -- pytest --gradlab-verify PATH: verify's checks as tests, in a module of their own -------
pytest_plugins = ["gradlab.pytest_verify"]
