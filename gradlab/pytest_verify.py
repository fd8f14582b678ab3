"""``pytest --gradlab-verify PATH``: ``gradlab verify``'s checks as pytest tests.

One test per check, ``verify::softmax::large`` (with the definition in brackets when a
name has several, and the target's label after ``verify::`` when there are several
targets), passing, failing or skipping as the report says, with the counterexample as the
failure's text; a warning passes with a :class:`VerifyWarning`. A course's CI can be

    pytest --gradlab-verify student_code/ --junitxml=report.xml

Without test paths on the command line, only these tests run (the learner's own
``test_*.py`` files, which would run in pytest's process, are not collected); name paths to
run them too. verify runs once, where pytest starts: under pytest-xdist the controller
checks the targets and hands the records to the workers, which only report them.

Loaded by gradlab's pytest plugin (``gradlab.pytest_plugin``); imports nothing but pytest
at load time (verify's machinery loads when the option is given).
"""

from __future__ import annotations

import warnings

import pytest

__all__ = ["VerifyItem", "VerifyWarning", "VerifyFailure"]

_RESULTS = pytest.StashKey[list]()
_WORKER_KEY = "gradlab_verify"


class VerifyWarning(UserWarning):
    """A check that warned: a hazard without a wrong number."""


class VerifyFailure(AssertionError):
    """A check that failed or could not run; its text is the report's."""


def pytest_addoption(parser):
    group = parser.getgroup("gradlab-verify", "gradlab verify as tests")
    group.addoption("--gradlab-verify", action="append", default=[], metavar="PATH",
                    help="check PATH (a .py file, notebook, folder or module) with gradlab "
                         "verify: one test per check (repeatable)")
    group.addoption("--gradlab-verify-quick", action="store_true",
                    help="fixed inputs only, no hypothesis search (as verify --quick)")


def _targets(config) -> list[str]:
    return config.getoption("gradlab_verify", default=None) or []


def pytest_configure(config):
    if not _targets(config) or hasattr(config, "workerinput"):
        return
    from gradlab.conformance.loading import resolve_target

    for target in _targets(config):
        try:
            resolve_target(target)
        except ValueError as exc:
            raise pytest.UsageError(f"--gradlab-verify: {exc}") from None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    config = session.config
    if not _targets(config) or hasattr(config, "workerinput"):
        return
    from gradlab.conformance.api import jobs_for
    from gradlab.conformance.batch import check_one
    from gradlab.conformance.options import check_options
    from gradlab.conformance.oracle import enable_compilation_cache

    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"gradlab verify: checking {', '.join(_targets(config))}")
    opts = check_options(quick=config.getoption("gradlab_verify_quick"))
    enable_compilation_cache()
    results = [check_one(job) for job in jobs_for(_targets(config), opts, [])]
    config.stash[_RESULTS] = [r.to_json() for r in results]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist: the workers report the records the controller made."""
    if _RESULTS in node.config.stash:
        node.workerinput[_WORKER_KEY] = {"results": node.config.stash[_RESULTS],
                                         "only": _only_verify(node.config)}


def _shared(config):
    if hasattr(config, "workerinput"):
        return config.workerinput.get(_WORKER_KEY)
    if _RESULTS in config.stash:
        return {"results": config.stash[_RESULTS], "only": _only_verify(config)}
    return None


def _only_verify(config) -> bool:
    """No test paths were given: run only verify's tests."""
    return config.args_source != pytest.Config.ArgsSource.ARGS


def pytest_ignore_collect(collection_path, config):
    shared = _shared(config)
    if shared and shared["only"]:
        return True
    return None


class _Target(pytest.Collector):
    def collect(self):  # its items are made by pytest_collection_modifyitems
        return []


class VerifyItem(pytest.Item):
    """One check of a target, as its record says."""

    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        self.record = case.record

    def runtest(self):
        from gradlab.conformance.formats.cases import failure_text

        status = self.record.status
        if status in ("fail", "error"):
            raise VerifyFailure(failure_text(self.record))
        if status == "warn":  # shown at the definition, not at this line
            path, line, _ = self.reportinfo()
            warnings.warn_explicit(VerifyWarning(failure_text(self.record)), VerifyWarning,
                                   str(path), line + 1)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, VerifyFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        """The definition's file and line (0-based); the target and line 0 when the record
        names none (pytest needs a line to report a skip)."""
        where = self.case.location
        if where is None:
            return self.record.target, 0, self.nodeid
        return where.path, where.line - 1 if where.line else 0, self.nodeid


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    shared = _shared(config)
    if not shared:
        return
    from gradlab.conformance.batch import TargetResult
    from gradlab.conformance.formats.cases import test_cases

    results = [TargetResult.from_json(r) for r in shared["results"]]
    for result in results:
        nodeid = "verify" if len(results) == 1 else f"verify::{result.label.rstrip('/')}"
        parent = _Target.from_parent(session, name=nodeid, nodeid=nodeid)
        for case in test_cases(result):
            item = VerifyItem.from_parent(parent, name=case.name, case=case)
            if case.record.status == "skip":  # reported at the item's place, not here
                item.add_marker(pytest.mark.skip(reason=case.record.message))
            items.append(item)
