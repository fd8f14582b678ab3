"""The report as JUnit XML (``--junit FILE``), which CI services show as test results: a
``testsuite`` per target, a ``testcase`` per check (named as in :mod:`.cases`), with
``failure``, ``error`` and ``skipped`` as the statuses say; a warning passes and says so in
``system-out``. Written with the standard library's ``xml.etree`` (which escapes
everything); characters XML 1.0 cannot hold are replaced first."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..batch import TargetResult
from .cases import failure_text, test_cases
from .locations import display_path

__all__ = ["to_junit", "write_junit"]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _suite(parent, result: TargetResult):
    cases = test_cases(result)
    suite = ET.SubElement(parent, "testsuite", name=_text(result.label), tests=str(len(cases)),
                          failures=str(sum(c.record.status == "fail" for c in cases)),
                          errors=str(sum(c.record.status == "error" for c in cases)),
                          skipped=str(sum(c.record.status == "skip" for c in cases)),
                          time=f"{result.seconds:.3f}")
    for case in cases:
        r = case.record
        attrs = {"classname": _text(result.label), "name": _text(case.name),
                 "time": f"{r.seconds:.3f}"}
        if case.location:
            attrs["file"] = display_path(case.location.path)
            if case.location.line:
                attrs["line"] = str(case.location.line)
        testcase = ET.SubElement(suite, "testcase", attrs)
        if r.status in ("fail", "error"):
            tag = "failure" if r.status == "fail" else "error"
            element = ET.SubElement(testcase, tag, message=_text(r.message), type=r.status)
            element.text = _text(failure_text(r))
        elif r.status == "skip":
            ET.SubElement(testcase, "skipped", message=_text(r.message))
        elif r.status == "warn":
            ET.SubElement(testcase, "system-out").text = _text(failure_text(r))
    return suite


def to_junit(results: list[TargetResult]) -> str:
    """The JUnit XML document of ``results``."""
    root = ET.Element("testsuites", name="gradlab verify")
    suites = [_suite(root, r) for r in results]
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key)) for s in suites)))
    root.set("time", f"{sum(r.seconds for r in results):.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path, results: list[TargetResult]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(to_junit(results))
